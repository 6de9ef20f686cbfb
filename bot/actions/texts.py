"""What the Voltify demo's own actions say: order statuses, the lookup's question, topics.

The words are in the assistant's catalogue, ``locales/<language>.yml`` next to this package
(keys ``orders.*`` and ``topics.*``), said in the conversation's language with
:func:`baton_actions.texts.say`; Baton's words for identity, handoff and knowledge answers
are Baton's own keys of the same catalogue.
"""

from __future__ import annotations

from datetime import date
from typing import assert_never

from baton_actions import contract
from baton_actions.texts import Button, button, say

from .orders import Cancelled, Delivered, Order, Processing, Refunded, Shipped


def _day(day: date, language: str) -> str:
    months = contract.catalogue().value("orders.months", language)
    return say("orders.date", language, day=day.day, month=months[day.month - 1], year=day.year)


def order_status(order: Order, language: str) -> str:
    """The status of one order, always naming its number."""
    items = contract.catalogue().join(list(order.items), language)
    lead = say("orders.lead", language, number=order.number, items=items)
    match order.progress:
        case Processing(estimated_dispatch=dispatch):
            return say("orders.processing", language, lead=lead, day=_day(dispatch, language))
        case Shipped(carrier=carrier, tracking_number=tracking, estimated_delivery=due):
            return say(
                "orders.shipped",
                language,
                lead=lead,
                carrier=carrier,
                tracking=tracking,
                day=_day(due, language),
            )
        case Delivered(delivered_on=delivered):
            return say("orders.delivered", language, lead=lead, day=_day(delivered, language))
        case Cancelled(cancelled_on=cancelled):
            return say("orders.cancelled", language, lead=lead, day=_day(cancelled, language))
        case Refunded(refunded_on=refunded, refund_amount=amount):
            return say(
                "orders.refunded", language, lead=lead, day=_day(refunded, language), amount=amount
            )
        case _:
            assert_never(order.progress)


def check_another_order(language: str) -> Button:
    return button(say("orders.button_check_another", language), "order_status")


def start_a_return(language: str) -> Button:
    return button(say("orders.button_start_return", language), "returns")


def topic_buttons(language: str) -> list[Button]:
    """The topics offered when the bot asks for other words."""
    return [
        button(say("topics.button_track_order", language), "order_status"),
        button(say("topics.button_returns", language), "returns"),
        button(say("topics.button_delivery_options", language), "delivery_options"),
    ]


def topic_questions(language: str) -> dict[str, str]:
    """A clicked topic button sends only its intent ("/returns"): the question it stands for."""
    questions = contract.catalogue().value("topics.questions", language)
    return {str(k): str(v) for k, v in questions.items()}

"""Order status: the lookup action and the small form that asks for a missing number.

The number lives in the demo's `order_number` slot, the one baton.yml names as the identity
order number, so a number the customer gave the identity form is looked up without asking
again (and the other way round). Rules from `baton_actions.validation` check it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Final

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from baton_actions import asks, contract, validation
from baton_actions import texts as baton_texts
from baton_actions.names import NO_ORDER_NUMBER
from baton_actions.parsing import read_order_number
from baton_actions.texts import say
from baton_actions.validation import SlotValues

from . import texts
from .orders import OrderBook, OrderBookError, OrderStatus, load_order_book

logger = logging.getLogger(__name__)

# names in bot/domain/domain.yml
ORDER_NUMBER: Final = "order_number"
ORDER_NUMBER_FORM: Final = "order_number_form"


class ActionOrderStatus(Action):
    """Tells the customer the status of the order in the `order_number` slot.

    Every reply about a number names it. A known order gets its status (carrier and
    tracking number when shipped); an unknown one gets "I couldn't find order N" and the
    slot is cleared, so the next request asks for a number again. Without a number (the
    slot empty or `"none"`), it says a colleague can help instead.
    """

    def __init__(self, order_book: Callable[[], OrderBook] = load_order_book) -> None:
        self._order_book = order_book

    def name(self) -> str:
        return "action_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        value = tracker.get_slot(ORDER_NUMBER)
        number = (
            read_order_number(str(value)).number if value and value != NO_ORDER_NUMBER else None
        )
        language = contract.language(tracker)
        talk_to_person = baton_texts.talk_to_person(language)
        if number is None:
            dispatcher.utter_message(
                text=say("orders.need_order_number", language), buttons=talk_to_person
            )
            return []
        try:
            book = await asyncio.to_thread(self._order_book)
        except OrderBookError:
            logger.exception("cannot read the orders file")
            dispatcher.utter_message(
                text=say("orders.unavailable", language), buttons=talk_to_person
            )
            return []
        order = book.find(number)
        if order is None:
            dispatcher.utter_message(
                text=say("orders.not_found", language, number=number),
                buttons=[texts.check_another_order(language), *talk_to_person],
            )
            return [SlotSet(ORDER_NUMBER, None)]
        buttons = [texts.start_a_return(language)] if order.status is OrderStatus.DELIVERED else []
        dispatcher.utter_message(
            text=texts.order_status(order, language), buttons=[*buttons, *talk_to_person]
        )
        return [SlotSet(ORDER_NUMBER, number)] if number != value else []


class ValidateOrderNumberForm(FormValidationAction):
    """Validates `order_number_form`, which asks for an order number only when none is known.

    Takes a 5 to 8 digit number, re-asking with the reason otherwise. If the customer has
    none ("I don't have one"), the slot becomes `"none"` and the form ends; a `"none"` left
    from earlier in the conversation is dropped at activation, so the number is asked again.
    """

    def name(self) -> str:
        return f"validate_{ORDER_NUMBER_FORM}"

    async def validate_order_number(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> SlotValues:  # fmt: skip
        return validation.validate_order_number(
            slot_value, dispatcher, tracker, slot=ORDER_NUMBER, keep_earlier_decline=False
        )


class ActionAskOrderNumber(asks.ActionAskOrderNumber):
    """`action_ask_order_number`, asked by the lookup's form in its own words (it replaces
    Baton's by name; the identity form keeps Baton's question)."""

    def question(self, tracker: Tracker) -> str:
        if tracker.active_loop.get("name") == ORDER_NUMBER_FORM:
            return say("orders.ask_order_number", contract.language(tracker))
        return super().question(tracker)

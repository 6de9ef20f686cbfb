"""The demo's order lookup, its form and its wording of the order-number question."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from baton_actions import asks, knowledge
from baton_actions.names import NO_ORDER_NUMBER
from tests.baton_actions.trackers import (
    FORM_DOMAIN,
    ORDER_NUMBER,
    form_turn,
    make_tracker,
    slot_values,
)
from tests.bot.demo_actions import demo_actions, demo_module

order_status = demo_module("order_status")
orders = demo_module("orders")
ActionOrderStatus = order_status.ActionOrderStatus
ValidateOrderNumberForm = order_status.ValidateOrderNumberForm
OrderBook = orders.OrderBook
OrderBookError = orders.OrderBookError


def demo_book() -> Any:
    return OrderBook.from_file(orders.DEMO_ORDERS_FILE)


async def run_status(order_number: str | None) -> tuple[CollectingDispatcher, list[EventType]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={ORDER_NUMBER: order_number})
    events = await ActionOrderStatus(demo_book).run(dispatcher, tracker, {})
    return dispatcher, events


async def test_known_order_gets_its_status_with_carrier_and_tracking() -> None:
    dispatcher, events = await run_status("12345")

    [message] = dispatcher.messages
    assert "12345" in message["text"]
    assert "on its way with DHL" in message["text"]
    assert "JD014600003828" in message["text"]
    assert events == []


async def test_delivered_order_offers_a_return() -> None:
    dispatcher, _ = await run_status("55012")

    [message] = dispatcher.messages
    assert "delivered on 21 February 2025" in message["text"]
    assert {"title": "Start a return", "payload": "/returns"} in message["buttons"]


async def test_unknown_order_is_named_and_the_number_forgotten() -> None:
    dispatcher, events = await run_status("99999")

    [message] = dispatcher.messages
    assert "couldn't find order 99999" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/order_status", "/request_human"]
    assert slot_values(events) == {ORDER_NUMBER: None}


async def test_number_with_a_hash_is_looked_up_and_stored_clean() -> None:
    dispatcher, events = await run_status("#4829301")

    assert "Order 4829301" in dispatcher.messages[0]["text"]
    assert slot_values(events) == {ORDER_NUMBER: "4829301"}


async def test_missing_number_offers_a_person() -> None:
    for value in (None, NO_ORDER_NUMBER):
        dispatcher, events = await run_status(value)

        [message] = dispatcher.messages
        assert "Without an order number" in message["text"]
        assert message["buttons"] == [{"title": "Talk to a person", "payload": "/request_human"}]
        assert events == []


async def test_unreadable_orders_file_is_apologised_for() -> None:
    def broken() -> Any:
        raise OrderBookError(Path("orders.json"), "no such file")

    dispatcher = CollectingDispatcher()
    events = await ActionOrderStatus(broken).run(
        dispatcher, make_tracker(slots={ORDER_NUMBER: "12345"}), {}
    )

    assert "can't reach our order system" in dispatcher.messages[0]["text"]
    assert events == []


async def validate_lookup(tracker: Tracker) -> tuple[CollectingDispatcher, dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await ValidateOrderNumberForm().run(dispatcher, tracker, FORM_DOMAIN)
    return dispatcher, slot_values(events)


async def test_lookup_form_accepts_a_number_in_a_sentence() -> None:
    dispatcher, slots = await validate_lookup(
        form_turn(
            "order_number_form",
            requested="order_number",
            text="it's 4829301",
            candidates={ORDER_NUMBER: "it's 4829301"},
        )
    )

    assert slots == {ORDER_NUMBER: "4829301"}
    assert dispatcher.messages == []


async def test_lookup_form_re_asks_a_number_of_the_wrong_length() -> None:
    dispatcher, slots = await validate_lookup(
        form_turn(
            "order_number_form",
            requested="order_number",
            text="1234",
            candidates={ORDER_NUMBER: "1234"},
        )
    )

    assert slots == {ORDER_NUMBER: None}
    assert "5 to 8 digits" in dispatcher.messages[0]["text"]
    assert "has 4" in dispatcher.messages[0]["text"]


async def test_lookup_form_takes_i_dont_have_one_as_the_none_sentinel() -> None:
    _, slots = await validate_lookup(
        form_turn(
            "order_number_form",
            requested="order_number",
            text="I don't have one",
            intent="deny",
            candidates={ORDER_NUMBER: "I don't have one"},
        )
    )

    assert slots == {ORDER_NUMBER: NO_ORDER_NUMBER}


async def test_lookup_form_asks_again_despite_an_earlier_none() -> None:
    # the form starts with "none" left over from the identity form: it must ask for a number
    _, slots = await validate_lookup(
        form_turn(
            "order_number_form",
            requested=None,
            text="where is my order?",
            intent="order_status",
            candidates={ORDER_NUMBER: NO_ORDER_NUMBER},
            earlier={ORDER_NUMBER: NO_ORDER_NUMBER},
        )
    )

    assert slots == {ORDER_NUMBER: None}


async def test_lookup_form_keeps_a_number_given_with_the_question() -> None:
    _, slots = await validate_lookup(
        form_turn(
            "order_number_form",
            requested=None,
            text="where is order #12345",
            intent="order_status",
            candidates={ORDER_NUMBER: "#12345"},
        )
    )

    assert slots == {ORDER_NUMBER: "12345"}


async def test_order_number_question_is_the_lookups_in_its_form_and_batons_elsewhere() -> None:
    action = demo_actions().ActionAskOrderNumber()
    assert isinstance(action, asks.ActionAskOrderNumber)
    assert action.name() == asks.ActionAskOrderNumber().name() == "action_ask_order_number"
    for form, wording in [
        ("order_number_form", "I can check that"),
        ("identity_form", "if this is about an order"),
    ]:
        dispatcher = CollectingDispatcher()

        await action.run(dispatcher, make_tracker(active_loop=form), {})

        [message] = dispatcher.messages
        assert wording in message["text"]
        assert message["buttons"] == [{"title": "I don't have one", "payload": "/deny"}]


def test_knowledge_answer_offers_the_demos_topics_under_batons_name() -> None:
    action = demo_actions().ActionKnowledgeAnswer()
    assert isinstance(action, knowledge.ActionKnowledgeAnswer)
    assert action.name() == "action_knowledge_answer"
    assert {b["payload"] for b in action.topic_buttons("en")} == {
        "/order_status", "/returns", "/delivery_options"
    }  # fmt: skip
    tracker = make_tracker(text="/returns", intent="returns")
    assert (
        knowledge.search_text(tracker, action.topic_questions("en")) == "How do I return a product?"
    )

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from baton_actions.asks import ActionAskEmail, ActionAskName, ActionAskOrderNumber
from tests.baton_actions.conftest import OTHER_SLOTS
from tests.baton_actions.trackers import NAME, make_tracker, user_event


async def test_name_question() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskName().run(dispatcher, make_tracker(active_loop="identity_form"), {})

    assert "what's your name?" in dispatcher.messages[0]["text"]


async def test_email_question_thanks_by_first_name_right_after_the_name() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        slots={NAME: "Maria Lopez"},
        events=[user_event("Maria Lopez", "inform"), SlotSet(NAME, "Maria Lopez")],
        active_loop="identity_form",
    )

    await ActionAskEmail().run(dispatcher, tracker, {})

    assert dispatcher.messages[0]["text"].startswith("Thanks, Maria. What's the email")


async def test_email_question_repeated_without_thanks() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        slots={NAME: "Maria Lopez"},
        events=[SlotSet(NAME, "Maria Lopez"), user_event("maria at gmail", "inform")],
        active_loop="identity_form",
    )

    await ActionAskEmail().run(dispatcher, tracker, {})

    assert dispatcher.messages[0]["text"].startswith("What's the email")


async def test_order_number_question_offers_i_dont_have_one() -> None:
    dispatcher = CollectingDispatcher()

    await ActionAskOrderNumber().run(dispatcher, make_tracker(active_loop="identity_form"), {})

    [message] = dispatcher.messages
    assert "if this is about an order" in message["text"]
    assert message["buttons"] == [{"title": "I don't have one", "payload": "/deny"}]


def test_questions_are_named_after_the_demos_slots() -> None:
    names = [a().name() for a in (ActionAskName, ActionAskEmail, ActionAskOrderNumber)]

    assert names == ["action_ask_name", "action_ask_email", "action_ask_order_number"]


@pytest.mark.usefixtures("other_assistant")
async def test_questions_follow_the_assistants_slot_names() -> None:
    names = [a().name() for a in (ActionAskName, ActionAskEmail, ActionAskOrderNumber)]
    assert names == [
        "action_ask_full_name", "action_ask_customer_email", "action_ask_ticket_ref"
    ]  # fmt: skip

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        slots={"full_name": "Maria Lopez"},
        events=[user_event("Maria Lopez", "chit_chat"), SlotSet("full_name", "Maria Lopez")],
        active_loop="who_form",
        identity_slots=OTHER_SLOTS,
    )
    await ActionAskEmail().run(dispatcher, tracker, {})

    assert dispatcher.messages[0]["text"].startswith("Thanks, Maria. What's the email")

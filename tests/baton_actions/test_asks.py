from __future__ import annotations

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from baton_actions.asks import ActionAskEmail, ActionAskName, ActionAskOrderNumber
from baton_actions.names import NAME
from tests.baton_actions.trackers import make_tracker, user_event


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
    for form, wording in [
        ("identity_form", "if this is about an order"),
        ("order_number_form", "I can check that"),
    ]:
        dispatcher = CollectingDispatcher()

        await ActionAskOrderNumber().run(dispatcher, make_tracker(active_loop=form), {})

        [message] = dispatcher.messages
        assert wording in message["text"]
        assert message["buttons"] == [{"title": "I don't have one", "payload": "/deny"}]

from __future__ import annotations

from rasa_sdk.events import ActionExecuted, ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from baton_actions.handoff import ActionHandoff, handoff_control, handoff_reason
from baton_actions.handoff_reasons import HandoffReason
from baton_actions.names import EMAIL, HANDOFF_REASON, NAME, NO_ORDER_NUMBER, ORDER_NUMBER
from tests.baton_actions.trackers import make_tracker, user_event


async def test_handoff_tells_the_customer_sends_the_control_payload_and_pauses() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        slots={NAME: "Maria Lopez", EMAIL: "maria@example.com", ORDER_NUMBER: "12345"},
        events=[user_event("I want a human", "request_human"), user_event("Maria Lopez", "inform")],
    )

    events = await ActionHandoff().run(dispatcher, tracker, {})

    text, control = dispatcher.messages
    assert text["text"].startswith("Thanks, Maria. I'm connecting you with a colleague")
    assert control["custom"] == {
        "handoff": {
            "reason": "customer_request",
            "identity": {
                "name": "Maria Lopez",
                "email": "maria@example.com",
                "order_number": "12345",
            },
        }
    }
    assert control["text"] is None
    assert events == [
        SlotSet(HANDOFF_REASON, None),
        ConversationPaused(),
        ActionExecuted("action_listen"),
    ]


async def test_a_declined_order_number_is_not_reported_as_identity() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        slots={NAME: "Anna", ORDER_NUMBER: NO_ORDER_NUMBER},
        events=[user_event("human please", "request_human")],
    )

    await ActionHandoff().run(dispatcher, tracker, {})

    assert dispatcher.messages[1]["custom"]["handoff"]["identity"] == {"name": "Anna"}


def test_the_gateways_trigger_names_the_reason() -> None:
    tracker = make_tracker(
        slots={HANDOFF_REASON: "negative_sentiment"},
        events=[user_event("EXTERNAL: request_human", "request_human")],
    )

    assert handoff_reason(tracker) == "negative_sentiment"


def test_reason_follows_the_intent_that_led_to_the_handoff() -> None:
    cases = {
        "request_human": HandoffReason.CUSTOMER_REQUEST,
        "complaint": HandoffReason.COMPLAINT,
        "cancel_order": HandoffReason.ORDER_CHANGE,
        "change_address": HandoffReason.ORDER_CHANGE,
    }
    for intent, reason in cases.items():
        events = [
            user_event("...", intent),
            user_event("yes", "affirm"),
            user_event("Anna", "inform"),
        ]

        assert handoff_reason(make_tracker(events=events)) == reason


def test_reason_ignores_whatever_came_before_an_earlier_handoff() -> None:
    events = [
        user_event("this is awful", "complaint"),
        ConversationPaused(),
        user_event("Anna", "inform"),
    ]

    assert handoff_reason(make_tracker(events=events)) == HandoffReason.CUSTOMER_REQUEST


def test_control_payload_shape() -> None:
    assert handoff_control(HandoffReason.COMPLAINT, {"email": "a@b.co"}) == {
        "handoff": {"reason": "complaint", "identity": {"email": "a@b.co"}}
    }

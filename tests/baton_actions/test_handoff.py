from __future__ import annotations

from pathlib import Path

import pytest
from rasa_sdk.events import ActionExecuted, ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from baton_actions.contract import handoff_reason_of as reason_of
from baton_actions.handoff import ActionHandoff, handoff_control, handoff_reason
from baton_actions.handoff_reasons import HandoffReason
from baton_actions.names import HANDOFF_REASON, NO_ORDER_NUMBER
from tests.baton_actions.conftest import OTHER_SLOTS
from tests.baton_actions.trackers import EMAIL, NAME, ORDER_NUMBER, make_tracker, user_event


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


def reason_after(intent: str) -> str:
    """The reason of a handoff `intent` set going, answered on the way by a yes and a name."""
    events = [user_event("...", intent), user_event("yes", "affirm"), user_event("A", "inform")]
    return handoff_reason(make_tracker(events=events))


def test_reason_follows_the_intent_that_led_to_the_handoff_by_the_demos_contract() -> None:
    cases = {
        "request_human": "customer_request",  # handoff.intents
        "complaint": "complaint",  # always_human_intents: its own name
        "cancel_order": "order_change",  # handoff.reasons
        "change_address": "order_change",
        "greet": "customer_request",  # names no reason: the customer asked
    }

    assert {intent: reason_after(intent) for intent in cases} == cases


@pytest.mark.usefixtures("other_assistant")
def test_reason_rule_reads_any_assistants_contract() -> None:
    assert reason_of("agent_please") == "customer_request"  # handoff.intents
    assert reason_of("close_account") == "retention"  # handoff.reasons
    assert reason_of("data_request") == "data_request"  # always-human: its own name
    assert reason_of("legal_threat") == "legal"  # unless handoff.reasons names a word
    for answer in ("yes", "chit_chat", None):
        assert reason_of(answer) is None  # answers on the way name no reason
    assert reason_after("close_account") == "retention"
    # the demo's words mean nothing to this assistant
    assert reason_after("cancel_order") == "customer_request"


async def test_handoff_reads_the_assistants_identity_slots(other_assistant: Path) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        slots={
            "full_name": "Kenji Tanaka",
            "customer_email": "k@example.com",
            "ticket_ref": "none",
        },
        events=[user_event("my number is +49 151 2345 6789", "agent_please")],
        identity_slots=OTHER_SLOTS,
    )

    await ActionHandoff().run(dispatcher, tracker, {})

    text, control = dispatcher.messages
    assert text["text"].startswith("Thanks, Kenji.")
    assert control["custom"]["handoff"] == {
        "reason": "customer_request",
        "identity": {
            "name": "Kenji Tanaka",
            "email": "k@example.com",
            "phone": "+49 151 2345 6789",
        },
    }


def test_reason_ignores_whatever_came_before_an_earlier_handoff() -> None:
    events = [
        user_event("this is awful", "complaint"),
        ConversationPaused(),
        user_event("Anna", "inform"),
    ]

    assert handoff_reason(make_tracker(events=events)) == HandoffReason.CUSTOMER_REQUEST


def test_control_payload_shape() -> None:
    assert handoff_control("complaint", {"email": "a@b.co"}) == {
        "handoff": {"reason": "complaint", "identity": {"email": "a@b.co"}}
    }

"""Questions about the conversation so far, answered from a rasa-sdk `Tracker`'s events."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from baton_actions.names import REQUESTED_SLOT


def was_requested(tracker: Tracker, slot: str) -> bool:
    """True when the active form asked the customer for `slot` in its last turn."""
    return tracker.get_slot(REQUESTED_SLOT) == slot


def latest_intent(tracker: Tracker) -> str | None:
    """The intent of the customer's latest message."""
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name")
    return name if isinstance(name, str) else None


def latest_text(tracker: Tracker) -> str:
    """The text of the customer's latest message ("" when there is none)."""
    text = tracker.latest_message.get("text")
    return text if isinstance(text, str) else ""


def _latest_user_turn(tracker: Tracker) -> int:
    turns = [i for i, event in enumerate(tracker.events) if event.get("event") == "user"]
    return turns[-1] if turns else len(tracker.events)


def value_before_latest_message(tracker: Tracker, slot: str) -> Any:
    """The value `slot` held just before the customer's latest message."""
    for event in reversed(tracker.events[: _latest_user_turn(tracker)]):
        if event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def set_since_latest_message(tracker: Tracker, slot: str) -> bool:
    """True when `slot` got a value from the customer's latest message."""
    return any(
        event.get("event") == "slot" and event.get("name") == slot and event.get("value")
        for event in tracker.events[_latest_user_turn(tracker) :]
    )


def customer_texts(tracker: Tracker) -> list[str]:
    """Everything the customer typed in this conversation, oldest first (button payloads,
    which start with "/", are not typed text)."""
    return [
        text
        for event in tracker.events
        if event.get("event") == "user"
        and isinstance(text := event.get("text"), str)
        and not text.startswith("/")
    ]

"""Build rasa-sdk trackers as the Rasa server sends them to the action server."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SlotSet

from baton_actions.names import HANDOFF_REASON, REQUESTED_SLOT

# the demo's identity slots, as bot/baton.yml maps Baton's fields to them (`identity.slots`)
NAME = "name"
EMAIL = "email"
ORDER_NUMBER = "order_number"
PHONE = "phone"

FORM_DOMAIN: dict[str, Any] = {
    "forms": {
        "identity_form": {"required_slots": ["name", "email", "order_number"]},
        "order_number_form": {"required_slots": ["order_number"]},
    },
    "slots": {},
}


def user_event(text: str, intent: str | None = None) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
    }


def make_tracker(
    *,
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    text: str = "",
    intent: str | None = None,
    active_loop: str | None = None,
    identity_slots: tuple[str, ...] | None = None,
) -> Tracker:
    """A tracker whose latest message is `text` / `intent`, with these slots and events.

    The bot's identity slots are the demo's unless `identity_slots` names others."""
    identity = identity_slots or (NAME, EMAIL, ORDER_NUMBER, PHONE)
    all_slots: dict[str, Any] = dict.fromkeys([*identity, HANDOFF_REASON, REQUESTED_SLOT])
    all_slots.update(slots or {})
    return Tracker(
        sender_id="customer-1",
        slots=all_slots,
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9} if intent else {},
            "entities": [],
        },
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def form_turn(
    form: str,
    *,
    requested: str | None,
    text: str,
    intent: str | None = "inform",
    candidates: dict[str, Any],
    earlier: dict[str, Any] | None = None,
    identity_slots: tuple[str, ...] | None = None,
) -> Tracker:
    """The tracker a form's validation action receives after the customer's message.

    `earlier` are slot values from before the message, `candidates` the values extracted
    from it. `requested` is the slot the form asked for (None while the form activates).
    """
    earlier = earlier or {}
    events = [SlotSet(slot, value) for slot, value in earlier.items()]
    events += [user_event(text, intent), SlotSet(REQUESTED_SLOT, requested), ActionExecuted(form)]
    events += [SlotSet(slot, value) for slot, value in candidates.items()]
    return make_tracker(
        slots={**earlier, **candidates, REQUESTED_SLOT: requested},
        events=events,
        text=text,
        intent=intent,
        active_loop=form if requested else None,
        identity_slots=identity_slots,
    )


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slots set by `events`, last value winning."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}

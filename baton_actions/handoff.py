"""Handing the conversation to a person: say so, tell the gateway, and fall silent."""

from __future__ import annotations

from typing import TypedDict

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from baton.contract import IDENTITY_FIELDS
from baton_actions import contract, texts
from baton_actions.extraction import find_in_messages
from baton_actions.handoff_reasons import HandoffReason
from baton_actions.names import HANDOFF_REASON, NO_ORDER_NUMBER
from baton_actions.parsing import first_name
from baton_actions.tracking import customer_texts


class Identity(TypedDict, total=False):
    """Baton's identity fields (not the bot's slot names, which `identity.slots` maps)."""

    name: str
    email: str
    order_number: str
    phone: str


class HandoffRequest(TypedDict):
    reason: str  # a HandoffReason, the contract's word for the intent, or the gateway's trigger
    identity: Identity  # what the bot gathered; absent keys are unknown


class HandoffControl(TypedDict):
    """The control message. Rasa's REST channel delivers it as `{"custom": <this>}`."""

    handoff: HandoffRequest


def handoff_control(reason: str, identity: Identity | None = None) -> HandoffControl:
    return {"handoff": {"reason": str(reason), "identity": identity or {}}}


def gathered_identity(tracker: Tracker) -> Identity:
    """The identity fields whose slots (`identity.slots`) hold a value (a declined order
    number is no value); a phone number the customer wrote but no slot took is added from
    the conversation's text."""
    identity: Identity = {}
    for field in IDENTITY_FIELDS:
        value = tracker.get_slot(contract.identity_slot(field))
        if value and not (field == "order_number" and value == NO_ORDER_NUMBER):
            identity[field] = str(value)  # type: ignore[literal-required]
    if "phone" not in identity:
        phone = find_in_messages(customer_texts(tracker), contract.known_language(tracker)).phone
        if phone:
            identity["phone"] = phone
    return identity


def handoff_reason(tracker: Tracker) -> str:
    """Why this handoff: the gateway's trigger if it named one, else the customer's intent.

    The intent is the latest user intent that leads to a person, since the last handoff,
    and its reason is the contract's (`contract.handoff_reason_of`: `handoff.reasons`, else
    "customer_request" for a handoff intent, an always-human intent's own name). Answers on
    the way (affirm, inform, ...) name no reason and are skipped; a conversation handed over
    before (a `pause` event) bounds the search, so an old complaint does not colour a new
    request. With no such intent, the customer asked: "customer_request".
    """
    triggered = tracker.get_slot(HANDOFF_REASON)
    if triggered:
        return str(triggered)
    for event in reversed(tracker.events):
        if event.get("event") == "pause":
            break
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        reason = contract.handoff_reason_of(intent)
        if reason:
            return reason
    return HandoffReason.CUSTOMER_REQUEST


class ActionHandoff(Action):
    """Tells the customer a person is taking over and hands the conversation to the humans.

    Sends two messages: the text for the customer, then the control payload
    `{"handoff": {"reason": ..., "identity": {...}}}` (a `custom` item in Rasa's REST output)
    on which the gateway moves the conversation to the human queue. Clears the trigger's
    reason and returns `ConversationPaused`, so Rasa predicts nothing more until the
    conversation is resumed (a `{"event": "resume"}` posted to the tracker), then
    `action_listen`. The identity slots stay: after a hand back nothing is asked twice.
    """

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        name = tracker.get_slot(contract.identity_slot("name"))
        language = contract.language(tracker)
        dispatcher.utter_message(text=texts.handoff_connecting(first_name(name), language))
        control = handoff_control(handoff_reason(tracker), gathered_identity(tracker))
        dispatcher.utter_message(json_message=dict(control))
        # A paused Rasa stops without its usual action_listen. Logging one here makes the
        # customer's first message after a resume a fresh turn that the rules understand;
        # without it no rule matches ("after action_handoff") and the bot stays silent.
        return [
            SlotSet(HANDOFF_REASON, None),
            ConversationPaused(),
            ActionExecuted("action_listen"),
        ]

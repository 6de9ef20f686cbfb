"""Slot validation shared by the forms: keep a clean value, or drop it and say why.

Every validator here follows the same rules:

- a valid candidate is stored in its clean form ("my email is a@b.co" → "a@b.co");
- an invalid candidate for the slot the form asked for is dropped (the slot becomes None, so
  the form asks again) and the customer is told what was wrong with it;
- an invalid candidate the form did not ask for (an entity picked up in passing, or a value
  filled before the form started) is dropped silently, and the slot falls back to the valid
  value it held before the latest message, if any.

Names are the exception to taking any valid candidate: a name already known is replaced only
by an answer to the name question, because names picked up in passing are the least reliable
entity ("maria at gmail" yields the name "maria").

Each validator is told the bot's `slot` it validates (the slot names are the assistant's, see
`identity.slots` in its baton.yml) and returns the values to set, keyed by that slot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from baton_actions import contract, texts
from baton_actions.names import NO_ORDER_NUMBER
from baton_actions.parsing import parse_email, parse_name, read_order_number
from baton_actions.tracking import (
    latest_intent,
    latest_text,
    value_before_latest_message,
    was_requested,
)

SlotValues = dict[str, Any]


def _reject(
    slot: str,
    message: str,
    still_valid: Callable[[Any], bool],
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
) -> SlotValues:
    if was_requested(tracker, slot):
        dispatcher.utter_message(text=message)
        return {slot: None}
    previous = value_before_latest_message(tracker, slot)
    return {slot: previous if previous is not None and still_valid(previous) else None}


def _is_name(value: Any) -> bool:
    return parse_name(str(value)) == value


def validate_name(
    value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, *, slot: str
) -> SlotValues:
    """Keep a person's name; reject empty text, digits, sentences and email addresses."""
    requested = was_requested(tracker, slot)
    previous = value_before_latest_message(tracker, slot)
    if not requested and previous is not None and _is_name(previous):
        return {slot: previous}
    name = parse_name(str(value)) if value else None
    if name and requested:
        # the entity may cover part of the answer ("Maria" of "Maria Lopez"): prefer the whole
        whole = parse_name(latest_text(tracker))
        if whole and name in whole:
            name = whole
    if name:
        return {slot: name}
    return _reject(
        slot, texts.invalid_name(value, contract.language(tracker)), _is_name, dispatcher, tracker
    )


def validate_email(
    value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, *, slot: str
) -> SlotValues:
    """Keep the email address found in the candidate; reject anything without one."""
    email = parse_email(str(value)) if value else None
    if email:
        return {slot: email}
    return _reject(
        slot,
        texts.invalid_email(value, contract.language(tracker)),
        lambda v: parse_email(str(v)) == v,
        dispatcher,
        tracker,
    )


def validate_order_number(
    value: Any,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    *,
    slot: str,
    keep_earlier_decline: bool,
) -> SlotValues:
    """Keep a 5-8 digit order number, or `NO_ORDER_NUMBER` when the customer has none.

    A decline counts only as the answer to the form's own question (a "no" intent or words
    like "I don't have one", "skip"). A decline from earlier in the conversation is kept when
    `keep_earlier_decline` (the customer is not asked twice) and otherwise dropped, so that
    the order number is asked for again.
    """
    requested = was_requested(tracker, slot)
    if value == NO_ORDER_NUMBER and not requested:
        return {slot: NO_ORDER_NUMBER if keep_earlier_decline else None}
    reading = read_order_number(
        str(value) if value else "",
        said_no=requested and latest_intent(tracker) in contract.deny_intents(),
    )
    if reading.number:
        return {slot: reading.number}
    if reading.declined and requested:
        return {slot: NO_ORDER_NUMBER}
    language = contract.language(tracker)
    message = (
        texts.order_number_wrong_length(reading.wrong_length, language)
        if reading.wrong_length
        else texts.say("identity.no_order_number_found", language)
    )

    def still_valid(previous: Any) -> bool:
        return read_order_number(str(previous)).number == previous or (
            keep_earlier_decline and previous == NO_ORDER_NUMBER
        )

    return _reject(slot, message, still_valid, dispatcher, tracker)

"""Validation of the identity form: who the customer is, before a person takes over."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from rasa_sdk.utils import call_potential_coroutine

from baton.contract import IDENTITY_FIELDS
from baton_actions import contract, validation
from baton_actions.extraction import find_in_messages
from baton_actions.tracking import customer_texts, was_requested
from baton_actions.validation import SlotValues

# (candidate, dispatcher, tracker, the bot's slot) → the values to set
Validator = Callable[[Any, CollectingDispatcher, Tracker, str], SlotValues]


def _validate_name(value: Any, d: CollectingDispatcher, t: Tracker, slot: str) -> SlotValues:
    return validation.validate_name(value, d, t, slot=slot)


def _validate_email(value: Any, d: CollectingDispatcher, t: Tracker, slot: str) -> SlotValues:
    return validation.validate_email(value, d, t, slot=slot)


def _validate_order_number(
    value: Any, d: CollectingDispatcher, t: Tracker, slot: str
) -> SlotValues:
    # a "none" from earlier stays: the customer is not asked twice for a number they lack
    return validation.validate_order_number(value, d, t, slot=slot, keep_earlier_decline=True)


# Baton's identity field → its rule (a phone number is taken as found)
VALIDATORS: Final[dict[str, Validator]] = {
    "name": _validate_name,
    "email": _validate_email,
    "order_number": _validate_order_number,
}


def _said_earlier(tracker: Tracker, slot: str, field: str) -> SlotValues:
    """Fill an empty slot the form has not asked about yet from anything the customer wrote.

    The slot the form just asked for is left to its own answer (mapped from the whole text
    and validated); the value found here is validated like any other candidate.
    """
    if tracker.get_slot(slot) or was_requested(tracker, slot):
        return {}
    value = getattr(
        find_in_messages(customer_texts(tracker), contract.known_language(tracker)), field
    )
    return {slot: value} if value else {}


class ValidateIdentityForm(FormValidationAction):
    """Validates the identity slots of the contract's identity form (`identity.form`).

    The slots are the bot's, named by `identity.slots` in baton.yml: whatever the bot calls
    the name, email and order number, they get Baton's rules. Invalid answers are re-asked
    with the reason (a bad email format, an order number that is not 5 to 8 digits, a "name"
    that is empty, digits or a sentence). The order number may be set to the sentinel
    `"none"` (`names.NO_ORDER_NUMBER`) when the customer has no order number or asks to skip
    it ("I don't have one", "skip", "no", the "I don't have one" button): the form then moves
    on, and never asks for it again. Slots already filled before the form starts are checked,
    never asked again while they stay valid. An empty identity slot the form has not asked
    about yet is filled from anything the customer already wrote.

    rasa-sdk finds `extract_<slot>` / `validate_<slot>` methods by the slot's name; since the
    names here come from the contract, the two dispatchers below map slot → field instead.
    Any other slot of the form still goes to such a method, if a subclass has one.
    """

    def name(self) -> str:
        return f"validate_{contract.identity_form()}"

    def slot_fields(self) -> dict[str, str]:
        """The bot's identity slots, each with Baton's field it holds."""
        return {contract.identity_slot(field): field for field in IDENTITY_FIELDS}

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        fields = self.slot_fields()
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        found: SlotValues = {}
        for slot in required:
            if slot in fields:
                values = _said_earlier(tracker, slot, fields[slot])
            else:
                values = await self._subclass_method(f"extract_{slot}", dispatcher, tracker, domain)
            found.update(values)
            tracker.slots.update(values)  # later extractions see earlier ones
        return [SlotSet(slot, value) for slot, value in found.items()]

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        fields = self.slot_fields()
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        slots: SlotValues = {
            slot: value for slot, value in tracker.slots_to_validate().items() if slot in required
        }
        for slot, value in list(slots.items()):
            rule = VALIDATORS.get(fields.get(slot, ""))
            if rule is not None:
                values = rule(value, dispatcher, tracker, slot)
            else:
                values = await self._subclass_method(
                    f"validate_{slot}", value, dispatcher, tracker, domain
                )
            slots.update(values)
            tracker.slots.update(values)  # later validators see earlier results
        return [SlotSet(slot, value) for slot, value in slots.items()]

    async def _subclass_method(self, method: str, *args: Any) -> SlotValues:
        found = getattr(self, method.replace("-", "_"), None)
        if found is None:
            return {}
        result = await call_potential_coroutine(found(*args))
        return result if isinstance(result, dict) else {}

"""Validation of `identity_form`: who the customer is, before a person takes over."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from baton_actions import contract, validation
from baton_actions.extraction import find_in_messages
from baton_actions.names import EMAIL, NAME, ORDER_NUMBER
from baton_actions.tracking import customer_texts, was_requested
from baton_actions.validation import SlotValues


def _said_earlier(tracker: Tracker, slot: str) -> SlotValues:
    """Fill an empty slot the form has not asked about yet from anything the customer wrote.

    The slot the form just asked for is left to its own answer (mapped from the whole text
    and validated); the value found here is validated like any other candidate.
    """
    if tracker.get_slot(slot) or was_requested(tracker, slot):
        return {}
    value = getattr(find_in_messages(customer_texts(tracker)), slot)
    return {slot: value} if value else {}


class ValidateIdentityForm(FormValidationAction):
    """Validates the `name`, `email` and `order_number` slots of `identity_form`.

    Invalid answers are re-asked with the reason (a bad email format, an order number that
    is not 5 to 8 digits, a "name" that is empty, digits or a sentence). `order_number` may
    be set to the sentinel `"none"` (`names.NO_ORDER_NUMBER`) when the customer has no order
    number or asks to skip it ("I don't have one", "skip", "no", the "I don't have one"
    button): the form then moves on, and never asks for it again. Slots already filled
    before the form starts are checked, never asked again while they stay valid.
    """

    def name(self) -> str:
        return f"validate_{contract.identity_form()}"

    # -- extraction: details the customer already gave, missed by the NLU's entities

    async def extract_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return _said_earlier(tracker, NAME)

    async def extract_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return _said_earlier(tracker, EMAIL)

    async def extract_order_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return _said_earlier(tracker, ORDER_NUMBER)

    # -- validation: rules in actions.validation

    async def validate_name(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> SlotValues:  # fmt: skip
        return validation.validate_name(slot_value, dispatcher, tracker)

    async def validate_email(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> SlotValues:  # fmt: skip
        return validation.validate_email(slot_value, dispatcher, tracker)

    async def validate_order_number(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> SlotValues:  # fmt: skip
        return validation.validate_order_number(
            slot_value, dispatcher, tracker, keep_earlier_decline=True
        )

"""Validation of `identity_form`: who the customer is, before a person takes over."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import validation
from actions.names import IDENTITY_FORM
from actions.validation import SlotValues


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
        return f"validate_{IDENTITY_FORM}"

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

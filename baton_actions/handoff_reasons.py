"""Why the bot hands a conversation to a person: the `reason` of the handoff control payload.

The gateway reads the value from Rasa's REST output (`{"custom": {"handoff": {"reason": ...}}}`)
and may route or prioritise on it, so the strings are part of the wire contract.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class HandoffReason(StrEnum):
    CUSTOMER_REQUEST = "customer_request"  # the customer asked for a person
    COMPLAINT = "complaint"  # the customer complained; complaints always go to a person
    ORDER_CHANGE = "order_change"  # cancel an order or change its address: only staff can


# The user intent that set the handoff path going decides the reason. Intents absent here
# (affirm, inform, ...) are answers within that path and say nothing about why.
REASON_BY_INTENT: Final[dict[str, HandoffReason]] = {
    "request_human": HandoffReason.CUSTOMER_REQUEST,
    "complaint": HandoffReason.COMPLAINT,
    "cancel_order": HandoffReason.ORDER_CHANGE,
    "change_address": HandoffReason.ORDER_CHANGE,
}

"""Why the bot hands a conversation to a person: the `reason` of the handoff control payload.

The gateway reads the value from Rasa's REST output (`{"custom": {"handoff": {"reason": ...}}}`)
and may route or prioritise on it, so the strings are part of the wire contract. These are
the reasons Baton's actions name themselves; an assistant adds its own words for its intents
in `baton.yml` (`handoff.reasons`, read by `baton_actions.contract.handoff_reason_of`), and an
always-human intent reports its own name ("complaint").
"""

from __future__ import annotations

from enum import StrEnum


class HandoffReason(StrEnum):
    CUSTOMER_REQUEST = "customer_request"  # the customer asked for a person
    KNOWLEDGE_NOT_FOUND = "knowledge_not_found"  # the help centre had no answer, twice
    KNOWLEDGE_REJECTED = "knowledge_rejected"  # the customer turned down answers, twice

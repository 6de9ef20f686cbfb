"""The handoff request: the one payload by which a bot asks Baton for a person.

Any custom action may send it as a custom message, ``{"handoff": {...}}``; Baton's own
``action_handoff`` does. The gateway reads it with :func:`handoff_request`, so the actions
and the gateway share this one structure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from handoff.records import Identity, as_identity

HANDOFF_KEY = "handoff"
_MAX_REASON = 64


class HandoffRequest(TypedDict, total=False):
    # why: "customer_request", "low_confidence", an always-human intent's name, or the bot's
    # own word
    reason: str
    identity: Identity  # who the customer is, as far as the bot knows (Baton's field names)


def handoff_message(request: HandoffRequest) -> dict[str, Any]:
    """The custom message an action sends to hand off
    (``dispatcher.utter_message(json_message=…)``)."""
    return {HANDOFF_KEY: dict(request)}


def handoff_request(custom: Mapping[str, Any] | None) -> HandoffRequest | None:
    """The handoff request a bot message carries, or None; odd values are dropped, not fatal."""
    if not custom or not isinstance(custom.get(HANDOFF_KEY), Mapping):
        return None
    raw = custom[HANDOFF_KEY]
    request: HandoffRequest = {}
    reason = raw.get("reason")
    if isinstance(reason, str) and reason.strip():
        request["reason"] = reason.strip()[:_MAX_REASON]
    identity = raw.get("identity")
    if isinstance(identity, Mapping):
        request["identity"] = as_identity(identity)
    return request

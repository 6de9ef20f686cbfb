"""What every channel connector shares: the one inbound message type the router accepts.

A connector verifies a platform's raw request, parses it into an ``Inbound`` with pure
functions, hands it to the conversation router, and delivers outbound messages back to
the platform.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Inbound:
    """A customer message from any channel, already verified by its connector."""

    conversation_id: str
    channel: str
    text: str
    payload: str | None = None  # a clicked button's payload, sent to the bot instead of text
    client_id: str | None = None  # the channel's delivery id, for de-duplication

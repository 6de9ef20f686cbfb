"""What every channel connector shares: the one inbound message type the router accepts,
and the one rule for text no store can hold.

A connector verifies a platform's raw request, parses it into an ``Inbound`` with pure
functions, hands it to the conversation router, and delivers outbound messages back to
the platform.

JSON may spell a lone UTF-16 surrogate (``"\\ud800"``); Python decodes it into a ``str``
that neither UTF-8, SQLite, PostgreSQL nor a JSON response can encode. Every channel's
parser replaces such code points with U+FFFD (the replacement character) while parsing,
so the text is stored, shown and answered as U+FFFD on every channel alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator

REPLACEMENT = "\ufffd"


def replace_lone_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (a well-formed pair of
    surrogate code points becomes the character it encodes)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def clean_json(value: Any) -> Any:
    """Decoded JSON with :func:`replace_lone_surrogates` applied to every string, keys too."""
    if isinstance(value, str):
        return replace_lone_surrogates(value)
    if isinstance(value, dict):
        return {clean_json(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    return value


def _clean_if_text(value: Any) -> Any:
    return replace_lone_surrogates(value) if isinstance(value, str) else value


# a string field of a channel's pydantic model: lone surrogates become U+FFFD before the
# field's own checks (length limits cannot even count a string pydantic cannot encode)
CleanStr = Annotated[str, BeforeValidator(_clean_if_text)]


@dataclass(frozen=True, slots=True)
class Inbound:
    """A customer message from any channel, already verified by its connector."""

    conversation_id: str
    channel: str
    text: str
    payload: str | None = None  # a clicked button's payload, sent to the bot instead of text
    client_id: str | None = None  # the channel's delivery id, for de-duplication

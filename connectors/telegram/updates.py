"""Telegram updates → what the customer did, by pure functions (no server, no bot needed).

The webhook checks only that a body is a JSON object with an integer ``update_id`` (the
de-duplication key); everything else is read here, after the update is safely stored.
Only private chats are served: a support conversation is between one customer and us.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from telegram import Message, Update

from connectors.base import clean_json
from connectors.errors import InvalidUpdate

CHANNEL = "telegram"
# our callback_data: message id, button index (bounded: both are looked up in the database)
BUTTON_DATA = re.compile(r"^b:(\d{1,9}):(\d{1,3})$")


@dataclass(frozen=True, slots=True)
class Text:
    chat_id: int
    message_id: int
    text: str
    # the IETF tag of the customer's Telegram app language ("nb", "pl", "en-GB"), if sent
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Start:
    """``/start`` or ``/start <code>`` (what a t.me/<bot>?start=<code> link sends)."""

    chat_id: int
    message_id: int
    code: str | None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class ContinueOnWeb:
    """``/web``: the customer wants to continue in the browser."""

    chat_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class ButtonClick:
    chat_id: int
    callback_id: str
    message_id: int  # our stored bot message whose button was clicked
    index: int  # which of its buttons


@dataclass(frozen=True, slots=True)
class StaleCallback:
    """A callback query we cannot map to a button (not ours, or from an old keyboard)."""

    chat_id: int | None
    callback_id: str


@dataclass(frozen=True, slots=True)
class NotText:
    """A photo, sticker, voice note…: the customer is told we read text only."""

    chat_id: int


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str  # edited messages, group chats, channel posts, unknown update types


CustomerAction = Text | Start | ContinueOnWeb | ButtonClick | StaleCallback | NotText | Ignored


def read_update(raw: bytes) -> tuple[int, dict[str, Any]]:
    """A webhook body as (update_id, payload); raises InvalidUpdate for anything else.
    Lone surrogates in its strings are U+FFFD from here on (``connectors.base``)."""
    try:
        data = clean_json(json.loads(raw))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidUpdate("The update is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidUpdate("The update is not a JSON object.")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise InvalidUpdate("The update has no integer update_id.")
    if not 0 <= update_id < 2**63:  # Telegram's are positive 32-bit; this one is not one
        raise InvalidUpdate("The update_id is out of range.")
    return update_id, data


def button_data(message_id: int, index: int) -> str:
    """callback_data for a button: Telegram allows 64 bytes, a Rasa payload can be longer,
    so the button is named by our message id and its place."""
    return f"b:{message_id}:{index}"


def _command(message: Message) -> tuple[str, str] | None:
    text = message.text or ""
    if not text.startswith("/"):
        return None
    head, _, rest = text.partition(" ")
    name = head[1:].split("@", 1)[0].lower()  # "/start@VoltifyBot" in some clients
    return name, rest.strip()


def _int(value: Any) -> int | None:
    """An id Telegram sends as an integer (python-telegram-bot does not check types);
    bounded, as the ids go into a client_id of at most 64 characters."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**63:
        return None
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def classify(data: dict[str, Any]) -> CustomerAction:
    """What one stored update asks of us (anything malformed is Ignored, never raised)."""
    try:
        update = Update.de_json(data, None)
    except (AttributeError, KeyError, TypeError, ValueError, ArithmeticError, OSError) as exc:
        # python-telegram-bot reads any shape: wrong types, dates out of range…
        return Ignored(f"unreadable update: {exc}")
    if update.callback_query is not None:
        query = update.callback_query
        callback_id = _text(query.id)
        if callback_id is None:
            return Ignored("a callback query without an id")
        chat = getattr(query.message, "chat", None)
        chat_id = _int(getattr(chat, "id", None))
        if chat_id is None or getattr(chat, "type", None) != "private":
            return StaleCallback(chat_id, callback_id)
        match = BUTTON_DATA.match(_text(query.data) or "")
        if match is None:
            return StaleCallback(chat_id, callback_id)
        return ButtonClick(chat_id, callback_id, int(match.group(1)), int(match.group(2)))
    message = update.message
    if message is None:
        kinds = [k for k in data if k != "update_id"]
        return Ignored(f"update type {kinds[0] if kinds else 'empty'} is not served")
    chat_type = _text(getattr(message.chat, "type", None))
    chat_id = _int(getattr(message.chat, "id", None))
    message_id = _int(message.message_id)
    if chat_id is None or message_id is None or chat_type is None:
        return Ignored("a message without chat id, chat type or message id")
    if chat_type != "private":
        return Ignored(f"{chat_type} chats are not served")
    if not isinstance(message.text, str):
        return NotText(chat_id)
    language = _text(getattr(message.from_user, "language_code", None))
    command = _command(message)
    if command is not None:
        name, rest = command
        if name == "start":
            return Start(chat_id, message_id, rest or None, language)
        if name == "web":
            return ContinueOnWeb(chat_id, message_id)
    return Text(chat_id, message_id, message.text, language)


def address(chat_id: int) -> str:
    return str(chat_id)


def target(chat_id: int) -> dict[str, Any]:
    return {"chat_id": chat_id}

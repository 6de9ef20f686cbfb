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

from connectors.errors import InvalidUpdate

CHANNEL = "telegram"
BUTTON_DATA = re.compile(r"^b:(\d+):(\d+)$")  # our callback_data: message id, button index


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
    """A webhook body as (update_id, payload); raises InvalidUpdate for anything else."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidUpdate("The update is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidUpdate("The update is not a JSON object.")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise InvalidUpdate("The update has no integer update_id.")
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


def classify(data: dict[str, Any]) -> CustomerAction:
    """What one stored update asks of us."""
    try:
        update = Update.de_json(data, None)
    except (KeyError, TypeError, ValueError) as exc:
        return Ignored(f"unreadable update: {exc}")
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat if query.message is not None else None
        if chat is None or chat.type != "private":
            return StaleCallback(chat.id if chat else None, query.id)
        match = BUTTON_DATA.match(query.data or "")
        if match is None:
            return StaleCallback(chat.id, query.id)
        return ButtonClick(chat.id, query.id, int(match.group(1)), int(match.group(2)))
    message = update.message
    if message is None:
        kinds = [k for k in data if k != "update_id"]
        return Ignored(f"update type {kinds[0] if kinds else 'empty'} is not served")
    if message.chat.type != "private":
        return Ignored(f"{message.chat.type} chats are not served")
    if message.text is None:
        return NotText(message.chat.id)
    language = message.from_user.language_code if message.from_user is not None else None
    command = _command(message)
    if command is not None:
        name, rest = command
        if name == "start":
            return Start(message.chat.id, message.message_id, rest or None, language)
        if name == "web":
            return ContinueOnWeb(message.chat.id, message.message_id)
    return Text(message.chat.id, message.message_id, message.text, language)


def address(chat_id: int) -> str:
    return str(chat_id)


def target(chat_id: int) -> dict[str, Any]:
    return {"chat_id": chat_id}

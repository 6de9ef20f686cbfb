"""Rasa's channel payloads, read and written by pure functions (no I/O).

What goes out mirrors Rasa 3.6: ``OutputChannel.send_response`` turns one bot message into
calls of the REST channel's ``CollectingOutputChannel`` or the socketio channel's
``SocketIOOutput``. A plain text is split on blank lines into several messages; a text with
buttons is one REST message, and on socket.io its parts with the buttons, as
``quick_replies``, on the last; an image follows as a message of its own. Baton adds one
thing: an agent's message carries ``metadata`` naming the agent, so a front end can tell a
person from the bot (front ends that ignore unknown keys see Rasa's shapes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from connectors.base import clean_json
from gateway.errors import InvalidJson, InvalidRequest
from handoff.records import Button, Message, Sender

REST_CHANNEL = "rasa_rest"
SOCKETIO_CHANNEL = "rasa_socketio"
MAX_ADDRESS = 255  # a sender or session id is a channel link's address (String(255))
MAX_BODY = 1 << 20  # messages are at most a few kilobytes; anything this large is not one


class AgentMetadata(TypedDict):
    sender: str  # "agent"
    agent_name: str | None  # the agent's display name


class RestBotMessage(TypedDict, total=False):
    recipient_id: str  # the request's sender
    text: str
    buttons: list[Button]  # {"title", "payload"}, as the bot's domain gives them
    image: str  # an image URL
    custom: dict[str, Any]  # a knowledge answer's article: {"article": {...}}
    metadata: AgentMetadata  # only on an agent's message


class QuickReply(TypedDict):
    content_type: str  # always "text"
    title: str
    payload: str


class BotUttered(TypedDict, total=False):
    text: str
    quick_replies: list[QuickReply]  # the message's buttons, on its last part
    attachment: dict[str, Any]  # an image: {"type": "image", "payload": {"src": url}}
    metadata: AgentMetadata  # only on an agent's message


@dataclass(frozen=True, slots=True)
class RestRequest:
    sender: str
    message: str
    metadata: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class UserUttered:
    message: str
    session_id: str | None  # None: the socket's own session (see socket_io)


def _address(value: Any) -> str | None:
    """A sender or session id as Rasa's clients send it (a string, sometimes a number)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text if 0 < len(text) <= MAX_ADDRESS else None


def read_rest_request(raw: bytes) -> RestRequest:
    """The body of ``POST /webhooks/rest/webhook``; a gateway error when it is not one."""
    if len(raw) > MAX_BODY:
        raise InvalidRequest("The request body is too large.")
    try:
        # lone surrogates become U+FFFD, as on every channel (connectors.base)
        data = clean_json(json.loads(raw))
    except (ValueError, RecursionError):  # UnicodeDecodeError included
        raise InvalidJson() from None
    if not isinstance(data, dict):
        raise InvalidRequest('The body must be a JSON object: {"sender": ..., "message": ...}.')
    sender = _address(data.get("sender"))
    if sender is None:
        raise InvalidRequest(f"sender: a non-empty string of at most {MAX_ADDRESS} characters.")
    message = data.get("message")
    if not isinstance(message, str):
        raise InvalidRequest("message: a string is required.")
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidRequest("metadata: an object, when given.")
    return RestRequest(sender, message, metadata)


def read_session_request(data: Any) -> str | None:
    """The session id a ``session_request`` asks for; None: start a new session."""
    data = clean_json(data)
    if not isinstance(data, dict):
        return None
    return _address(data.get("session_id"))


def read_user_uttered(data: Any) -> UserUttered | str:
    """A ``user_uttered`` event's message, or what is wrong with it."""
    data = clean_json(data)
    if not isinstance(data, dict):
        return "user_uttered needs an object: {message, session_id}"
    message = data.get("message", "")
    if not isinstance(message, str):
        return "message: a string is required"
    session = data.get("session_id")
    session_id = _address(session)
    if session not in (None, "") and session_id is None:
        return f"session_id: a string of at most {MAX_ADDRESS} characters"
    return UserUttered(message, session_id)


def _agent(message: Message) -> AgentMetadata | None:
    if message.sender is not Sender.AGENT:
        return None
    name = message.meta.get("agent_name")
    return {"sender": "agent", "agent_name": str(name) if name else None}


def _image(message: Message) -> str | None:
    image = message.meta.get("image")
    return image if isinstance(image, str) and image else None


def rest_messages(recipient_id: str, message: Message) -> list[RestBotMessage]:
    """One stored bot or agent message as Rasa's REST channel returns it."""
    out: list[RestBotMessage] = []
    if message.buttons:
        out.append(
            {"recipient_id": recipient_id, "text": message.text, "buttons": list(message.buttons)}
        )
    elif message.text:
        out += [
            {"recipient_id": recipient_id, "text": part}
            for part in message.text.strip().split("\n\n")
        ]
    article = message.meta.get("article")
    if isinstance(article, dict):
        out.append({"recipient_id": recipient_id, "custom": {"article": article}})
    image = _image(message)
    if image is not None:
        out.append({"recipient_id": recipient_id, "image": image})
    agent = _agent(message)
    if agent is not None:
        for item in out:
            item["metadata"] = agent
    return out


def bot_uttered(message: Message) -> list[BotUttered]:
    """One stored bot or agent message as the ``bot_uttered`` events Rasa's socketio sends."""
    out: list[BotUttered] = []
    if message.buttons:
        parts: list[BotUttered] = [
            {"text": part, "quick_replies": []} for part in message.text.strip().split("\n\n")
        ]
        parts[-1]["quick_replies"] = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]}
            for b in message.buttons
        ]
        out += parts
    elif message.text:
        out += [{"text": part} for part in message.text.strip().split("\n\n")]
    image = _image(message)
    if image is not None:
        out.append({"attachment": {"type": "image", "payload": {"src": image}}})
    agent = _agent(message)
    if agent is not None:
        for item in out:
            item["metadata"] = agent
    return out

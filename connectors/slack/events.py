"""Slack Events API and interactivity payloads → what the customer did, by pure functions.

A conversation is a DM (top-level messages) or a thread: a mention in a channel starts a
thread that is the conversation, and every reply goes into that thread.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

CHANNEL = "slack"
BUTTON_ACTION = "baton_button_{index}"
BUTTON_ACTION_PATTERN = re.compile(r"^baton_button_\d+$")
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
# Slack's ids and timestamps ("T0VOLT", "D0CUSTOMER", "1712345678.000100") and trigger ids
# ("13345224609.738474920.8088930838d88f008e0"): anything else is not from Slack, and
# would not fit the address and client_id columns (client_ids have 64 characters)
_ID = re.compile(r"^[A-Za-z0-9._-]{1,28}$")
_TRIGGER = re.compile(r"^[A-Za-z0-9._-]{1,54}$")


def _id(value: Any, pattern: re.Pattern[str] = _ID) -> str | None:
    return value if isinstance(value, str) and pattern.match(value) else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class Place:
    """Where in Slack a conversation lives."""

    team: str
    channel: str
    thread_ts: str | None  # None: a DM's top level

    @property
    def address(self) -> str:
        parts = [self.team, self.channel] + ([self.thread_ts] if self.thread_ts else [])
        return ":".join(parts)

    @property
    def target(self) -> dict[str, Any]:
        target: dict[str, Any] = {"channel": self.channel}
        if self.thread_ts:
            target["thread_ts"] = self.thread_ts
        return target


@dataclass(frozen=True, slots=True)
class SlackMessage:
    place: Place
    user: str
    text: str
    ts: str
    # a reply in a channel thread without a mention: only served in a thread we already serve
    needs_existing: bool = False

    @property
    def client_id(self) -> str:
        return f"slack:{self.place.channel}:{self.ts}"


@dataclass(frozen=True, slots=True)
class SlackButton:
    place: Place
    user: str
    title: str
    payload: str
    trigger_id: str


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


def unescape(text: str) -> str:
    """Slack escapes &, < and > in message text."""
    return html.unescape(text)


def escape(text: str) -> str:
    """What Slack asks senders to escape so text is shown, not parsed as a mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def classify_event(body: dict[str, Any]) -> SlackMessage | Ignored:
    event = body.get("event")
    if not isinstance(event, dict):
        return Ignored("no event")
    kind = event.get("type")
    if kind not in ("message", "app_mention"):
        return Ignored(f"event type {kind} is not served")
    if event.get("subtype") is not None:
        return Ignored(f"message subtype {event.get('subtype')} is not served")
    if event.get("bot_id"):
        return Ignored("a bot's message")
    team = _id(body.get("team_id") or event.get("team"))
    channel, user, ts = _id(event.get("channel")), _id(event.get("user")), _id(event.get("ts"))
    text = event.get("text")
    if team is None or channel is None or user is None or ts is None:
        return Ignored("message without team, channel, user or ts")
    if not isinstance(text, str):
        return Ignored("message without text")
    thread_ts = _id(event.get("thread_ts"))
    if kind == "app_mention":
        clean = unescape(_MENTION.sub("", text)).strip()
        return SlackMessage(Place(team, channel, thread_ts or ts), user, clean, ts)
    if event.get("channel_type") == "im":
        return SlackMessage(Place(team, channel, thread_ts), user, unescape(text).strip(), ts)
    if thread_ts is not None and _MENTION.search(text) is None:
        # mentions arrive as app_mention too; this one is a plain reply in a thread
        place = Place(team, channel, thread_ts)
        return SlackMessage(place, user, unescape(text).strip(), ts, needs_existing=True)
    return Ignored("a channel message that is not for us")


def classify_action(body: dict[str, Any]) -> SlackButton | Ignored:
    if body.get("type") != "block_actions":
        return Ignored(f"interaction {body.get('type')} is not served")
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        return Ignored("no action")
    action = actions[0]
    if not BUTTON_ACTION_PATTERN.match(str(action.get("action_id") or "")):
        return Ignored("not one of our buttons")
    team = _id(_object(body.get("team")).get("id"))
    channel = _id(_object(body.get("channel")).get("id")) or _id(
        _object(body.get("container")).get("channel_id")
    )
    user = _id(_object(body.get("user")).get("id"))
    message = _object(body.get("message"))
    trigger_id = _id(body.get("trigger_id"), _TRIGGER)
    if team is None or channel is None or user is None or trigger_id is None:
        return Ignored("action without team, channel, user or trigger")
    thread_ts = _id(message.get("thread_ts"))
    if thread_ts is None and not channel.startswith("D"):
        thread_ts = _id(message.get("ts"))  # a channel conversation always lives in a thread
    title = str(_object(action.get("text")).get("text") or "")
    payload = str(action.get("value") or "")
    return SlackButton(Place(team, channel, thread_ts), user, title, payload, trigger_id)

"""Bot and agent messages to a Slack DM or thread, through slack_sdk's AsyncWebClient."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from connectors import texts
from connectors.outbound import SendFailed, SendRefused
from connectors.slack.events import BUTTON_ACTION, CHANNEL, escape
from connectors.splitting import split_text

log = logging.getLogger(__name__)

# Slack truncates text past 40,000 characters and advises 4,000; a section block holds 3,000
TEXT_LIMIT = 4000
SECTION_LIMIT = 3000
BUTTON_TITLE_LIMIT = 75
BUTTONS_PER_BLOCK = 25
# errors worth another try; anything else from the Web API is final for this message
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                    "request_timeout"}  # fmt: skip


def buttons_block(buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    elements = [
        {
            "type": "button",
            "action_id": BUTTON_ACTION.format(index=index),
            "text": {"type": "plain_text", "text": str(b.get("title") or "…")[:BUTTON_TITLE_LIMIT]},
            "value": str(b.get("payload") or "")[:2000],
        }
        for index, b in enumerate(buttons)
    ]
    return [
        {"type": "actions", "elements": elements[i : i + BUTTONS_PER_BLOCK]}
        for i in range(0, len(elements), BUTTONS_PER_BLOCK)
    ]


def render(body: dict[str, Any], team: str = "Support") -> list[dict[str, Any]]:
    """The chat.postMessage calls for one stored message. An agent's message is posted
    under their name; the bot's under the app's own. Buttons become Block Kit buttons on
    the last part (its text then goes in a plain-text section, which shows it verbatim)."""
    text = str(body.get("text") or "")
    buttons = list(body.get("buttons") or [])
    limit = SECTION_LIMIT if buttons else TEXT_LIMIT
    pieces = [p.strip() for p in split_text(text, limit)]
    pieces = [p for p in pieces if p] or ["…"]
    parts: list[dict[str, Any]] = [{"text": escape(p)} for p in pieces]
    if buttons:
        parts[-1]["blocks"] = [
            {"type": "section", "text": {"type": "plain_text", "text": pieces[-1]}},
            *buttons_block(buttons),
        ]
    if body.get("sender") == "agent":
        name = texts.AGENT_USERNAME.format(name=body.get("agent_name") or "Agent", team=team)
        for part in parts:
            part["username"] = name
            part["icon_emoji"] = ":bust_in_silhouette:"
    return parts


def retry_after(error: SlackApiError) -> float | None:
    value = error.response.headers.get("Retry-After") if error.response is not None else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class SlackSender:
    channel = CHANNEL

    def __init__(self, client: AsyncWebClient, team: str = "Support") -> None:
        self._client = client
        self._team = team
        self._locales: dict[str, str | None] = {}

    async def locale(self, user: str) -> str | None:
        """The Slack user's locale ("nb-NO"), asked once per user; None when Slack does not
        say (or cannot be reached: the language is then detected from what they write)."""
        if user in self._locales:
            return self._locales[user]
        try:
            response = await self._client.users_info(user=user, include_locale=True)
            locale = (response.get("user") or {}).get("locale")
        except (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            log.info("slack locale of %s unknown: %s", user, exc)
            return None
        value = locale if isinstance(locale, str) and locale else None
        if len(self._locales) >= 10_000:
            self._locales.clear()
        self._locales[user] = value
        return value

    def parts(self, body: dict[str, Any]) -> Sequence[dict[str, Any]]:
        return render(body, self._team)

    async def send(self, target: dict[str, Any], part: dict[str, Any]) -> None:
        try:
            await self._client.chat_postMessage(
                channel=target["channel"], thread_ts=target.get("thread_ts"), **part
            )
        except SlackApiError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            code = str(exc.response.get("error") if exc.response is not None else "")
            if status == 429 or status >= 500 or code in TRANSIENT_ERRORS:
                raise SendFailed(f"slack {status} {code}", retry_after=retry_after(exc)) from exc
            raise SendRefused(f"slack {status} {code}") from exc
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            raise SendFailed(f"slack unreachable: {exc}") from exc

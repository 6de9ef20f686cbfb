"""Bot and agent messages to a Telegram chat, through python-telegram-bot's ``Bot``."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatAction, MessageLimit
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from connectors import texts
from connectors.outbound import SendFailed, SendRefused
from connectors.splitting import split_text, utf16_length
from connectors.telegram.updates import CHANNEL, button_data

LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096


def keyboard(body: dict[str, Any]) -> dict[str, Any] | None:
    """Rasa buttons as an inline keyboard, one button a row (titles can be long)."""
    buttons = body.get("buttons") or []
    if not buttons or body.get("message_id") is None:
        return None
    rows = [
        [{"text": str(b.get("title") or b.get("payload") or "…"),
          "callback_data": button_data(int(body["message_id"]), index)}]
        for index, b in enumerate(buttons)
    ]  # fmt: skip
    return {"inline_keyboard": rows}


def render(body: dict[str, Any], team: str = "Support") -> list[dict[str, Any]]:
    """The sendMessage calls for one stored message: an agent's carries their name; a
    text over 4,096 characters goes in several messages; the keyboard rides on the last."""
    text = str(body.get("text") or "")
    if body.get("sender") == "agent":
        text = texts.AGENT_PREFIX.format(name=body.get("agent_name") or "Agent", team=team) + text
    pieces = [p.strip() for p in split_text(text, LIMIT, utf16_length)]
    pieces = [p for p in pieces if p] or ["…"]
    parts: list[dict[str, Any]] = [{"text": p} for p in pieces]
    markup = keyboard(body)
    if markup is not None:
        parts[-1]["reply_markup"] = markup
    return parts


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that retry_after will become a timedelta: both are handled here
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    channel = CHANNEL

    def __init__(self, bot: Bot, team: str = "Support") -> None:
        self._bot = bot
        self._team = team

    def parts(self, body: dict[str, Any]) -> Sequence[dict[str, Any]]:
        return render(body, self._team)

    async def send(self, target: dict[str, Any], part: dict[str, Any]) -> None:
        markup = part.get("reply_markup")
        reply_markup = None
        if markup is not None:
            reply_markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(**button) for button in row]
                 for row in markup["inline_keyboard"]]
            )  # fmt: skip
        try:
            await self._bot.send_message(
                chat_id=target["chat_id"], text=part["text"], reply_markup=reply_markup
            )
        except RetryAfter as exc:
            raise SendFailed(str(exc), retry_after=retry_seconds(exc)) from exc
        except (Forbidden, BadRequest) as exc:
            # the customer blocked the bot, the chat is gone, or the request is wrong:
            # sending it again cannot help
            raise SendRefused(str(exc)) from exc
        except TelegramError as exc:  # network, timeouts, 5xx, conflicts
            raise SendFailed(str(exc)) from exc

    async def typing(self, chat_id: int) -> None:
        """Best effort: the customer sees "typing…" until the reply or for 5 seconds."""
        try:
            await self._bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
        except TelegramError:
            pass

    async def answer_callback(self, callback_id: str, text: str = "") -> None:
        """Stop the button's spinner; best effort (a query can only be answered once)."""
        try:
            await self._bot.answer_callback_query(callback_id, text=text or None)
        except TelegramError:
            pass

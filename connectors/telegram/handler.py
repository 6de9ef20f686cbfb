"""One stored Telegram update, carried out: messages to the router, /start with a code
links the chat to an existing conversation, /web hands out a code for the web chat,
button clicks become the button's payload."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from connectors.inbox import Delivery
from connectors.intake import Intake
from connectors.links import Link
from connectors.telegram.sender import TelegramSender
from connectors.telegram.updates import (
    CHANNEL,
    ButtonClick,
    ContinueOnWeb,
    Ignored,
    NotText,
    StaleCallback,
    Start,
    Text,
    address,
    classify,
    target,
)
from handoff.ownership import Owner

log = logging.getLogger(__name__)


class TelegramHandler:
    channel = CHANNEL

    def __init__(
        self,
        intake: Intake,
        sender: TelegramSender,
        web_chat_url: str,
        greet_intent: str | None = None,
    ) -> None:
        self._intake = intake
        self._sender = sender
        self._web_chat_url = web_chat_url
        # what /start says to the bot (baton.yml conversation.greet_intent)
        self._start_payload = f"/{greet_intent}" if greet_intent else None

    async def process(self, delivery: Delivery) -> None:
        action = classify(delivery.body)
        notice_key = f"notice:{CHANNEL}:{delivery.delivery_id}"
        if isinstance(action, Ignored):
            log.info("telegram update %s ignored: %s", delivery.delivery_id, action.reason)
            return
        if isinstance(action, StaleCallback):
            expired = self._intake.router.catalogue.text("channels.button_expired")
            await self._sender.answer_callback(action.callback_id, expired)
            return
        if isinstance(action, Start) and action.code is not None:
            await self._continue(action.chat_id, action.code, notice_key)
            return
        hint = action.language_code if isinstance(action, Text | Start) else None
        link = await self._intake.conversation(
            CHANNEL, address(action.chat_id), target(action.chat_id), language_hint=hint
        )
        if isinstance(action, NotText):
            text = await self._intake.say(link.conversation_id, "channels.only_text")
            await self._intake.notify(link, notice_key, text)
            return
        if isinstance(action, Start):
            await self._say(link, "/start", f"tg:{action.chat_id}:{action.message_id}",
                            notice_key, payload=self._start_payload)  # fmt: skip
            return
        if isinstance(action, ContinueOnWeb):
            code = await self._intake.links.issue_code(link.conversation_id, "web")
            link_url = f"{self._web_chat_url}?{urlencode({'baton_continue': code})}"
            text = await self._intake.say(
                link.conversation_id, "channels.continue_on_web", link=link_url, code=code
            )
            await self._intake.notify(link, notice_key, text)
            return
        if isinstance(action, ButtonClick):
            button = await self._intake.button(
                link.conversation_id, action.message_id, action.index
            )
            if button is None:
                expired = await self._intake.say(link.conversation_id, "channels.button_expired")
                await self._sender.answer_callback(action.callback_id, expired)
                return
            await self._sender.answer_callback(action.callback_id)
            await self._say(link, button["title"], f"tgcb:{action.callback_id}", notice_key,
                            payload=button["payload"])  # fmt: skip
            return
        if isinstance(action, Text):
            await self._say(link, action.text, f"tg:{action.chat_id}:{action.message_id}",
                            notice_key)  # fmt: skip

    async def _say(
        self, link: Link, text: str, client_id: str, notice_key: str, payload: str | None = None
    ) -> None:
        conversation = await self._intake.store.get_conversation(link.conversation_id)
        if conversation.owner in (Owner.BOT, Owner.RESOLVED):
            await self._sender.typing(int(link.target["chat_id"]))
        await self._intake.message(
            link, text, client_id=client_id, payload=payload, notice_key=notice_key
        )

    async def _continue(self, chat_id: int, code: str, notice_key: str) -> None:
        """``/start <code>``: this chat becomes the conversation the code was issued for."""
        conversation_id = await self._intake.links.redeem_code(code, CHANNEL)
        if conversation_id is None:
            link = await self._intake.conversation(CHANNEL, address(chat_id), target(chat_id))
            text = await self._intake.say(link.conversation_id, "channels.code_invalid")
            await self._intake.notify(link, notice_key, text)
            return
        await self._intake.links.attach(conversation_id, CHANNEL, address(chat_id), target(chat_id))
        log.info("telegram chat %s continues conversation %s", chat_id, conversation_id)
        await self._intake.continued_here(conversation_id, CHANNEL)

"""The one way in for every channel's customer messages, once the channel has verified and
parsed them: find (or start) the conversation of the chat, hand the message to the
conversation router (which stores it first, then decides bot or human), and, for the
messaging channels, tell the customer when it cannot be taken.

Web chat, Rasa's REST and socket.io channels, Telegram and Slack all call :meth:`Intake.receive`
(or :meth:`Intake.message`, which wraps it with the messaging channels' notices); replies go
back through the bus (sockets) or the outbox (messaging apps).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from connectors import texts
from connectors.base import Inbound
from connectors.links import Link, Links
from connectors.outbound import Dispatcher
from gateway.errors import ClientIdReused, MessageEmpty, MessageTooLong
from gateway.publisher import Publisher
from gateway.router import ConversationRouter, Delivery
from handoff.language import served
from handoff.models import MessageRow
from handoff.records import Button, Sender
from handoff.store import ConversationStore

log = logging.getLogger(__name__)


class Intake:
    def __init__(
        self,
        links: Links,
        router: ConversationRouter,
        store: ConversationStore,
        publisher: Publisher,
        dispatcher: Dispatcher | None = None,
    ) -> None:
        self.links = links
        self.router = router
        self.store = store
        self.publisher = publisher
        # the messaging channels' outbox, for notices outside the transcript; the socket
        # and HTTP channels answer refusals in their own protocol instead
        self.dispatcher = dispatcher

    def check(self, text: str) -> str:
        """The text stripped; raises MessageEmpty or MessageTooLong (nothing is stored)."""
        return self.router.check(text)

    async def receive(self, inbound: Inbound) -> Delivery:
        """Route one customer message: stored, then to the bot or to the human who owns the
        conversation. Refusals (empty, too long) raise, for the channel to answer."""
        return await self.router.handle(inbound)

    async def say(self, conversation_id: str, key: str, /, **params: Any) -> str:
        """The catalogue's text ``key`` in the conversation's language."""
        conversation = await self.store.get_conversation(conversation_id)
        return self.router.catalogue.text(key, conversation.language, **params)

    async def customer_typing(self, conversation_id: str, *, on: bool) -> None:
        await self.publisher.customer_typing(conversation_id, on=on)

    async def conversation(
        self,
        channel: str,
        address: str,
        target: dict[str, Any],
        *,
        language_hint: str | None = None,
    ) -> Link:
        """The conversation of a chat; a new one starts in the language the channel hints
        (Telegram's ``language_code``), when it is one the assistant serves."""
        language = served(language_hint, self.router.languages)
        link, created = await self.links.conversation_for(channel, address, target, language)
        if created:
            log.info("new %s conversation %s", channel, link.conversation_id)
        return link

    async def message(
        self,
        link: Link,
        text: str,
        *,
        client_id: str,
        payload: str | None = None,
        notice_key: str,
    ) -> Delivery | None:
        """Route one customer message; None when it was refused (and the customer told)."""
        try:
            return await self.receive(
                Inbound(
                    conversation_id=link.conversation_id,
                    channel=link.channel,
                    text=text,
                    payload=payload,
                    client_id=client_id,
                )
            )
        except MessageEmpty:
            return None
        except ClientIdReused:
            # a platform's delivery id names another message (it never should): the
            # stored one stands, and the new text is in the inbox's record of the delivery
            log.warning("%s delivery %s reuses a stored message's id", link.channel, client_id)
            return None
        except MessageTooLong as exc:
            text = await self.say(link.conversation_id, "channels.too_long", limit=exc.limit)
            await self.notify(link, notice_key, text)
            return None

    async def notify(self, link: Link, key: str, text: str) -> None:
        """A text for the customer only, outside the transcript (codes, notices)."""
        if self.dispatcher is None:
            raise RuntimeError(f"the {link.channel} channel has no outbox for notices")
        await self.dispatcher.notify(key, link.channel, link.address, link.target, text)

    async def continued_here(self, conversation_id: str, channel: str) -> None:
        """Record in the transcript that the customer moved to ``channel``, and tell them."""
        key = texts.CHANNEL_NAMES.get(channel)
        name = await self.say(conversation_id, key) if key else channel.capitalize()
        stored = await self.store.add_message(
            conversation_id,
            channel=channel,
            sender=Sender.BOT,
            text=await self.say(conversation_id, "channels.continued_here", channel=name),
            meta={"notice": "channel_switch"},
        )
        await self.publisher.publish([stored.event])

    async def button(self, conversation_id: str, message_id: int, index: int) -> Button | None:
        """A button of one of this conversation's bot messages (None if it is not one)."""
        async with self.store.sessions() as session:
            row = await session.scalar(
                select(MessageRow).where(
                    MessageRow.id == message_id,
                    MessageRow.conversation_id == conversation_id,
                    MessageRow.sender == Sender.BOT.value,
                )
            )
        buttons = list(row.buttons or []) if row is not None else []
        if not 0 <= index < len(buttons):
            return None
        button: Button = buttons[index]
        return button

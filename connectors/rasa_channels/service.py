"""What both Rasa channels share: their conversations, their customers' messages into the
intake, and the bot and agent messages read back from the record."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from connectors.intake import Intake
from connectors.links import Link
from gateway.bus import EventBus
from gateway.errors import MessageEmpty
from gateway.router import Delivery
from handoff.models import MessageRow
from handoff.records import Message, Sender
from handoff.store import ConversationStore, to_message

OUTGOING = (Sender.BOT.value, Sender.AGENT.value)


class RasaChannels:
    """The runtime of the ``rasa_rest`` and ``rasa_socketio`` channels of one gateway."""

    def __init__(self, store: ConversationStore, intake: Intake, bus: EventBus) -> None:
        self.intake = intake
        self.store = store
        self.bus = bus

    def check(self, text: str) -> str:
        """The text stripped; raises MessageEmpty or MessageTooLong (nothing is stored)."""
        return self.intake.check(text)

    async def conversation(self, channel: str, address: str) -> Link:
        """The conversation of a REST sender or socket.io session, a new one the first time."""
        return await self.intake.conversation(channel, address, {"address": address})

    async def say(self, link: Link, text: str) -> Delivery:
        """Route one customer message (checked with ``check`` first)."""
        said, payload = await self._clicked(link.conversation_id, text)
        delivery = await self.intake.message(
            link,
            said,
            # Rasa's channels give a message no id: there is nothing to de-duplicate
            client_id=f"{link.channel}:{uuid.uuid4().hex}",
            payload=payload,
            notice_key=f"notice:{link.channel}:{uuid.uuid4().hex}",
        )
        if delivery is None:  # refused: cannot happen to a text that passed ``check``
            raise MessageEmpty()
        return delivery

    async def _clicked(self, conversation_id: str, text: str) -> tuple[str, str | None]:
        """Rasa's front ends send a clicked button as its payload: the record keeps the
        button's title (what the customer saw) and the bot gets the payload."""
        async with self.store.sessions() as session:
            row = await session.scalar(
                select(MessageRow)
                .where(
                    MessageRow.conversation_id == conversation_id,
                    MessageRow.sender == Sender.BOT.value,
                )
                .order_by(MessageRow.id.desc())
                .limit(1)
            )
        for button in (row.buttons or []) if row is not None else []:
            if button.get("payload") == text and button.get("title"):
                return str(button["title"]), text
        return text, None

    async def waiting(self, channel: str, message: Message) -> list[Message]:
        """Bot and agent messages on ``channel`` that no response has carried yet.

        For a channel that answers only in the response to the customer's message (REST):
        every outgoing message stored between the customer's previous message and this
        one, except the replies to that previous message, which its own response carried.
        Each such message lies between exactly one pair of customer messages, so it goes
        out once, at the front of the next response; nothing needs to be marked.
        """
        async with self.store.sessions() as session:
            previous = await session.scalar(
                select(func.max(MessageRow.id)).where(
                    MessageRow.conversation_id == message.conversation_id,
                    MessageRow.sender == Sender.CUSTOMER.value,
                    MessageRow.id < message.id,
                )
            )
            rows = list(
                await session.scalars(
                    select(MessageRow)
                    .where(
                        MessageRow.conversation_id == message.conversation_id,
                        MessageRow.id > (previous or 0),
                        MessageRow.id < message.id,
                        MessageRow.sender.in_(OUTGOING),
                        MessageRow.channel == channel,
                    )
                    .order_by(MessageRow.id)
                )
            )
        return [
            m
            for m in map(to_message, rows)
            if not m.meta.get("internal") and (previous is None or m.reply_to_id != previous)
        ]

    async def message(self, message_id: int) -> Message | None:
        async with self.store.sessions() as session:
            row = await session.get(MessageRow, message_id)
        return to_message(row) if row is not None else None

"""The conversation store: every message of every channel, stored once, with its NLU trail.

Each write appends its event to the event log in the same transaction, so what consumers
see and what is stored can never disagree.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handoff.errors import ConversationNotFound
from handoff.events import Event, EventLog, append_event
from handoff.models import ConversationRow, EventRow, HandoffRow, MessageRow, utcnow
from handoff.ownership import Owner
from handoff.records import (
    Button,
    Conversation,
    Identity,
    Message,
    Nlu,
    Sender,
    as_identity,
    contact_columns,
)
from handoff.wire import message_out


def to_conversation(row: ConversationRow) -> Conversation:
    return Conversation(
        id=row.id,
        channel=row.channel,
        owner=Owner(row.owner),
        handoff_reason=row.handoff_reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
        queue=row.queue,
        priority=row.priority or 0,
        agent_id=row.agent_id,
        queued_at=row.queued_at,
        identity=as_identity(row.identity),
        language=row.language,
    )


def to_message(row: MessageRow) -> Message:
    nlu = None
    if row.intent is not None or row.entities:
        nlu = Nlu(intent=row.intent, confidence=row.confidence, entities=list(row.entities or []))
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        channel=row.channel,
        sender=Sender(row.sender),
        text=row.text,
        created_at=row.created_at,
        buttons=list(row.buttons or []),
        client_id=row.client_id,
        reply_to_id=row.reply_to_id,
        nlu=nlu,
        meta=dict(row.meta or {}),
    )


@dataclass(frozen=True, slots=True)
class Stored:
    message: Message
    created: bool  # False when this was a redelivery of an already stored message
    event: Event | None  # the logged event, None for a redelivery
    # the conversation as the same transaction saw it (None for a redelivery)
    conversation: Conversation | None = None


async def load_conversation(session: AsyncSession, conversation_id: str) -> ConversationRow:
    row = await session.get(ConversationRow, conversation_id, populate_existing=True)
    if row is None:
        raise ConversationNotFound(conversation_id)
    return row


async def insert_message(
    session: AsyncSession, row: MessageRow, conversation: ConversationRow | None = None
) -> tuple[Event, Conversation]:
    """Add a message and its event to the caller's transaction; returns the event and the
    conversation as this transaction sees it (``conversation``: already loaded by the caller)."""
    if conversation is None:
        conversation = await load_conversation(session, row.conversation_id)
    conversation.updated_at = row.created_at
    session.add(row)
    await session.flush()
    event = await append_event(
        session, row.conversation_id, "message", {"message": message_out(to_message(row))}
    )
    return event, to_conversation(conversation)


class ConversationStore:
    """Async access to conversations and messages on SQLite or PostgreSQL."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.events = EventLog(self.sessions)

    async def create_conversation(
        self, channel: str, token_hash: str | None = None, *, language: str | None = None
    ) -> Conversation:
        """A new bot-owned conversation; ``language`` when the channel already says it."""
        row = ConversationRow(
            id=str(uuid.uuid4()),
            channel=channel,
            token_hash=token_hash,
            owner=Owner.BOT.value,
            language=language,
        )
        async with self.sessions.begin() as session:
            session.add(row)
            await session.flush()
            return to_conversation(row)

    async def get_conversation(self, conversation_id: str) -> Conversation:
        async with self.sessions() as session:
            return to_conversation(await load_conversation(session, conversation_id))

    async def get_conversations(self, conversation_ids: Collection[str]) -> list[Conversation]:
        """The conversations of ``conversation_ids`` that exist (in no particular order)."""
        if not conversation_ids:
            return []
        async with self.sessions() as session:
            rows = await session.scalars(
                select(ConversationRow).where(ConversationRow.id.in_(list(conversation_ids)))
            )
            return [to_conversation(row) for row in rows]

    async def held_by(self, agent_id: str, conversation_ids: Collection[str]) -> set[str]:
        """Of ``conversation_ids``, those ``agent_id`` has held at some time: claimed, been
        given or had transferred to them (the owner events of the log; a stay's first agent
        too, should the log have been pruned)."""
        if not conversation_ids:
            return set()
        ids = list(conversation_ids)
        async with self.sessions() as session:
            held = set(
                await session.scalars(
                    select(HandoffRow.conversation_id).where(
                        HandoffRow.conversation_id.in_(ids), HandoffRow.agent_id == agent_id
                    )
                )
            )
            for conversation_id, data in await session.execute(
                select(EventRow.conversation_id, EventRow.data).where(
                    EventRow.conversation_id.in_([i for i in ids if i not in held]),
                    EventRow.type == "owner",
                )
            ):
                if data.get("owner") == Owner.ASSIGNED.value and data.get("agent_id") == agent_id:
                    held.add(conversation_id)
            return held

    async def find_by_token_hash(self, token_hash: str) -> Conversation | None:
        async with self.sessions() as session:
            row = await session.scalar(
                select(ConversationRow).where(ConversationRow.token_hash == token_hash)
            )
        return to_conversation(row) if row is not None else None

    async def add_message(
        self,
        conversation_id: str,
        *,
        channel: str,
        sender: Sender,
        text: str,
        buttons: Sequence[Button] = (),
        client_id: str | None = None,
        reply_to_id: int | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Stored:
        """Store a message with its event.

        A message whose ``client_id`` was already stored in this conversation is a
        redelivery: the stored one comes back with ``created=False`` and nothing is written.
        """
        row = MessageRow(
            conversation_id=conversation_id,
            channel=channel,
            sender=sender.value,
            text=text,
            buttons=list(buttons) or None,
            client_id=client_id,
            reply_to_id=reply_to_id,
            meta=meta or None,
            created_at=utcnow(),
        )
        try:
            async with self.sessions.begin() as session:
                event, conversation = await insert_message(session, row)
        except IntegrityError:
            if client_id is None:
                await self.get_conversation(conversation_id)  # raises if it is missing
                raise
            existing = await self._by_client_id(conversation_id, client_id)
            if existing is None:
                raise
            return Stored(existing, created=False, event=None)
        return Stored(to_message(row), created=True, event=event, conversation=conversation)

    async def _by_client_id(self, conversation_id: str, client_id: str) -> Message | None:
        async with self.sessions() as session:
            row = await session.scalar(
                select(MessageRow).where(
                    MessageRow.conversation_id == conversation_id,
                    MessageRow.client_id == client_id,
                )
            )
        return to_message(row) if row is not None else None

    async def set_nlu(self, message: Message, nlu: Nlu) -> Event:
        """Record what the bot understood of a customer message."""
        async with self.sessions.begin() as session:
            await session.execute(
                update(MessageRow)
                .where(MessageRow.id == message.id)
                .values(intent=nlu.intent, confidence=nlu.confidence, entities=list(nlu.entities))
            )
            data = {
                "message_id": message.id,
                "nlu": {
                    "intent": nlu.intent,
                    "confidence": nlu.confidence,
                    "entities": nlu.entities,
                },
            }
            return await append_event(session, message.conversation_id, "nlu", data)

    async def annotate(self, message: Message, meta: dict[str, Any]) -> None:
        """Add keys to a message's meta (internal bookkeeping such as a fired trigger)."""
        async with self.sessions.begin() as session:
            row = await session.get(MessageRow, message.id)
            if row is not None:
                row.meta = dict(row.meta or {}) | meta

    async def update_identity(
        self, conversation_id: str, identity: Identity
    ) -> tuple[Identity, Event]:
        """Merge non-empty identity fields into the conversation's identity."""
        async with self.sessions.begin() as session:
            row = await load_conversation(session, conversation_id)
            merged = dict(row.identity or {}) | {k: v for k, v in identity.items() if v}
            row.identity = merged
            for column, value in contact_columns(as_identity(merged)).items():
                setattr(row, column, value)
            event = await append_event(session, conversation_id, "identity", {"identity": merged})
            return as_identity(merged), event

    async def set_language(
        self, conversation_id: str, language: str, *, if_unknown: bool = False
    ) -> tuple[Conversation, Event] | None:
        """Set the conversation's language, with a ``language`` event; ``if_unknown``: only
        while it has none, so a detection never overrides a channel hint or an agent's
        choice (None when nothing was written)."""
        async with self.sessions.begin() as session:
            query = update(ConversationRow).where(ConversationRow.id == conversation_id)
            if if_unknown:
                query = query.where(ConversationRow.language.is_(None))
            row = await session.scalar(
                query.values(language=language)
                .returning(ConversationRow)
                .execution_options(populate_existing=True)
            )
            if row is None:
                await load_conversation(session, conversation_id)  # raises if it is missing
                return None
            event = await append_event(session, conversation_id, "language", {"language": language})
            return to_conversation(row), event

    async def assigned_to(self, agent_id: str) -> list[Conversation]:
        """The conversations an agent owns now, oldest handoff first."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(ConversationRow)
                .where(
                    ConversationRow.agent_id == agent_id,
                    ConversationRow.owner == Owner.ASSIGNED.value,
                )
                .order_by(ConversationRow.queued_at, ConversationRow.id)
            )
            return [to_conversation(row) for row in rows]

    async def replies_to(self, message_id: int) -> list[Message]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(MessageRow)
                .where(MessageRow.reply_to_id == message_id)
                .order_by(MessageRow.id)
            )
            return [to_message(row) for row in rows]

    async def transcript(self, conversation_id: str) -> list[Message]:
        """Every message of the conversation, oldest first."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(MessageRow)
                .where(MessageRow.conversation_id == conversation_id)
                .order_by(MessageRow.id)
            )
            return [to_message(row) for row in rows]

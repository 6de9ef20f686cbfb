"""The event log: every message and state change, numbered, written in the same transaction.

Consumers (consoles, dashboards) read live events from the bus and, when they reconnect,
catch up from here with ``since(seq)``; the numbering guarantees no gaps and lets them
drop duplicates by ``seq``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff.models import EventRow, EventSequenceRow, utcnow

DESK = ""  # conversation_id of events that concern the desk, not one conversation


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    conversation_id: str
    type: str  # "message" | "owner" | "handoff" | "identity" | "presence" | ...
    data: dict[str, Any]
    created_at: datetime

    def wire(self) -> dict[str, Any]:
        """The JSON frame consumers receive: type, seq, conversation id, when it was written
        (ISO 8601, UTC, microseconds) and the data."""
        return {
            "type": self.type,
            "seq": self.seq,
            "conversation_id": self.conversation_id,
            "at": self.created_at.isoformat(),
        } | self.data


async def append_event(
    session: AsyncSession, conversation_id: str, type_: str, data: dict[str, Any]
) -> Event:
    """Number and store an event inside the caller's transaction."""
    seq = (
        await session.execute(
            update(EventSequenceRow)
            .where(EventSequenceRow.id == 1)
            .values(value=EventSequenceRow.value + 1)
            .returning(EventSequenceRow.value)
        )
    ).scalar_one()
    row = EventRow(
        seq=seq, conversation_id=conversation_id, type=type_, data=data, created_at=utcnow()
    )
    session.add(row)
    return Event(seq, conversation_id, type_, data, row.created_at)


class EventLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def since(
        self, after: int, *, conversation_id: str | None = None, limit: int = 1000
    ) -> list[Event]:
        """Events numbered above ``after``, oldest first (of one conversation if given)."""
        query = select(EventRow).where(EventRow.seq > after).order_by(EventRow.seq).limit(limit)
        if conversation_id is not None:
            query = query.where(EventRow.conversation_id == conversation_id)
        async with self._sessions() as session:
            rows = await session.scalars(query)
            return [Event(r.seq, r.conversation_id, r.type, r.data, r.created_at) for r in rows]

    async def last_seq(self) -> int:
        async with self._sessions() as session:
            value = await session.scalar(
                select(EventSequenceRow.value).where(EventSequenceRow.id == 1)
            )
        return int(value or 0)

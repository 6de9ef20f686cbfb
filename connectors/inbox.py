"""Platform deliveries, recorded before they are acknowledged and processed once.

A webhook answers the platform only after ``record`` has committed the delivery, so an
acknowledged update or event is never lost: if the gateway stops before processing it,
``pending`` hands it out again after a restart. The unique ``(channel, delivery_id)`` turns
a redelivery (Telegram's retry of an ``update_id``, Slack's ``X-Slack-Retry-Num`` retry of
an ``event_id``) into a no-op, in the database, so it holds across restarts and replicas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.models import InboxRow
from handoff.models import utcnow

# a delivery being processed is not handed to another worker for this long
CLAIM = timedelta(minutes=2)
MAX_ATTEMPTS = 5
GRACE = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    channel: str
    delivery_id: str
    body: dict[str, Any]
    attempts: int


class Inbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(self, channel: str, delivery_id: str, body: dict[str, Any]) -> int | None:
        """Store a delivery; its row id, or None when it had been received before."""
        row = InboxRow(
            channel=channel, delivery_id=delivery_id, body=body, received_at=utcnow(), attempts=0
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
                await session.flush()
                return row.id
        except IntegrityError:
            return None

    async def claim(self, inbox_id: int) -> Delivery | None:
        """Take a pending delivery for processing; None if it is done or someone has it."""
        now = utcnow()
        async with self._sessions.begin() as session:
            claimed = await session.execute(
                update(InboxRow)
                .where(
                    InboxRow.id == inbox_id,
                    InboxRow.processed_at.is_(None),
                    or_(InboxRow.claimed_until.is_(None), InboxRow.claimed_until < now),
                )
                .values(claimed_until=now + CLAIM, attempts=InboxRow.attempts + 1)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = await session.get(InboxRow, inbox_id, populate_existing=True)
            if row is None:  # deleted meanwhile
                return None
            return Delivery(row.id, row.channel, row.delivery_id, dict(row.body), row.attempts)

    async def done(self, inbox_id: int, error: str | None = None) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(InboxRow)
                .where(InboxRow.id == inbox_id)
                .values(processed_at=utcnow(), claimed_until=None, error=error)
            )

    async def release(self, inbox_id: int, error: str) -> None:
        """Processing failed; another try comes with the next sweep (up to MAX_ATTEMPTS)."""
        async with self._sessions.begin() as session:
            row = await session.get(InboxRow, inbox_id)
            if row is None:
                return
            row.error = error
            row.claimed_until = None
            if row.attempts >= MAX_ATTEMPTS:
                row.processed_at = utcnow()

    async def pending(self, limit: int = 100, grace: timedelta = GRACE) -> list[int]:
        """Deliveries nobody has finished, oldest first (after a restart, a crash); ones
        younger than ``grace`` are left to the request that stored them."""
        now = utcnow()
        async with self._sessions() as session:
            rows = await session.scalars(
                select(InboxRow.id)
                .where(
                    InboxRow.processed_at.is_(None),
                    InboxRow.received_at < now - grace,
                    or_(InboxRow.claimed_until.is_(None), InboxRow.claimed_until < now),
                )
                .order_by(InboxRow.id)
                .limit(limit)
            )
            return list(rows)

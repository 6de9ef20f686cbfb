"""Messages a platform must receive: stored once, claimed by one replica, sent in order.

Why an outbox rather than sending from the request that produced the reply: an agent's
reply is written by the console API, a queue notice by the router, a hand-back by another
request, possibly on another gateway replica, and the platform may be down or rate-limit
us just then. Each message becomes one row (unique ``key``: ``message:<id>``), so
enqueuing it twice is harmless; a replica sends a row only after claiming it with one
conditional UPDATE, so two replicas never send the same row; a row is sent only when
every earlier row to the same address is done, so a customer reads replies in order; a
transient failure sets ``next_attempt_at`` (the platform's retry-after when it gives one)
and keeps the row. A message split into parts records each part it sent.

What cannot be promised: a send whose answer is lost (the platform got it, the process
died before marking it) is sent again after the claim expires. Neither the Telegram Bot
API nor Slack's chat.postMessage takes an idempotency key, so delivery is at least once,
with that window as small as one HTTP round trip.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.models import CursorRow, OutboxRow
from handoff.models import utcnow

log = logging.getLogger(__name__)

CLAIM = timedelta(seconds=60)
MAX_ATTEMPTS = 12  # with backoff capped at 5 minutes: about half an hour of trying


@dataclass(frozen=True, slots=True)
class Outgoing:
    id: int
    key: str
    channel: str
    address: str
    target: dict[str, Any]
    body: dict[str, Any]
    parts_sent: int
    attempts: int


def _outgoing(row: OutboxRow) -> Outgoing:
    return Outgoing(
        row.id,
        row.key,
        row.channel,
        row.address,
        dict(row.target),
        dict(row.body),
        row.parts_sent,
        row.attempts,
    )


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at 5 minutes."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 300))


class Outbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], worker: str) -> None:
        self._sessions = sessions
        self.worker = worker  # who claims: one id per gateway process

    async def enqueue(
        self,
        key: str,
        *,
        channel: str,
        address: str,
        target: dict[str, Any],
        body: dict[str, Any],
        conversation_id: str | None = None,
    ) -> bool:
        """Add a message to send; False when ``key`` was enqueued before."""
        now = utcnow()
        row = OutboxRow(
            key=key,
            channel=channel,
            address=address,
            target=target,
            conversation_id=conversation_id,
            body=body,
            parts_sent=0,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            failed=False,
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            return False
        return True

    async def claim_due(self, limit: int = 20) -> list[Outgoing]:
        """The first unsent row of each address whose turn has come, claimed for this worker."""
        now = utcnow()
        earlier = OutboxRow.__table__.alias("earlier")
        head = ~(
            select(earlier.c.id)
            .where(
                earlier.c.channel == OutboxRow.channel,
                earlier.c.address == OutboxRow.address,
                earlier.c.done_at.is_(None),
                earlier.c.id < OutboxRow.id,
            )
            .exists()
        )
        async with self._sessions() as session:
            candidates = list(
                await session.scalars(
                    select(OutboxRow.id)
                    .where(
                        OutboxRow.done_at.is_(None),
                        OutboxRow.next_attempt_at <= now,
                        or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
                        head,
                    )
                    .order_by(OutboxRow.id)
                    .limit(limit)
                )
            )
        claimed = []
        for outbox_id in candidates:
            async with self._sessions.begin() as session:
                result = await session.execute(
                    update(OutboxRow)
                    .where(
                        OutboxRow.id == outbox_id,
                        OutboxRow.done_at.is_(None),
                        or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
                    )
                    .values(claimed_by=self.worker, claimed_until=now + CLAIM)
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    continue  # another replica was faster
                row = await session.get(OutboxRow, outbox_id, populate_existing=True)
                if row is not None:
                    claimed.append(_outgoing(row))
        return claimed

    async def part_sent(self, outbox_id: int, parts_sent: int) -> None:
        await self._mine(outbox_id, parts_sent=parts_sent)

    async def sent(self, outbox_id: int) -> None:
        await self._mine(outbox_id, done_at=utcnow(), claimed_until=None, error=None)

    async def retry_later(
        self, outbox_id: int, attempts: int, delay: timedelta, error: str
    ) -> None:
        """A transient failure: try again after ``delay``; give up after MAX_ATTEMPTS."""
        if attempts >= MAX_ATTEMPTS:
            await self.give_up(outbox_id, error)
            return
        await self._mine(
            outbox_id,
            attempts=attempts,
            next_attempt_at=utcnow() + delay,
            claimed_until=None,
            error=error,
        )

    async def give_up(self, outbox_id: int, error: str) -> None:
        """The platform refused it for good (blocked bot, unknown chat): kept, marked failed,
        and no longer holding back the messages after it."""
        log.error("giving up on outbound message %s: %s", outbox_id, error)
        await self._mine(outbox_id, done_at=utcnow(), failed=True, claimed_until=None, error=error)

    async def _mine(self, outbox_id: int, **values: Any) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == outbox_id, OutboxRow.claimed_by == self.worker)
                .values(**values)
            )

    async def unsent(self, conversation_id: str | None = None) -> list[Outgoing]:
        """Rows not done yet (operations, tests)."""
        query = select(OutboxRow).where(OutboxRow.done_at.is_(None)).order_by(OutboxRow.id)
        if conversation_id is not None:
            query = query.where(OutboxRow.conversation_id == conversation_id)
        async with self._sessions() as session:
            return [_outgoing(r) for r in await session.scalars(query)]


class Cursor:
    """How far a reader has followed the event log; shared by the replicas, only moves up."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], name: str) -> None:
        self._sessions = sessions
        self._name = name

    async def get(self) -> int | None:
        async with self._sessions() as session:
            return await session.scalar(select(CursorRow.seq).where(CursorRow.name == self._name))

    async def start_at(self, seq: int) -> int:
        """Create the cursor at ``seq`` unless it exists; its position."""
        try:
            async with self._sessions.begin() as session:
                session.add(CursorRow(name=self._name, seq=seq))
        except IntegrityError:
            pass
        current = await self.get()
        return seq if current is None else current

    async def advance(self, seq: int) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(CursorRow)
                .where(CursorRow.name == self._name, CursorRow.seq < seq)
                .values(seq=seq)
            )

"""Retention: conversations nobody has touched for N days are erased on a schedule.

``BATON_RETENTION_DAYS`` turns it on (off by default). Each gateway asks every
``BATON_RETENTION_INTERVAL_MINUTES``; one replica at a time does the work — the holder of a
Redis lock when Redis is configured, else of a PostgreSQL advisory lock; SQLite serves one
gateway — and only when the last run is at least that old, so several replicas make one
run per interval. A run erases by the same path as a person's request
(:mod:`handoff.privacy`: deleted or anonymised, Rasa's trackers and the Redis stream
included) and writes one erasure record with its counts.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.models import InboxRow, OutboxRow
from handoff.models import ConversationRow, ErasureRow, utcnow
from handoff.ownership import Owner
from handoff.privacy import (
    Person,
    Subject,
    add_places,
    clean_counts,
    count,
    erase_elsewhere,
    erase_rows,
    erasure_out,
)
from handoff.rasa_tracker import TrackerStore

REDIS_LOCK = "baton:retention"
LOCK_MS = 15 * 60 * 1000  # a run that dies keeps others out this long at most
# a pg_try_advisory_xact_lock key: one retention run at a time on PostgreSQL
_ADVISORY_KEY = 0x62A70E7E
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


async def _locked(session: AsyncSession) -> bool:
    """Whether this transaction holds the retention lock on PostgreSQL (always on SQLite)."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return True
    return bool(await session.scalar(text(f"SELECT pg_try_advisory_xact_lock({_ADVISORY_KEY})")))


async def apply_retention(
    sessions: async_sessionmaker[AsyncSession],
    days: int,
    *,
    tracker: TrackerStore,
    redis_url: str | None = None,
    every: timedelta | None = None,
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """Erase the conversations no one has written in for ``days`` days and that are not in
    a queue or with an agent, and the platform deliveries and finished sends older than
    that; the erasure record written, or None when another replica holds the lock or
    (``every``) the last run is younger than that."""
    now = now or utcnow()
    if redis_url is None:
        return await _run(sessions, days, tracker, None, every, now)
    from redis import asyncio as aioredis

    client = aioredis.from_url(redis_url)
    token = uuid.uuid4().hex
    try:
        if not await client.set(REDIS_LOCK, token, nx=True, px=LOCK_MS):
            return None
        try:
            return await _run(sessions, days, tracker, redis_url, every, now)
        finally:
            # only our own lock: a run that outlived it must not free another replica's
            await client.eval(_RELEASE, 1, REDIS_LOCK, token)  # type: ignore[misc]
    finally:
        await client.aclose()


async def _run(
    sessions: async_sessionmaker[AsyncSession],
    days: int,
    tracker: TrackerStore,
    redis_url: str | None,
    every: timedelta | None,
    now: datetime,
) -> dict[str, Any] | None:
    cutoff = now - timedelta(days=days)
    async with sessions.begin() as session:
        if not await _locked(session):
            return None
        if every is not None:
            last = await session.scalar(
                select(func.max(ErasureRow.requested_at)).where(ErasureRow.kind == "retention")
            )
            if last is not None and last.replace(tzinfo=now.tzinfo) > now - every * 0.9:
                return None
        old = select(ConversationRow.id).where(
            ConversationRow.erased_at.is_(None),
            ConversationRow.updated_at < cutoff,
            ConversationRow.owner.not_in([Owner.QUEUED.value, Owner.ASSIGNED.value]),
        )
        person = Person(Subject("retention", ""), conversation_ids=set(await session.scalars(old)))
        await add_places(session, person)
        counts: Counter[str] = Counter()
        await erase_elsewhere(sorted(person.conversation_ids), tracker, redis_url, counts)
        counts.update(await erase_rows(session, person, now))
        # deliveries and sends are kept for de-duplication and retries: days are plenty
        done_inbox = (InboxRow.processed_at.is_not(None), InboxRow.received_at < cutoff)
        counts["inbox"] += count(await session.execute(delete(InboxRow).where(*done_inbox)))
        done_outbox = (OutboxRow.done_at.is_not(None), OutboxRow.created_at < cutoff)
        counts["outbox"] += count(await session.execute(delete(OutboxRow).where(*done_outbox)))
        record = ErasureRow(
            kind="retention",
            subject_kind=None,
            subject_hash=None,
            requested_by=f"retention ({days} days)",
            requested_at=now,
            counts=clean_counts(counts),
        )
        session.add(record)
        await session.flush()
        return erasure_out(record)

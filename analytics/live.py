"""The supervisors' live view: open conversations, queues, agents, unhappy customers."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from handoff.agents import load_agents
from handoff.models import ConversationRow, MessageRow
from handoff.ownership import Owner
from handoff.records import Sender


def talking_to_the_bot(since: datetime) -> ColumnElement[bool]:
    """A customer message since ``since`` (a conversation opened and never written in is
    not one anybody is having)."""
    return (
        select(MessageRow.id)
        .where(
            MessageRow.conversation_id == ConversationRow.id,
            MessageRow.sender == Sender.CUSTOMER.value,
            MessageRow.created_at >= since,
        )
        .exists()
    )


class QueueLive(TypedDict):
    queue: str
    waiting: int
    longest_wait_seconds: float


class AgentLive(TypedDict):
    id: str
    name: str
    presence: str  # available | busy | away
    load: int
    capacity: int


class UnhappyLive(TypedDict):
    conversation_id: str
    channel: str
    owner: str  # bot | queued | assigned
    sentiment: float  # mean VADER compound of the last customer messages
    last_text: str  # the customer's last words, shown as text
    at: str


class OpenLive(TypedDict):
    bot: int  # the bot is talking (a customer message within the idle timeout)
    queued: int
    assigned: int
    total: int


class LiveSnapshot(TypedDict):
    at: str
    open: OpenLive
    queues: list[QueueLive]
    agents: list[AgentLive]
    presence: dict[str, int]
    negative: list[UnhappyLive]


async def live_snapshot(
    sessions: async_sessionmaker[AsyncSession],
    *,
    bot_idle: timedelta,
    sentiment_threshold: float,
    sentiment_turns: int,
    now: datetime | None = None,
    limit: int = 20,
) -> LiveSnapshot:
    now = now or datetime.now(UTC)
    async with sessions() as session:
        open_rows = (
            await session.execute(
                select(
                    ConversationRow.id,
                    ConversationRow.channel,
                    ConversationRow.owner,
                    ConversationRow.queue,
                    ConversationRow.queued_at,
                    ConversationRow.updated_at,
                ).where(
                    (ConversationRow.owner.in_([Owner.QUEUED.value, Owner.ASSIGNED.value]))
                    | (
                        (ConversationRow.owner == Owner.BOT.value)
                        & talking_to_the_bot(now - bot_idle)
                    )
                )
            )
        ).all()
        agents = await load_agents(session)
        recent: dict[str, list[tuple[float, str, datetime]]] = defaultdict(list)
        ids = [r.id for r in open_rows]
        for start in range(0, len(ids), 500):
            rows = await session.execute(
                select(
                    MessageRow.conversation_id,
                    MessageRow.meta,
                    MessageRow.text,
                    MessageRow.created_at,
                )
                .where(
                    MessageRow.conversation_id.in_(ids[start : start + 500]),
                    MessageRow.sender == Sender.CUSTOMER.value,
                    MessageRow.created_at >= now - timedelta(hours=24),
                )
                .order_by(MessageRow.id)
            )
            for row in rows:
                score = (row.meta or {}).get("sentiment")
                if isinstance(score, int | float) and not (row.meta or {}).get("survey_answer"):
                    recent[row.conversation_id].append((float(score), row.text, row.created_at))
    queues: dict[str, QueueLive] = {}
    for row in open_rows:
        if row.owner != Owner.QUEUED.value:
            continue
        name = row.queue or "general"
        waited = (now - (row.queued_at or row.updated_at)).total_seconds()
        entry = queues.setdefault(name, {"queue": name, "waiting": 0, "longest_wait_seconds": 0})
        entry["waiting"] += 1
        entry["longest_wait_seconds"] = max(entry["longest_wait_seconds"], round(waited, 1))
    negative: list[UnhappyLive] = []
    for row in open_rows:
        last = recent.get(row.id, [])[-sentiment_turns:]
        if not last:
            continue
        mood = statistics.fmean(score for score, _, _ in last)
        if mood < sentiment_threshold:
            negative.append(
                {
                    "conversation_id": row.id,
                    "channel": row.channel,
                    "owner": row.owner,
                    "sentiment": round(mood, 3),
                    "last_text": last[-1][1][:200],
                    "at": last[-1][2].isoformat(),
                }
            )
    negative.sort(key=lambda n: n["sentiment"])
    owners = Counter(r.owner for r in open_rows)
    bot, queued, assigned = (owners[o.value] for o in (Owner.BOT, Owner.QUEUED, Owner.ASSIGNED))
    presence: dict[str, int] = {"available": 0, "busy": 0, "away": 0}
    for agent in agents:
        presence[agent.presence.value] = presence.get(agent.presence.value, 0) + 1
    return {
        "at": now.isoformat(),
        "open": {
            "bot": bot,
            "queued": queued,
            "assigned": assigned,
            "total": bot + queued + assigned,
        },
        "queues": sorted(queues.values(), key=lambda q: q["queue"]),
        "agents": [
            {
                "id": a.id,
                "name": a.name,
                "presence": a.presence.value,
                "load": a.load,
                "capacity": a.capacity,
            }
            for a in agents
        ],
        "presence": presence,
        "negative": negative[:limit],
    }

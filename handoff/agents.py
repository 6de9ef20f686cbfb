"""Agents: who they are, what they serve, how busy they are, and their API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff.errors import AgentNotFound, QueueNotFound
from handoff.events import DESK, Event, append_event
from handoff.models import AgentRow, ConversationRow, QueueRow
from handoff.ownership import Owner
from handoff.records import Agent, Presence

_AGENT_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def load_agent(session: AsyncSession, agent_id: str) -> Agent:
    row = await session.get(AgentRow, agent_id, populate_existing=True)
    if row is None:
        raise AgentNotFound(agent_id)
    load = await session.scalar(
        select(func.count())
        .select_from(ConversationRow)
        .where(ConversationRow.agent_id == agent_id, ConversationRow.owner == Owner.ASSIGNED.value)
    )
    return _agent(row, int(load or 0))


async def load_agents(session: AsyncSession, presence: Presence | None = None) -> list[Agent]:
    """Agents (of one presence, or all) with their loads, in two queries."""
    loads = dict(
        (
            await session.execute(
                select(ConversationRow.agent_id, func.count())
                .where(ConversationRow.owner == Owner.ASSIGNED.value)
                .group_by(ConversationRow.agent_id)
            )
        ).all()
    )
    query = select(AgentRow).order_by(AgentRow.id)
    if presence is not None:
        query = query.where(AgentRow.presence == presence.value)
    return [_agent(row, int(loads.get(row.id, 0))) for row in await session.scalars(query)]


def _agent(row: AgentRow, load: int) -> Agent:
    return Agent(
        id=row.id,
        name=row.name,
        skills=list(row.skills or []),
        capacity=row.capacity,
        presence=Presence(row.presence),
        load=load,
        languages=list(row.languages or []),
    )


def queue_title(name: str) -> str:
    """A queue's title when the assistant names it only: ``after_sales`` → "After sales"."""
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


async def ensure_queues(
    sessions: async_sessionmaker[AsyncSession], names: Iterable[str]
) -> list[str]:
    """Create the queues the assistant routes to (its baton.yml) that the database lacks;
    existing ones keep their titles. Returns the names created."""
    wanted = sorted(set(names))
    async with sessions.begin() as session:
        have = set(await session.scalars(select(QueueRow.name).where(QueueRow.name.in_(wanted))))
        missing = [name for name in wanted if name not in have]
        session.add_all(QueueRow(name=name, title=queue_title(name)) for name in missing)
    return missing


async def require_queue(session: AsyncSession, queue: str) -> None:
    if await session.get(QueueRow, queue) is None:
        raise QueueNotFound(queue)


class AgentDirectory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(
        self,
        agent_id: str,
        name: str,
        skills: Sequence[str],
        capacity: int = 3,
        languages: Sequence[str] = (),
    ) -> tuple[Agent, str]:
        """Create an agent; returns it and its API token (shown once, stored as a hash).

        ``languages``: those the agent speaks (two-letter codes); none: any."""
        if not _AGENT_ID.match(agent_id):
            raise ValueError("agent id: lowercase letters, digits, '.', '_' or '-', at most 64")
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        token = secrets.token_urlsafe(32)
        async with self._sessions.begin() as session:
            for queue in skills:
                await require_queue(session, queue)
            row = AgentRow(
                id=agent_id,
                name=name,
                skills=list(skills),
                capacity=capacity,
                languages=list(languages),
                presence=Presence.AWAY.value,
                token_hash=token_hash(token),
            )
            session.add(row)
            await session.flush()
            return _agent(row, 0), token

    async def get(self, agent_id: str) -> Agent:
        async with self._sessions() as session:
            return await load_agent(session, agent_id)

    async def by_token(self, token: str) -> Agent | None:
        async with self._sessions() as session:
            agent_id = await session.scalar(
                select(AgentRow.id).where(AgentRow.token_hash == token_hash(token))
            )
            return await load_agent(session, agent_id) if agent_id else None

    async def all(self) -> list[Agent]:
        async with self._sessions() as session:
            return await load_agents(session)

    async def set_presence(self, agent_id: str, presence: Presence) -> tuple[Agent, Event]:
        async with self._sessions.begin() as session:
            row = await session.get(AgentRow, agent_id)
            if row is None:
                raise AgentNotFound(agent_id)
            row.presence = presence.value
            await session.flush()
            agent = await load_agent(session, agent_id)
            event = await append_event(
                session,
                DESK,
                "presence",
                {"agent_id": agent_id, "presence": presence.value, "load": agent.load},
            )
            return agent, event

"""The handoff desk: queues, claims, transfers, resolution — every ownership move after the bot.

Every move goes through ``write_move``, the one writer of a conversation's owner: it asks
``ownership.transition`` for the new owner and writes it only if the owner (and agent) are
still what was read, so concurrent moves cannot both win: of many agents claiming one
conversation exactly one succeeds and the others get ``ClaimConflict``. Each move appends
its events in the same transaction.
"""

from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff.agents import load_agent, load_agents, require_queue
from handoff.errors import AgentAtCapacity, ClaimConflict, NotOwner
from handoff.events import Event, append_event
from handoff.models import ConversationRow, HandoffRow, MessageRow, QueueRow, utcnow
from handoff.ownership import Move, Owner, transition
from handoff.packet import Packet, build_packet
from handoff.records import (
    Agent,
    Conversation,
    Identity,
    Presence,
    Sender,
    Waiting,
    as_identity,
    contact_columns,
)
from handoff.settings import HandoffSettings
from handoff.store import Stored, insert_message, load_conversation, to_conversation, to_message
from handoff.wire import owner_data

# a queue entry's waiting_for, shown to agents and supervisors
WAITING_FOR_LANGUAGE = "no agent speaking {language} is available"


@dataclass(frozen=True, slots=True)
class Handoff:
    """The result of a handoff request: where the customer waits and for how long."""

    conversation: Conversation
    packet: Packet
    position: int
    estimated_wait_seconds: int
    events: list[Event]


@dataclass(frozen=True, slots=True)
class Moved:
    conversation: Conversation
    events: list[Event]


class HandoffDesk:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: HandoffSettings
    ) -> None:
        self._sessions = sessions
        self.settings = settings

    # -- the bot hands over ---------------------------------------------------------------

    def route(self, intent: str | None, reason: str, identity: Identity) -> tuple[str, int]:
        """The queue and priority for a handoff."""
        queue = self.settings.intent_queues.get(intent or "", self.settings.default_queue)
        priority = self.settings.reason_priority.get(reason, 0)
        email = (identity.get("email") or "").lower()
        if email and email in {v.lower() for v in self.settings.vip_emails}:
            priority = max(priority, self.settings.vip_priority)
        return queue, priority

    async def request_handoff(
        self, conversation_id: str, *, reason: str, identity: Identity | None = None
    ) -> Handoff:
        """Queue a bot-owned conversation with its packet; raises ``IllegalTransition``."""
        async with self._sessions.begin() as session:
            row = await load_conversation(session, conversation_id)
            merged = as_identity((row.identity or {}) | as_identity(identity))
            messages = [
                to_message(m)
                for m in await session.scalars(
                    select(MessageRow)
                    .where(MessageRow.conversation_id == conversation_id)
                    .order_by(MessageRow.id)
                )
            ]
            last_intent = next(
                (
                    m.nlu.intent
                    for m in reversed(messages)
                    if m.nlu
                    and m.nlu.intent
                    and m.nlu.intent not in self.settings.topicless_intents
                ),
                None,
            )
            queue, priority = self.route(last_intent, reason, merged)
            now = utcnow()
            values: dict[str, Any] = {
                "handoff_reason": reason,
                "queue": queue,
                "priority": priority,
                "queued_at": now,
                "agent_id": None,
                "identity": dict(merged),
                "updated_at": now,
            } | contact_columns(merged)
            row = await write_move(session, conversation_id, Owner(row.owner), Move.HANDOFF, values)
            conversation = to_conversation(row)
            packet = build_packet(
                conversation,
                messages,
                reason=reason,
                queue=queue,
                priority=priority,
                identity=merged,
                low_confidence_threshold=self.settings.low_confidence_threshold,
                topicless=self.settings.topicless_intents,
            )
            session.add(
                HandoffRow(
                    conversation_id=conversation_id,
                    reason=reason,
                    queue=queue,
                    priority=priority,
                    packet=dict(packet),
                    created_at=now,
                )
            )
            position = await self._position(session, conversation)
            estimate = await self._estimate(session, queue, position)
            # last: numbering an event locks the sequence row until this transaction commits
            events = [
                await append_event(session, conversation_id, "owner", owner_data(conversation)),
                await append_event(session, conversation_id, "handoff", {"packet": dict(packet)}),
            ]
        return Handoff(conversation, packet, position, estimate, events)

    async def reopen(self, conversation_id: str) -> Moved:
        """A resolved conversation the customer writes to again goes back to the bot."""
        return await self._simple_move(conversation_id, Move.REOPEN, agent_id=None, clear=True)

    # -- agents take conversations ----------------------------------------------------------

    async def claim(
        self,
        conversation_id: str,
        agent_id: str,
        *,
        check_capacity: bool = True,
        agent: Agent | None = None,
    ) -> Moved:
        """Assign a queued conversation to an agent; exactly one of concurrent claims wins.

        ``agent``, when the caller has just loaded it (the desk's push), saves reading it
        again; the caller has then checked the capacity itself.
        """
        async with self._sessions.begin() as session:
            if agent is None:
                agent = await load_agent(session, agent_id)
                if check_capacity and agent.load >= agent.capacity:
                    raise AgentAtCapacity(agent_id, agent.capacity)
            now = utcnow()
            # not read first: the write itself finds out whether the conversation still waits
            values = {"agent_id": agent_id, "updated_at": now}
            row = await write_move(session, conversation_id, Owner.QUEUED, Move.ASSIGN, values)
            conversation = to_conversation(row)
            handoff = await self._open_handoff(session, conversation_id)
            if handoff is not None and handoff.assigned_at is None:
                handoff.assigned_at, handoff.agent_id = now, agent_id
            event = await append_event(
                session, conversation_id, "owner", owner_data(conversation, agent.name)
            )
        return Moved(conversation, [event])

    async def pick_next(self, agent_id: str) -> Moved | None:
        """The agent takes the most urgent, longest-waiting conversation of their queues."""
        agent = await self._agent(agent_id)
        for waiting in await self.waiting(queues=agent.skills):
            if not agent.speaks(self.settings.routing_language(waiting.language)):
                continue
            try:
                return await self.claim(waiting.conversation_id, agent_id)
            except ClaimConflict:
                continue  # someone was faster; take the next one
        return None

    async def push(self) -> list[Moved]:
        """Offer waiting conversations to available agents: most urgent and longest waiting
        first, each to the least-loaded available agent who has the queue's skill and speaks
        the conversation's language (an agent with no languages speaks any; a conversation
        whose language is unknown goes to anyone). One nobody available speaks waits.

        Safe to run concurrently (claims are atomic), but each run reads every waiting
        conversation: a process should run one at a time (see ConversationRouter.push)."""
        moved: list[Moved] = []
        available = await self._available_agents()
        agents = {a.id: a for a in available}
        for waiting in await self.waiting(available=available):
            language = self.settings.routing_language(waiting.language)
            candidates = [
                a
                for a in agents.values()
                if waiting.queue in a.skills and a.load < a.capacity and a.speaks(language)
            ]
            if not candidates:
                continue
            best = min(candidates, key=lambda a: (a.load / a.capacity, a.load, a.id))
            try:
                result = await self.claim(waiting.conversation_id, best.id, agent=best)
            except (ClaimConflict, AgentAtCapacity):
                continue
            moved.append(result)
            agents[best.id] = _with_load(best, best.load + 1)
        return moved

    # -- agents act on their conversations --------------------------------------------------

    async def reply(
        self, conversation_id: str, agent_id: str, text: str, *, agent_name: str | None = None
    ) -> Stored:
        """Store an agent's message; only the owning agent may reply.

        ``agent_name``, when the caller knows it (the authenticated agent), saves reading the
        agent again: owning the conversation already proves the agent exists.
        """
        async with self._sessions.begin() as session:
            if agent_name is None:
                agent_name = (await load_agent(session, agent_id)).name
            row = await load_conversation(session, conversation_id)
            if row.owner != Owner.ASSIGNED.value or row.agent_id != agent_id:
                raise NotOwner(conversation_id, agent_id)
            message = MessageRow(
                conversation_id=conversation_id,
                channel=row.channel,
                sender=Sender.AGENT.value,
                text=text,
                meta={"agent_id": agent_id, "agent_name": agent_name},
                created_at=utcnow(),
            )
            handoff = await self._open_handoff(session, conversation_id)
            if handoff is not None and handoff.first_reply_at is None:
                handoff.first_reply_at = message.created_at
            # last: numbering the event locks the sequence row until commit
            event, _ = await insert_message(session, message, row)
        return Stored(to_message(message), created=True, event=event)

    async def transfer_to_agent(
        self, conversation_id: str, agent_id: str, to_agent_id: str
    ) -> Moved:
        async with self._sessions.begin() as session:
            target = await load_agent(session, to_agent_id)
            await self._owned(session, conversation_id, agent_id)
            values = {"agent_id": to_agent_id, "updated_at": utcnow()}
            row = await write_move(
                session,
                conversation_id,
                Owner.ASSIGNED,
                Move.TRANSFER_TO_AGENT,
                values,
                held_by=agent_id,
            )
            conversation = to_conversation(row)
            data = owner_data(conversation, target.name) | {"transferred_from": agent_id}
            event = await append_event(session, conversation_id, "owner", data)
        return Moved(conversation, [event])

    async def transfer_to_queue(self, conversation_id: str, agent_id: str, queue: str) -> Moved:
        async with self._sessions.begin() as session:
            await require_queue(session, queue)
            await self._owned(session, conversation_id, agent_id)
            now = utcnow()
            values = {"agent_id": None, "queue": queue, "queued_at": now, "updated_at": now}
            row = await write_move(
                session,
                conversation_id,
                Owner.ASSIGNED,
                Move.TRANSFER_TO_QUEUE,
                values,
                held_by=agent_id,
            )
            conversation = to_conversation(row)
            data = owner_data(conversation) | {"transferred_from": agent_id}
            event = await append_event(session, conversation_id, "owner", data)
        return Moved(conversation, [event])

    async def resolve(self, conversation_id: str, agent_id: str, note: str | None = None) -> Moved:
        return await self._end(conversation_id, agent_id, Move.RESOLVE, "resolved", note)

    async def hand_back(self, conversation_id: str, agent_id: str) -> Moved:
        """Give the conversation back to the bot (from the queue or from the owning agent)."""
        return await self._end(conversation_id, agent_id, Move.HAND_BACK, "handed_back", None)

    # -- views ------------------------------------------------------------------------------

    async def waiting(
        self, queues: list[str] | None = None, *, available: list[Agent] | None = None
    ) -> list[Waiting]:
        """Queued conversations, most urgent then longest waiting first, with positions, and
        why one in a language no available agent of its queue speaks is not being served.

        ``available``: the available agents, when the caller has just read them."""
        query = select(ConversationRow).where(ConversationRow.owner == Owner.QUEUED.value)
        if queues is not None:
            query = query.where(ConversationRow.queue.in_(queues))
        async with self._sessions() as session:
            rows = list(await session.scalars(query))
            if available is None and any(row.language for row in rows):
                available = await load_agents(session, Presence.AVAILABLE)
        rows.sort(key=lambda r: (-(r.priority or 0), r.queued_at or r.updated_at))
        positions: dict[str, int] = {}
        out = []
        for row in rows:
            queue = row.queue or self.settings.default_queue
            positions[queue] = positions.get(queue, 0) + 1
            out.append(
                Waiting(
                    conversation_id=row.id,
                    queue=queue,
                    priority=row.priority or 0,
                    queued_at=row.queued_at or row.updated_at,
                    reason=row.handoff_reason,
                    channel=row.channel,
                    position=positions[queue],
                    language=row.language,
                    waiting_for=_waiting_for(
                        queue, self.settings.routing_language(row.language), available or []
                    ),
                )
            )
        return out

    async def queue_names(self) -> list[tuple[str, str]]:
        async with self._sessions() as session:
            return [
                (q.name, q.title)
                for q in await session.scalars(select(QueueRow).order_by(QueueRow.name))
            ]

    async def packet(self, conversation_id: str) -> Packet | None:
        """The packet of the conversation's latest handoff."""
        async with self._sessions() as session:
            await load_conversation(session, conversation_id)
            row = await session.scalar(
                select(HandoffRow)
                .where(HandoffRow.conversation_id == conversation_id)
                .order_by(HandoffRow.id.desc())
                .limit(1)
            )
            return Packet(**row.packet) if row is not None else None  # type: ignore[typeddict-item]

    # -- internals ------------------------------------------------------------------------

    async def _agent(self, agent_id: str) -> Agent:
        async with self._sessions() as session:
            return await load_agent(session, agent_id)

    async def _available_agents(self) -> list[Agent]:
        async with self._sessions() as session:
            return await load_agents(session, Presence.AVAILABLE)

    async def _owned(
        self, session: AsyncSession, conversation_id: str, agent_id: str
    ) -> ConversationRow:
        await load_agent(session, agent_id)
        row = await load_conversation(session, conversation_id)
        if row.owner != Owner.ASSIGNED.value or row.agent_id != agent_id:
            raise NotOwner(conversation_id, agent_id)
        return row

    async def _simple_move(
        self, conversation_id: str, move: Move, *, agent_id: str | None, clear: bool
    ) -> Moved:
        async with self._sessions.begin() as session:
            row = await load_conversation(session, conversation_id)
            values: dict[str, Any] = {"updated_at": utcnow()}
            if clear:
                values |= {"agent_id": None, "queue": None, "queued_at": None}
            row = await write_move(
                session, conversation_id, Owner(row.owner), move, values, held_by=row.agent_id
            )
            conversation = to_conversation(row)
            event = await append_event(session, conversation_id, "owner", owner_data(conversation))
        return Moved(conversation, [event])

    async def _end(
        self, conversation_id: str, agent_id: str, move: Move, outcome: str, note: str | None
    ) -> Moved:
        async with self._sessions.begin() as session:
            await load_agent(session, agent_id)
            row = await load_conversation(session, conversation_id)
            if row.owner == Owner.ASSIGNED.value and row.agent_id != agent_id:
                raise NotOwner(conversation_id, agent_id)
            now = utcnow()
            values = {"agent_id": None, "queued_at": None, "updated_at": now}
            row = await write_move(
                session, conversation_id, Owner(row.owner), move, values, held_by=row.agent_id
            )
            conversation = to_conversation(row)
            handoff = await self._open_handoff(session, conversation_id)
            if handoff is not None:
                handoff.ended_at, handoff.outcome, handoff.resolution_note = now, outcome, note
            data = owner_data(conversation) | {"outcome": outcome, "by": agent_id}
            event = await append_event(session, conversation_id, "owner", data)
        return Moved(conversation, [event])

    async def _open_handoff(self, session: AsyncSession, conversation_id: str) -> HandoffRow | None:
        return await session.scalar(
            select(HandoffRow)
            .where(HandoffRow.conversation_id == conversation_id, HandoffRow.ended_at.is_(None))
            .order_by(HandoffRow.id.desc())
            .limit(1)
        )

    async def _position(self, session: AsyncSession, conversation: Conversation) -> int:
        ahead = await session.scalars(
            select(ConversationRow).where(
                ConversationRow.owner == Owner.QUEUED.value,
                ConversationRow.queue == conversation.queue,
                ConversationRow.id != conversation.id,
            )
        )
        queued_at = conversation.queued_at or datetime.max
        return 1 + sum(
            1
            for r in ahead
            if (r.priority or 0) > conversation.priority
            or (
                (r.priority or 0) == conversation.priority
                and (r.queued_at or queued_at) <= queued_at
            )
        )

    async def _estimate(self, session: AsyncSession, queue: str, position: int) -> int:
        """Seconds until an agent picks this up: recent median wait in this queue times position."""
        rows = await session.execute(
            select(HandoffRow.created_at, HandoffRow.assigned_at)
            .where(HandoffRow.queue == queue, HandoffRow.assigned_at.is_not(None))
            .order_by(HandoffRow.assigned_at.desc())
            .limit(self.settings.wait_sample)
        )
        waits = [(done - asked).total_seconds() for asked, done in rows if done is not None]
        per_customer = statistics.median(waits) if waits else self.settings.default_wait_seconds
        return round(per_customer * position)


async def write_move(
    session: AsyncSession,
    conversation_id: str,
    current: Owner,
    move: Move,
    values: dict[str, Any],
    *,
    held_by: str | None = None,
) -> ConversationRow:
    """The one writer of a conversation's owner; returns the conversation as written.

    The new owner is what ``transition`` makes of ``current`` by ``move``; it is written, with
    the other columns of the move (``values``), only if the owner is still ``current`` (and,
    for an assigned conversation, the agent still ``held_by``). Raises ``IllegalTransition`` if
    the table forbids the move, ``ClaimConflict`` if another move came first.
    """
    owner = transition(current, move)
    query = update(ConversationRow).where(
        ConversationRow.id == conversation_id, ConversationRow.owner == current.value
    )
    if current is Owner.ASSIGNED:
        query = query.where(ConversationRow.agent_id == held_by)
    row = await session.scalar(
        query.values(**values, owner=owner.value)
        .returning(ConversationRow)
        .execution_options(populate_existing=True)
    )
    if row is None:
        latest = await load_conversation(session, conversation_id)
        raise ClaimConflict(conversation_id, latest.owner, latest.agent_id)
    return row


def _with_load(agent: Agent, load: int) -> Agent:
    return dataclasses.replace(agent, load=load)


def _waiting_for(queue: str, language: str | None, available: list[Agent]) -> str | None:
    """Why a queued conversation is not offered to anyone, when its language is the reason."""
    if language is None:
        return None
    if any(queue in a.skills and a.speaks(language) for a in available):
        return None
    return WAITING_FOR_LANGUAGE.format(language=language)

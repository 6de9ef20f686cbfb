"""The handoff HTTP API the agent console uses: queues, claim, reply, transfer, resolve, hand back.

Agents authenticate with their API token (``baton agent add`` prints it); every action is
taken as that agent, so "reply by an agent who does not own the conversation" is refused.
What an agent may see (a conversation, the queue, the event log) is ``agent_console.access``'s
rule: the queues they serve, their own conversations, those transferred to them.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from agent_console.access import (
    CurrentAgent,
    CurrentDeskUser,
    ReadableConversation,
    Seen,
    Visibility,
    may_read,
    refusals,
)
from gateway.errors import UnknownSuggestion
from gateway.services import Services, ServicesDep
from handoff.desk import Moved
from handoff.ownership import Owner
from handoff.packet import Packet
from handoff.records import Agent, Conversation, Identity, Presence, Waiting
from handoff.wire import MessageOut, message_out


class AgentOut(TypedDict):
    id: str
    name: str
    skills: list[str]  # queues served
    languages: list[str]  # languages spoken; empty: any
    capacity: int
    presence: str  # "available" | "busy" | "away"
    load: int  # conversations assigned now


class ConversationOut(TypedDict):
    id: str
    channel: str
    owner: str  # "bot" | "queued" | "assigned" | "resolved"
    queue: str | None
    priority: int
    agent_id: str | None
    reason: str | None
    identity: Identity  # what the bot and agents learned of the customer
    queued_at: str | None
    language: str | None  # two-letter code, from the channel or detected; None while unknown


class WaitingOut(TypedDict):
    conversation_id: str
    queue: str
    priority: int
    queued_at: str
    waiting_seconds: float
    reason: str | None
    channel: str
    position: int
    language: str | None  # the conversation's language, None while unknown
    waiting_for: str | None  # why nobody was given it, e.g. "no agent speaking pl is available"


class QueueOut(TypedDict):
    name: str
    title: str
    waiting: list[WaitingOut]


class ConversationDetail(TypedDict):
    conversation: ConversationOut
    packet: Packet | None  # what the bot handed over (None if it never handed off)
    transcript: list[MessageOut]


class EventOut(TypedDict):
    seq: int
    conversation_id: str
    type: str
    data: dict[str, Any]
    created_at: str


class PresenceIn(BaseModel):
    presence: Presence


class ReplyIn(BaseModel):
    # anything else (an attachment, a file, HTML parts) is refused, not dropped silently
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)
    # the AI suggestion the agent inserted before sending, if any (recorded as used or edited)
    # a row id: within the database's 32-bit integers (a larger one is a 422, not a 500)
    suggestion_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_agent: str | None = None
    to_queue: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> TransferIn:
        if (self.to_agent is None) == (self.to_queue is None):
            raise ValueError("give exactly one of to_agent or to_queue")
        return self


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=4000)


def agent_out(agent: Agent) -> AgentOut:
    return {
        "id": agent.id,
        "name": agent.name,
        "skills": agent.skills,
        "languages": agent.languages,
        "capacity": agent.capacity,
        "presence": agent.presence.value,
        "load": agent.load,
    }


def conversation_out(conversation: Conversation) -> ConversationOut:
    return {
        "id": conversation.id,
        "channel": conversation.channel,
        "owner": conversation.owner.value,
        "queue": conversation.queue,
        "priority": conversation.priority,
        "agent_id": conversation.agent_id,
        "reason": conversation.handoff_reason,
        "identity": conversation.identity,
        "queued_at": conversation.queued_at.isoformat() if conversation.queued_at else None,
        "language": conversation.language,
    }


def waiting_out(waiting: Waiting, now: float) -> WaitingOut:
    return {
        "conversation_id": waiting.conversation_id,
        "queue": waiting.queue,
        "priority": waiting.priority,
        "queued_at": waiting.queued_at.isoformat(),
        "waiting_seconds": round(now - waiting.queued_at.timestamp(), 1),
        "reason": waiting.reason,
        "channel": waiting.channel,
        "position": waiting.position,
        "language": waiting.language,
        "waiting_for": waiting.waiting_for,
    }


async def stay_ended(services: Services, conversation_id: str, *, resolved: bool) -> None:
    """Open suggestions are ignored now; a resolved conversation's agent replies become
    suggestions for similar messages later."""
    settled = await services.workspace.settle(conversation_id, reply_id=None)
    await services.publisher.publish([settled.event])
    if resolved and services.assistant is not None:
        assistant = services.assistant
        transcript = await services.store.transcript(conversation_id)
        conversation = await services.store.get_conversation(conversation_id)
        services.background.spawn(
            assistant.remember(
                conversation_id, transcript, conversation.identity, conversation.language
            ),
            "remembering the agent's replies",
        )


def create_router() -> APIRouter:
    router = APIRouter(prefix="/api/handoff", tags=["handoff"])

    async def published(services: ServicesDep, moved: Moved) -> ConversationOut:
        await services.publisher.publish(moved.events)
        return conversation_out(moved.conversation)

    @router.get("/me")
    async def me(agent: CurrentAgent) -> AgentOut:
        return agent_out(agent)

    @router.put("/me/presence")
    async def set_presence(
        body: PresenceIn, agent: CurrentAgent, services: ServicesDep
    ) -> AgentOut:
        updated, event = await services.agents.set_presence(agent.id, body.presence)
        await services.publisher.publish([event])
        if updated.presence is Presence.AVAILABLE:
            await services.escalation.push()
            updated = await services.agents.get(agent.id)
        return agent_out(updated)

    @router.get("/agents")
    async def agents(_: CurrentAgent, services: ServicesDep) -> list[AgentOut]:
        return [agent_out(a) for a in await services.agents.all()]

    @router.get("/queues")
    async def queues(user: CurrentDeskUser, services: ServicesDep) -> list[QueueOut]:
        """Every queue, with the conversations waiting in it that the agent may see."""
        now = time.time()
        waiting = await services.desk.waiting()
        hidden = await refusals(
            services,
            user,
            (Seen(w.conversation_id, Owner.QUEUED.value, w.queue, None) for w in waiting),
        )
        waiting = [w for w in waiting if w.conversation_id not in hidden]
        return [
            {
                "name": name,
                "title": title,
                "waiting": [waiting_out(w, now) for w in waiting if w.queue == name],
            }
            for name, title in await services.desk.queue_names()
        ]

    @router.post("/pick", response_model=None)
    async def pick(agent: CurrentAgent, services: ServicesDep) -> ConversationOut | Response:
        moved = await services.desk.pick_next(agent.id)
        if moved is None:
            return Response(status_code=204)
        return await published(services, moved)

    @router.get("/conversations/{conversation_id}")
    async def conversation(
        conversation_id: str, current: ReadableConversation, services: ServicesDep
    ) -> ConversationDetail:
        return {
            "conversation": conversation_out(current),
            "packet": await services.desk.packet(conversation_id),
            "transcript": [
                message_out(m) for m in await services.store.transcript(conversation_id)
            ],
        }

    @router.post("/conversations/{conversation_id}/claim")
    async def claim(
        conversation_id: str, _: ReadableConversation, agent: CurrentAgent, services: ServicesDep
    ) -> ConversationOut:
        """Take a waiting conversation (one the agent may see: of a queue they serve)."""
        return await published(services, await services.desk.claim(conversation_id, agent.id))

    @router.post("/conversations/{conversation_id}/messages")
    async def reply(
        conversation_id: str, body: ReplyIn, agent: CurrentAgent, services: ServicesDep
    ) -> MessageOut:
        if body.suggestion_id is not None and not await services.workspace.has_suggestion(
            conversation_id, body.suggestion_id
        ):
            raise UnknownSuggestion()
        stored = await services.desk.reply(
            conversation_id, agent.id, body.text, agent_name=agent.name
        )
        # the customer sees the reply now; what became of the suggestions follows
        await services.publisher.publish([stored.event])
        settled = await services.workspace.settle(
            conversation_id,
            reply_id=stored.message.id,
            sent=body.text,
            suggestion_id=body.suggestion_id,
        )
        await services.publisher.publish([settled.event])
        return message_out(stored.message)

    @router.post("/conversations/{conversation_id}/transfer")
    async def transfer(
        conversation_id: str, body: TransferIn, agent: CurrentAgent, services: ServicesDep
    ) -> ConversationOut:
        if body.to_agent is not None:
            moved = await services.desk.transfer_to_agent(conversation_id, agent.id, body.to_agent)
        else:
            queue = body.to_queue or ""  # TransferIn guarantees one of the two
            moved = await services.desk.transfer_to_queue(conversation_id, agent.id, queue)
        result = await published(services, moved)
        await services.escalation.push()
        return result

    @router.post("/conversations/{conversation_id}/resolve")
    async def resolve(
        conversation_id: str,
        body: ResolveIn,
        _: ReadableConversation,
        agent: CurrentAgent,
        services: ServicesDep,
    ) -> ConversationOut:
        result = await published(
            services, await services.desk.resolve(conversation_id, agent.id, body.note)
        )
        await stay_ended(services, conversation_id, resolved=True)
        if services.survey is not None:  # the customer rates the help they got
            await services.survey.after_resolve(conversation_id, agent.id)
        await services.escalation.push()
        return result

    @router.post("/conversations/{conversation_id}/hand-back")
    async def hand_back(
        conversation_id: str, _: ReadableConversation, agent: CurrentAgent, services: ServicesDep
    ) -> ConversationOut:
        moved = await services.desk.hand_back(conversation_id, agent.id)
        result = await published(services, moved)
        await stay_ended(services, conversation_id, resolved=False)
        await services.escalation.resume_bot(moved.conversation)
        await services.escalation.push()
        return result

    @router.get("/events")
    async def events(
        user: CurrentDeskUser,
        services: ServicesDep,
        after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,  # a 32-bit event number
        conversation_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    ) -> list[EventOut]:
        """Catch up after a reconnect: every logged event numbered above ``after`` that the
        agent may see (the desk websocket's rule)."""
        if conversation_id:
            refused = await may_read(
                services, user, await services.store.get_conversation(conversation_id)
            )
            if refused is not None:
                raise refused
        found = await services.store.events.since(
            after, conversation_id=conversation_id, limit=limit
        )
        visibility = Visibility(services, user)
        await visibility.learn({e.conversation_id for e in found})
        found = [e for e in found if await visibility.admits(e.wire())]
        return [
            {
                "seq": e.seq,
                "conversation_id": e.conversation_id,
                "type": e.type,
                "data": e.data,
                "created_at": e.created_at.isoformat(),
            }
            for e in found
        ]

    return router

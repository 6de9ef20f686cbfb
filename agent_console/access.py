"""Who is calling the desk, and what they may see.

Who: an agent's API token, or a console session cookie. The cookie is ``HttpOnly``,
``SameSite=Strict`` and (by default) ``Secure``; on top of that, a request that changes
something with a cookie must come from the console's own origin, and so must a websocket
that opens with one.

What — the one rule every route, the event catch-up and the desk websocket apply
(:func:`judge`):

- a supervisor sees every conversation;
- an agent sees the conversations of the queues they serve, the ones they own, and the ones
  they have held (claimed, been given, or had transferred to them), also after they ended
  or moved on to another queue;
- a knowledge owner does not use the desk at all: they see the messages the review inbox
  shows them (``agent_console.review``);
- a refusal is a 403 ``conversation_forbidden`` (or ``wrong_role``) whose body names the
  reason.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Header
from starlette.requests import HTTPConnection

from agent_console.auth import DESK_ROLES, Role, User
from connectors.webchat.tokens import bearer
from gateway.errors import (
    ConversationForbidden,
    ForeignOrigin,
    InvalidSession,
    InvalidToken,
    WrongRole,
)
from gateway.services import Services, ServicesDep
from handoff.errors import AgentNotFound
from handoff.events import DESK
from handoff.ownership import Owner
from handoff.records import Agent, Conversation

SESSION_COOKIE = "baton_session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def same_origin(connection: HTTPConnection, allowed: list[str]) -> bool:
    """Whether the request's Origin is the console's own (its Host) or an allowed one."""
    origin = connection.headers.get("origin")
    if not origin:
        return False
    origin = origin.rstrip("/")
    if origin in {a.rstrip("/") for a in allowed}:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc == connection.headers.get("host")


async def session_user(connection: HTTPConnection, services: ServicesDep) -> User | None:
    """The signed-in console user, or None (no cookie, or a forged or expired one)."""
    return await services.users.by_session(connection.cookies.get(SESSION_COOKIE, ""))


# -- who -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeskUser:
    """Someone at the desk: their agent record and their console role (an API token whose
    agent has no console user acts as an agent)."""

    agent: Agent
    role: Role

    @property
    def sees_all(self) -> bool:
        return self.role is Role.SUPERVISOR


async def desk_user(services: Services, user: User | None) -> DeskUser:
    """The desk user of a console session; raises ``InvalidSession`` or ``WrongRole``."""
    if user is None:
        raise InvalidSession("The session is missing, unknown or expired: sign in again.")
    if user.role not in DESK_ROLES:
        raise WrongRole(f"The {user.role.value} role does not take conversations.")
    try:
        return DeskUser(await services.agents.get(user.id), user.role)
    except AgentNotFound:
        raise WrongRole(
            f"{user.id} has no agent record (create it with `baton user add`)."
        ) from None


async def token_user(services: Services, token: str) -> DeskUser:
    """The desk user of an agent API token; raises ``InvalidToken`` or ``WrongRole``."""
    agent = await services.agents.by_token(token)
    if agent is None:
        raise InvalidToken("The agent token is missing or unknown.")
    user = await services.users.get(agent.id)
    if user is None:
        return DeskUser(agent, Role.AGENT)
    if user.role not in DESK_ROLES:
        raise WrongRole(f"The {user.role.value} role does not take conversations.")
    return DeskUser(agent, user.role)


async def current_desk_user(
    connection: HTTPConnection,
    services: ServicesDep,
    authorization: Annotated[str | None, Header()] = None,
) -> DeskUser:
    """The desk user acting: by API token (scripts, integrations) or by console session."""
    token = bearer(authorization)
    if token:
        return await token_user(services, token)
    if SESSION_COOKIE not in connection.cookies:
        raise InvalidToken("The agent token is missing or unknown.")
    method = connection.scope.get("method", "GET")  # websockets have none: checked on open
    if method not in _SAFE_METHODS and not same_origin(
        connection, services.settings.console_allowed_origins
    ):
        raise ForeignOrigin("Requests with a console session must come from the console.")
    return await desk_user(services, await session_user(connection, services))


CurrentDeskUser = Annotated[DeskUser, Depends(current_desk_user)]


async def current_agent(user: CurrentDeskUser) -> Agent:
    """The agent acting (see ``current_desk_user``)."""
    return user.agent


CurrentAgent = Annotated[Agent, Depends(current_agent)]


# -- what ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seen:
    """What the rule needs to know of a conversation."""

    id: str
    owner: str  # an Owner value
    queue: str | None
    agent_id: str | None

    @classmethod
    def of(cls, conversation: Conversation) -> Seen:
        return cls(
            conversation.id, conversation.owner.value, conversation.queue, conversation.agent_id
        )


def judge(user: DeskUser, seen: Seen, *, held: bool) -> ConversationForbidden | None:
    """The rule (the module's docstring): None when ``user`` may see the conversation, else
    the refusal. ``held``: the user's agent has held it (claimed, given, transferred)."""
    if user.sees_all or held:
        return None
    if seen.owner == Owner.ASSIGNED.value and seen.agent_id == user.agent.id:
        return None
    if seen.queue is None:
        return ConversationForbidden("not_handed_off")
    if seen.queue in user.agent.skills:
        return None
    return ConversationForbidden("queue_not_served", queue=seen.queue)


async def refusals(
    services: Services, user: DeskUser, seen: Iterable[Seen]
) -> dict[str, ConversationForbidden]:
    """The refusal of each conversation ``user`` may not see (those absent: allowed), with
    one query for all those the quick checks refuse."""
    refused = {s.id: r for s in seen if (r := judge(user, s, held=False)) is not None}
    if refused:
        held = await services.store.held_by(user.agent.id, refused)
        refused = {i: r for i, r in refused.items() if i not in held}
    return refused


async def may_read(
    services: Services, user: DeskUser, conversation: Conversation
) -> ConversationForbidden | None:
    """None when ``user`` may see ``conversation``; else the refusal to raise."""
    return (await refusals(services, user, [Seen.of(conversation)])).get(conversation.id)


async def readable_conversation(
    conversation_id: str, user: CurrentDeskUser, services: ServicesDep
) -> Conversation:
    """The path's conversation if the desk user may see it: 404 when it does not exist,
    403 ``conversation_forbidden`` when they may not."""
    conversation = await services.store.get_conversation(conversation_id)
    refused = await may_read(services, user, conversation)
    if refused is not None:
        raise refused
    return conversation


ReadableConversation = Annotated[Conversation, Depends(readable_conversation)]


class Visibility:
    """The rule applied to a stream of desk events, in order: events of the desk itself
    (presence) pass; a conversation's pass when the user may see it — an ownership event
    also when they could see it just before (so an agent's page learns it left their queue).

    What it learnt of a conversation (from the store on first sight, then from each
    ownership event) is remembered for the ``REMEMBERED`` latest conversations.
    """

    REMEMBERED = 10_000

    def __init__(self, services: Services, user: DeskUser) -> None:
        self._services = services
        self.user = user
        self._known: OrderedDict[str, tuple[Seen, bool]] = OrderedDict()  # id -> (seen, held)

    async def learn(self, conversation_ids: Iterable[str]) -> None:
        """Read the conversations not known yet, in two queries."""
        unknown = {i for i in conversation_ids if i != DESK and i not in self._known}
        if self.user.sees_all or not unknown:
            return
        found = [Seen.of(c) for c in await self._services.store.get_conversations(unknown)]
        held = await self._services.store.held_by(self.user.agent.id, unknown)
        # an id the store lacks (erased since): nothing of it passes
        for conversation_id in unknown:
            self._remember(Seen(conversation_id, "", None, None), held=False)
        for seen in found:
            self._remember(seen, held=seen.id in held)

    async def admits(self, frame: Mapping[str, Any]) -> bool:
        """Whether the user may receive this event frame (the wire shape of an event)."""
        conversation_id = frame.get("conversation_id")
        if self.user.sees_all or not conversation_id:
            return True
        if conversation_id not in self._known:
            await self.learn([conversation_id])
        before = self._sees(conversation_id)
        if frame.get("type") != "owner":
            return before
        held = self._known[conversation_id][1]
        owner, agent_id = str(frame.get("owner") or ""), frame.get("agent_id")
        self._remember(
            Seen(conversation_id, owner, frame.get("queue"), agent_id),
            held=held or (owner == Owner.ASSIGNED.value and agent_id == self.user.agent.id),
        )
        return before or self._sees(conversation_id)

    def _sees(self, conversation_id: str) -> bool:
        seen, held = self._known[conversation_id]
        self._known.move_to_end(conversation_id)
        return bool(seen.owner) and judge(self.user, seen, held=held) is None

    def _remember(self, seen: Seen, *, held: bool) -> None:
        self._known[seen.id] = (seen, held)
        self._known.move_to_end(seen.id)
        while len(self._known) > self.REMEMBERED:
            self._known.popitem(last=False)

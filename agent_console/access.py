"""Who is calling the desk: an agent's API token, or a console session cookie.

The cookie is ``HttpOnly``, ``SameSite=Strict`` and (by default) ``Secure``; on top of that,
a request that changes something with a cookie must come from the console's own origin,
and so must a websocket that opens with one.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Header
from starlette.requests import HTTPConnection

from agent_console.auth import DESK_ROLES, User
from connectors.webchat.tokens import bearer
from gateway.errors import ForeignOrigin, InvalidSession, InvalidToken, WrongRole
from gateway.services import ServicesDep
from handoff.errors import AgentNotFound
from handoff.records import Agent

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


async def current_agent(
    connection: HTTPConnection,
    services: ServicesDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Agent:
    """The agent acting: by API token (scripts, integrations) or by console session."""
    token = bearer(authorization)
    if token:
        agent = await services.agents.by_token(token)
        if agent is None:
            raise InvalidToken("The agent token is missing or unknown.")
        return agent
    if SESSION_COOKIE not in connection.cookies:
        raise InvalidToken("The agent token is missing or unknown.")
    method = connection.scope.get("method", "GET")  # websockets have none: checked on open
    if method not in _SAFE_METHODS and not same_origin(
        connection, services.settings.console_allowed_origins
    ):
        raise ForeignOrigin("Requests with a console session must come from the console.")
    user = await session_user(connection, services)
    return await desk_agent(services, user)


async def desk_agent(services: ServicesDep, user: User | None) -> Agent:
    if user is None:
        raise InvalidSession("The session is missing, unknown or expired: sign in again.")
    if user.role not in DESK_ROLES:
        raise WrongRole(f"The {user.role.value} role does not take conversations.")
    try:
        return await services.agents.get(user.id)
    except AgentNotFound:
        raise WrongRole(
            f"{user.id} has no agent record (create it with `baton user add`)."
        ) from None


CurrentAgent = Annotated[Agent, Depends(current_agent)]

"""Supervisors' data-protection API: a person's data exported as JSON, or erased.

``POST /api/supervisor/customers/export`` and ``POST /api/supervisor/customers/erase``
with ``{"customer": ID}``, where ID is a conversation id, an e-mail address, a phone
number or a channel user id (:func:`handoff.privacy.parse_subject`). The ID travels in
the body, never in the path or the query: those are written to access logs. Supervisors
only: a console session (from the console's own origin) or the API token of an agent
whose console role is supervisor. The same work as ``baton customer export|erase``; what
is kept, exported and erased is in docs/privacy.md.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from agent_console.access import SESSION_COOKIE, same_origin, session_user
from agent_console.auth import Role, User
from connectors.webchat.tokens import bearer
from gateway import texts
from gateway.background import Background
from gateway.errors import (
    ForeignOrigin,
    GatewayError,
    InvalidRequest,
    InvalidSession,
    InvalidToken,
    WrongRole,
)
from gateway.services import ServicesDep
from gateway.settings import GatewaySettings
from handoff import privacy, rasa_tracker, retention
from handoff.rasa_tracker import TrackerStore

log = logging.getLogger(__name__)


class CustomerWithAPerson(GatewayError):
    status, code = 409, "customer_with_a_person"

    def __init__(self, count: int) -> None:
        super().__init__(texts.ERRORS[self.code].format(count=count))


class CustomerRequest(BaseModel):
    customer: str = Field(
        min_length=1,
        max_length=400,
        description="A conversation id, an e-mail address, a phone number, or a channel user"
        " id: telegram:<chat id>, slack:<user id>, webchat:<visitor>",
    )


class TrackerStoreOut(TypedDict):
    kind: str  # sql | in_memory | unsupported | missing
    note: str  # where it is, or why nothing could be read or erased there


class ErasureOut(TypedDict):
    id: int
    kind: str  # request | retention
    subject_kind: str | None  # email | phone | conversation | channel_user
    requested_by: str
    requested_at: str  # ISO 8601, UTC
    counts: dict[str, int]  # item kind -> how many were erased


class CustomerExport(TypedDict):
    schema: str  # "baton.customer-export"
    schema_version: int
    exported_at: str
    subject: dict[str, str | None]  # the kind of ID asked for (never the ID)
    conversations: list[dict[str, Any]]  # each with its messages, identity, notes, …
    inbox: list[dict[str, Any]]  # platform deliveries from the person's chats
    outbox: list[dict[str, Any]]  # sends to them not yet cleaned up
    rasa_tracker_store: TrackerStoreOut
    logs: str
    erasures: list[ErasureOut]  # erasures already done for the same ID


class CustomerErased(TypedDict):
    erasure: ErasureOut
    rasa_tracker_store: TrackerStoreOut


def tracker_of(settings: GatewaySettings) -> TrackerStore:
    """Rasa's tracker store, as the endpoints file Rasa is started with configures it."""
    return rasa_tracker.configured(settings.project_dir, settings.rasa_endpoints)


def schedule_retention(
    settings: GatewaySettings,
    sessions: async_sessionmaker[AsyncSession],
    background: Background,
) -> None:
    """Erase conversations past ``retention_days`` every ``retention_interval_minutes``."""
    days = settings.retention_days
    if days is None:
        return
    every = timedelta(minutes=settings.retention_interval_minutes)

    async def one_round() -> None:
        record = await retention.apply_retention(
            sessions, days, tracker=tracker_of(settings), redis_url=settings.redis_url, every=every
        )
        if record is not None:
            log.info("retention run %s: %s", record["id"], record["counts"])

    background.every(every.total_seconds(), one_round, "erasing conversations past retention")


async def current_supervisor(
    connection: HTTPConnection,
    services: ServicesDep,
    authorization: Annotated[str | None, Header()] = None,
) -> User:
    """A supervisor: by console session, or by the agent token of a supervisor."""
    token = bearer(authorization)
    if token:
        agent = await services.agents.by_token(token)
        if agent is None:
            raise InvalidToken("The agent token is missing or unknown.")
        user = await services.users.get(agent.id)
    elif SESSION_COOKIE in connection.cookies:
        method = connection.scope.get("method", "GET")
        if method not in ("GET", "HEAD", "OPTIONS") and not same_origin(
            connection, services.settings.console_allowed_origins
        ):
            raise ForeignOrigin("Requests with a console session must come from the console.")
        user = await session_user(connection, services)
        if user is None:
            raise InvalidSession("The session is missing, unknown or expired: sign in again.")
    else:
        raise InvalidSession("Sign in as a supervisor, or send a supervisor's agent token.")
    if user is None or user.role is not Role.SUPERVISOR:
        role = user.role.value if user is not None else "agent"
        raise WrongRole(f"The {role} role cannot export or erase customers' data.")
    return user


Supervisor = Annotated[User, Depends(current_supervisor)]


def _subject(customer_id: str) -> privacy.Subject:
    try:
        return privacy.parse_subject(customer_id)
    except privacy.SubjectError as exc:
        raise InvalidRequest(str(exc)) from None


def create_router() -> APIRouter:
    router = APIRouter(prefix="/api/supervisor/customers", tags=["data protection"])

    @router.post("/export")
    async def export_customer(
        body: CustomerRequest, supervisor: Supervisor, services: ServicesDep
    ) -> CustomerExport:
        """Everything stored of the person, on every channel, as one JSON document."""
        subject = _subject(body.customer)
        document = await privacy.export(
            services.store.sessions, subject, tracker=tracker_of(services.settings)
        )
        log.info("customer export (%s) by %s", subject.kind, supervisor.id)
        return CustomerExport(**document)  # type: ignore[typeddict-item]

    @router.post("/erase")
    async def erase_customer(
        body: CustomerRequest, supervisor: Supervisor, services: ServicesDep
    ) -> CustomerErased:
        """Erase the person everywhere; the erasure record says how many of each kind."""
        subject = _subject(body.customer)
        try:
            erased = await privacy.erase(
                services.store.sessions,
                subject,
                requested_by=supervisor.id,
                tracker=tracker_of(services.settings),
                redis_url=services.settings.redis_url,
            )
        except privacy.WithAPerson as exc:
            raise CustomerWithAPerson(exc.count) from None
        if services.assistant is not None:
            # AI assist's in-memory copy of the remembered replies: nothing in their place
            for conversation_id in erased.conversation_ids:
                await services.assistant.remember(conversation_id, [])
        log.info("customer erasure %s by %s: %s", erased.record["id"], supervisor.id,
                 erased.record["counts"])  # fmt: skip
        return {
            "erasure": ErasureOut(**erased.record),  # type: ignore[typeddict-item]
            "rasa_tracker_store": {"kind": erased.tracker.kind, "note": erased.tracker.note},
        }

    return router

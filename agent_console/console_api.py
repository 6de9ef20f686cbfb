"""What the agent console adds to the handoff API: notes, identity and language edits,
typing, canned responses, the AI's suggestions and the customer's earlier conversations."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from agent_console.access import CurrentAgent, ReadableConversation
from agent_console.canned import CannedOut
from agent_console.handoff_api import ConversationOut, conversation_out
from agent_console.workspace import EarlierConversation, NoteOut, SuggestionOut
from gateway.errors import LanguageNotServed
from gateway.services import Services, ServicesDep
from handoff.errors import NotOwner
from handoff.language import served
from handoff.ownership import Owner
from handoff.records import Agent, Identity, as_identity

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class NoteIn(BaseModel):
    # anything else (an attachment, a file, HTML parts) is refused, not dropped silently
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)


class TypingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: bool


class IdentityIn(BaseModel):
    """Fields to set; those left out (or empty) keep their value."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=128)
    email: str | None = Field(default=None, max_length=320)
    order_number: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=32)

    @field_validator("name", "email", "order_number", "phone")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() if value is not None else None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value and not _EMAIL.match(value):
            raise ValueError("not an email address")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value and sum(ch.isdigit() for ch in value) < 6:
            raise ValueError("a phone number needs at least 6 digits")
        return value


class IdentityOut(TypedDict):
    identity: Identity


class LanguageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: str = Field(min_length=2, max_length=35, description="one the assistant serves")


class LanguageOut(TypedDict):
    language: str  # the conversation's language now (two letters)
    languages: list[str]  # the languages the assistant serves, its default first


async def require_owner(services: Services, conversation_id: str, agent: Agent) -> None:
    """Only the agent who owns a conversation may act in it."""
    conversation = await services.store.get_conversation(conversation_id)
    if conversation.owner is not Owner.ASSIGNED or conversation.agent_id != agent.id:
        raise NotOwner(conversation_id, agent.id)


def create_router() -> APIRouter:
    router = APIRouter(prefix="/api/handoff", tags=["console"])

    @router.get("/mine")
    async def mine(agent: CurrentAgent, services: ServicesDep) -> list[ConversationOut]:
        """The conversations this agent owns now (the console reopens them after a reload)."""
        return [conversation_out(c) for c in await services.store.assigned_to(agent.id)]

    @router.get("/canned")
    async def canned(
        _: CurrentAgent,
        services: ServicesDep,
        q: Annotated[str, Query(max_length=200)] = "",
        language: Annotated[
            str | None,
            Query(pattern=r"^[a-z]{2,3}$", description="only the replies in this language"),
        ] = None,
    ) -> list[CannedOut]:
        return services.canned.search(q, language=language)

    @router.get("/conversations/{conversation_id}/notes")
    async def notes(
        conversation_id: str, _: ReadableConversation, services: ServicesDep
    ) -> list[NoteOut]:
        return await services.workspace.notes(conversation_id)

    @router.post("/conversations/{conversation_id}/notes", status_code=201)
    async def add_note(
        conversation_id: str, body: NoteIn, agent: CurrentAgent, services: ServicesDep
    ) -> NoteOut:
        """An internal note: colleagues see it, the customer never does."""
        await require_owner(services, conversation_id, agent)
        note, event = await services.workspace.add_note(
            conversation_id, agent.id, agent.name, body.text
        )
        await services.publisher.publish([event])
        return note

    @router.put("/conversations/{conversation_id}/identity")
    async def edit_identity(
        conversation_id: str, body: IdentityIn, agent: CurrentAgent, services: ServicesDep
    ) -> IdentityOut:
        await require_owner(services, conversation_id, agent)
        identity, event = await services.store.update_identity(
            conversation_id, as_identity(body.model_dump())
        )
        await services.publisher.publish([event])
        return {"identity": identity}

    @router.put("/conversations/{conversation_id}/language")
    async def set_language(
        conversation_id: str, body: LanguageIn, agent: CurrentAgent, services: ServicesDep
    ) -> LanguageOut:
        """The owning agent corrects the conversation's language (one the assistant serves)."""
        await require_owner(services, conversation_id, agent)
        languages = services.project.contract.languages
        language = served(body.language, languages)
        if language is None:
            raise LanguageNotServed(body.language, languages)
        result = await services.store.set_language(conversation_id, language)
        if result is not None:
            await services.publisher.publish([result[1]])
        return {"language": language, "languages": list(languages)}

    @router.post("/conversations/{conversation_id}/typing", status_code=204)
    async def typing(
        conversation_id: str, body: TypingIn, agent: CurrentAgent, services: ServicesDep
    ) -> None:
        await require_owner(services, conversation_id, agent)
        await services.publisher.agent_typing(conversation_id, agent.name, on=body.on)

    @router.get("/conversations/{conversation_id}/suggestions")
    async def suggestions(
        conversation_id: str, _: ReadableConversation, services: ServicesDep
    ) -> list[SuggestionOut]:
        return await services.workspace.suggestions(conversation_id)

    @router.get("/conversations/{conversation_id}/history")
    async def history(
        conversation_id: str,
        _: ReadableConversation,
        services: ServicesDep,
    ) -> list[EarlierConversation]:
        """The customer's earlier conversations on every channel, matched by email or phone.
        Whoever may read this conversation sees them all, those the bot kept included: the
        person being served must not have to tell their story again."""
        return await services.workspace.earlier_conversations(conversation_id)

    return router

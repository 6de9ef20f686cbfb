"""The web channel's REST API, used by scripts, tests and the widget's first call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, Field
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from connectors.base import CleanStr, Inbound
from connectors.webchat.tokens import bearer, hash_token, issue_token
from gateway.errors import InvalidToken, LanguageNotServed
from gateway.limits import new_conversation_allowed, per_address, per_conversation
from gateway.services import ServicesDep
from handoff.language import served
from handoff.records import Conversation
from handoff.wire import MessageOut, message_out

CHANNEL = "web"


class ConversationCreated(TypedDict):
    id: str  # the conversation id
    token: str  # the bearer token that authorises this conversation; keep it secret


class NewConversation(BaseModel):
    language: CleanStr | None = Field(
        default=None,
        max_length=35,
        description="The customer's language as a BCP 47 tag (the browser's navigator.language"
        " or the page's option); kept when the assistant serves it, else detected",
    )


class ChosenLanguage(BaseModel):
    language: CleanStr = Field(
        max_length=35, description="A language the assistant serves (two letters or a BCP 47 tag)"
    )


class LanguageSet(TypedDict):
    language: str  # the conversation's language now


class SendMessage(BaseModel):
    # CleanStr: a lone surrogate in the JSON body is stored as U+FFFD (connectors.base)
    text: CleanStr = Field(description="What the customer wrote (or a clicked button's title)")
    payload: CleanStr | None = Field(default=None, max_length=1024, description="A button payload")
    client_id: CleanStr | None = Field(
        default=None, min_length=1, max_length=64, description="Idempotency key for retries"
    )


class MessageSent(TypedDict):
    message: MessageOut  # the stored customer message
    replies: list[MessageOut]  # what the bot answered (empty while a human owns it)
    duplicate: bool  # true when client_id had already been delivered


class Transcript(TypedDict):
    id: str
    channel: str
    owner: str  # "bot" | "queued" | "assigned" | "resolved"
    handoff_reason: str | None
    language: str | None  # the conversation's language (two letters), None while unknown
    created_at: str
    messages: list[MessageOut]  # oldest first, customer messages with their NLU trail


async def authorised_conversation(
    conversation_id: str,
    services: ServicesDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Conversation:
    """The conversation in the path, if the bearer token is the one issued for it."""
    token = bearer(authorization)
    if token is None:
        raise InvalidToken()
    conversation = await services.store.find_by_token_hash(hash_token(token))
    if conversation is None or conversation.id != conversation_id:
        raise InvalidToken()
    return conversation


AuthorisedConversation = Annotated[Conversation, Depends(authorised_conversation)]


def create_router() -> APIRouter:
    router = APIRouter(prefix="/api/conversations", tags=["web chat"])

    @router.post("", status_code=201, dependencies=[Depends(new_conversation_allowed)])
    async def create_conversation(
        services: ServicesDep, body: NewConversation | None = None
    ) -> ConversationCreated:
        token, token_hash = issue_token()
        hint = body.language if body is not None else None
        language = served(hint, services.project.contract.languages)
        conversation = await services.store.create_conversation(
            CHANNEL, token_hash=token_hash, language=language
        )
        return {"id": conversation.id, "token": token}

    @router.post("/{conversation_id}/messages")
    async def send_message(
        body: SendMessage,
        conversation: AuthorisedConversation,
        services: ServicesDep,
        request: Request,
    ) -> MessageSent:
        # before the intake: a refused message is not stored (429, the client sends it again)
        await per_address(request, "messages_per_address")
        await per_conversation(request, "messages_per_conversation", conversation.id)
        delivery = await services.intake.receive(
            Inbound(
                conversation_id=conversation.id,
                channel=CHANNEL,
                text=body.text,
                payload=body.payload,
                client_id=body.client_id,
            )
        )
        return {
            "message": message_out(delivery.message),
            "replies": [message_out(m) for m in delivery.replies],
            "duplicate": delivery.duplicate,
        }

    @router.put("/{conversation_id}/language")
    async def set_language(
        body: ChosenLanguage, conversation: AuthorisedConversation, services: ServicesDep
    ) -> LanguageSet:
        """The customer chose a language (the widget's menu): the bot and Baton answer in it
        from the next message on; the agent sees the change."""
        served_languages = services.project.contract.languages
        language = served(body.language, served_languages)
        if language is None:
            raise LanguageNotServed(body.language, served_languages)
        result = await services.store.set_language(conversation.id, language)
        if result is not None:
            await services.publisher.publish([result[1]])
        return {"language": language}

    @router.get("/{conversation_id}")
    async def get_transcript(
        conversation: AuthorisedConversation, services: ServicesDep
    ) -> Transcript:
        current = await services.store.get_conversation(conversation.id)
        messages = await services.store.transcript(conversation.id)
        return {
            "id": current.id,
            "channel": current.channel,
            "owner": current.owner.value,
            "handoff_reason": current.handoff_reason,
            "language": current.language,
            "created_at": current.created_at.isoformat(),
            "messages": [message_out(m) for m in messages],
        }

    return router

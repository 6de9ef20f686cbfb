"""The widget's websocket: history on connect, every conversation event live, frames in.

A bad frame gets an error frame and the connection stays open; only a missing or
unknown token closes it (code 4401), a disallowed Origin is refused (4403), and a socket
over its rate limit gets an error frame with ``retry_after`` and is closed (4429).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from connectors.base import Inbound
from connectors.webchat.frames import PingFrame, TypingFrame, parse_frame
from connectors.webchat.tokens import hash_token
from gateway import texts
from gateway.bus import Event
from gateway.errors import GatewayError, RateLimited
from gateway.limits import per_address, per_conversation
from gateway.services import Services, ServicesDep
from gateway.wire import error_event
from handoff.records import Conversation
from handoff.wire import message_out

log = logging.getLogger(__name__)

CHANNEL = "web"
CLOSE_INVALID_TOKEN = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_RATE_LIMITED = 4429


def origin_allowed(origin: str | None, allowed: list[str]) -> bool:
    if "*" in allowed:
        return True
    return origin is not None and origin.rstrip("/") in {a.rstrip("/") for a in allowed}


def customer_frame(event: Event) -> Event | None:
    """What the customer's widget may see of a conversation event (nothing internal)."""
    kind = event.get("type")
    if kind == "message" and not event["message"].get("internal"):
        return {"type": "message", "seq": event.get("seq"), "message": event["message"]}
    if kind == "typing":
        return event
    if kind == "owner":
        return {"type": "owner", "owner": event["owner"], "agent_name": event.get("agent_name")}
    if kind == "language":
        # the widget's own words follow the conversation's language
        return {"type": "language", "language": event.get("language")}
    return None


async def _forward(websocket: WebSocket, queue: asyncio.Queue[Event]) -> None:
    while True:
        frame = customer_frame(await queue.get())
        if frame is not None:
            await websocket.send_json(frame)


async def _serve(websocket: WebSocket, services: Services, conversation: Conversation) -> None:
    async with services.bus.subscribe(conversation.id) as queue:
        # subscribe first, then read the history: nothing falls between the two
        history = await services.store.transcript(conversation.id)
        current = await services.store.get_conversation(conversation.id)
        await websocket.send_json(
            {
                "type": "ready",
                "conversation_id": conversation.id,
                "owner": current.owner.value,
                "language": current.language,
                "messages": [message_out(m) for m in history],
            }
        )
        forward = asyncio.create_task(_forward(websocket, queue))
        try:
            while True:
                raw = await websocket.receive()
                if raw["type"] == "websocket.disconnect":
                    return
                await _handle(websocket, services, conversation, raw)
        finally:
            forward.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await forward


async def _handle(
    websocket: WebSocket, services: Services, conversation: Conversation, raw: Mapping[str, Any]
) -> None:
    client_id = None
    try:
        frame = parse_frame(raw)
        if isinstance(frame, PingFrame):
            await websocket.send_json({"type": "pong"})
            return
        if isinstance(frame, TypingFrame):
            await services.intake.customer_typing(conversation.id, on=frame.on)
            return
        client_id = frame.client_id
        # before the intake: a refused message is not stored, the error frame says so
        await per_address(websocket, "messages_per_address")
        await per_conversation(websocket, "messages_per_conversation", conversation.id)
        await services.intake.receive(
            Inbound(
                conversation_id=conversation.id,
                channel=CHANNEL,
                text=frame.text,
                payload=frame.payload,
                client_id=frame.client_id,
            )
        )
    except GatewayError as exc:
        await websocket.send_json(_error_frame(exc, client_id))


def _error_frame(exc: GatewayError, client_id: str | None = None) -> dict[str, Any]:
    frame = error_event(exc.code, exc.message, client_id)
    if isinstance(exc, RateLimited):  # the widget keeps the text and says when to resend
        frame["retry_after"] = exc.retry_after
    return frame


def create_router() -> APIRouter:
    router = APIRouter()

    @router.websocket("/ws/chat")
    async def chat(websocket: WebSocket, services: ServicesDep, token: str = "") -> None:
        if not origin_allowed(
            websocket.headers.get("origin"), services.settings.webchat_allowed_origins
        ):
            await websocket.close(code=CLOSE_FORBIDDEN_ORIGIN)
            return
        conversation = await services.store.find_by_token_hash(hash_token(token)) if token else None
        await websocket.accept()
        if conversation is None:
            await websocket.send_json(error_event("invalid_token", texts.ERRORS["invalid_token"]))
            await websocket.close(code=CLOSE_INVALID_TOKEN)
            return
        try:
            await per_address(websocket, "sockets_per_address")
            await per_conversation(websocket, "sockets_per_conversation", conversation.id)
        except RateLimited as exc:  # the widget opens it again after retry_after
            await websocket.send_json(_error_frame(exc))
            await websocket.close(code=CLOSE_RATE_LIMITED)
            return
        try:
            await _serve(websocket, services, conversation)
        except WebSocketDisconnect:
            pass
        finally:
            if websocket.client_state is WebSocketState.CONNECTED:
                with contextlib.suppress(RuntimeError):
                    await websocket.close()

    return router

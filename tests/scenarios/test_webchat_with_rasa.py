"""Whole conversations through the widget's websocket, the gateway, Rasa and the action server."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from baton.processes import stop
from tests.connectors.webchat.test_socket import next_frame
from tests.scenarios.conftest import Stack

pytestmark = pytest.mark.slow


async def say(ws: ClientConnection, text: str, payload: str | None = None) -> list[dict[str, Any]]:
    """Send like the widget does; return the bot's replies (all published before typing stops).

    A conversation the bot does not own shows no typing: then nothing more arrives, and
    the quiet period ends the wait.
    """
    frame: dict[str, Any] = {"type": "message", "text": text, "client_id": uuid.uuid4().hex}
    if payload:
        frame["payload"] = payload
    await ws.send(json.dumps(frame))
    replies: list[dict[str, Any]] = []
    bot_typing = False
    while True:
        try:
            event = await next_frame(ws, wait=30 if bot_typing else 5)
        except TimeoutError:
            if bot_typing:
                raise
            return replies
        if event["type"] == "typing":
            bot_typing = event["on"]
            if not bot_typing:
                return replies
        elif event["type"] == "message" and event["message"]["sender"] == "bot":
            replies.append(event["message"])


async def test_where_is_my_order_is_answered_by_the_custom_action(stack: Stack) -> None:
    cid, token = await stack.new_conversation()
    async with connect(f"{stack.ws_url}?token={token}") as ws:
        assert (await next_frame(ws, "ready"))["conversation_id"] == cid
        replies = await say(ws, "where is my order 12345")
    text = " ".join(r["text"] for r in replies)
    assert "12345" in text and "on its way" in text.lower()

    transcript = (
        await stack.http.get(
            f"/api/conversations/{cid}", headers={"Authorization": f"Bearer {token}"}
        )
    ).json()
    customer = transcript["messages"][0]
    assert customer["nlu"]["intent"] == "order_status"
    assert {"entity": "order_number", "value": "12345"}.items() <= customer["nlu"]["entities"][
        0
    ].items()


async def test_greeting_buttons_can_be_clicked(stack: Stack) -> None:
    _, token = await stack.new_conversation()
    async with connect(f"{stack.ws_url}?token={token}") as ws:
        await next_frame(ws, "ready")
        greeting = await say(ws, "hello")
        buttons = [b for reply in greeting for b in reply["buttons"]]
        assert buttons, "the greeting offers quick replies"
        track = next(b for b in buttons if b["payload"].startswith("/order_status"))
        answer = await say(ws, track["title"], payload=track["payload"])
    assert "order number" in " ".join(r["text"] for r in answer).lower()


async def test_asking_for_a_human_gathers_identity_then_queues_the_conversation(
    stack: Stack,
) -> None:
    cid, token = await stack.new_conversation()
    async with connect(f"{stack.ws_url}?token={token}") as ws:
        await next_frame(ws, "ready")
        await say(ws, "I want to talk to a human")
        await say(ws, "My name is Maria Lopez")
        await say(ws, "maria.lopez@example.com")
        await say(ws, "12345")
        silent = await say(ws, "hello? anyone there?")
    assert silent == []
    transcript = (
        await stack.http.get(
            f"/api/conversations/{cid}", headers={"Authorization": f"Bearer {token}"}
        )
    ).json()
    assert transcript["owner"] == "queued"
    assert transcript["handoff_reason"] == "customer_request"


async def test_rasa_down_gets_a_polite_reply_and_the_gateway_recovers(stack: Stack) -> None:
    cid, token = await stack.new_conversation()
    await stop(stack.running["rasa"])
    async with connect(f"{stack.ws_url}?token={token}") as ws:
        await next_frame(ws, "ready")
        down = await say(ws, "where is my order 12345")
        assert "having trouble" in down[0]["text"]
        await stack.restart("rasa")
        back = await say(ws, "where is my order 12345")
    assert "12345" in " ".join(r["text"] for r in back)
    transcript = (
        await stack.http.get(
            f"/api/conversations/{cid}", headers={"Authorization": f"Bearer {token}"}
        )
    ).json()
    customer_texts = [m["text"] for m in transcript["messages"] if m["sender"] == "customer"]
    assert customer_texts == ["where is my order 12345", "where is my order 12345"]

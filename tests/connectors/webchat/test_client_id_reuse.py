"""Idempotency that never drops text: a retry (same ``client_id``, same text) gets the
original answer; the same ``client_id`` with another text is refused with 409
``client_id_reused``, over REST and over the websocket. On SQLite and on PostgreSQL + Redis."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect

from handoff.database import create_engine
from tests.connectors.webchat.test_socket import next_frame
from tests.harness import RunningGateway, running_gateway
from tests.services import redis_url


@pytest.fixture
async def any_gateway(database_url: str, tmp_path: Path) -> AsyncIterator[RunningGateway]:
    """A gateway on SQLite, and one on PostgreSQL with Redis as its bus."""
    on_postgres = database_url.startswith("postgresql")
    redis = redis_url() if on_postgres else None
    async with running_gateway(tmp_path, database_url=database_url, redis_url=redis) as gateway:
        yield gateway
    if on_postgres:
        engine = create_engine(database_url)
        async with engine.begin() as connection:
            await connection.execute(
                text("TRUNCATE messages, events, handoffs, conversations CASCADE")
            )
        await engine.dispose()


async def _transcript(gateway: RunningGateway, cid: str, token: str) -> list[str]:
    response = await gateway.http.get(
        f"/api/conversations/{cid}", headers={"Authorization": f"Bearer {token}"}
    )
    return [m["text"] for m in response.json()["messages"]]


async def test_the_same_client_id_with_the_same_text_gets_the_original_answer(
    any_gateway: RunningGateway,
) -> None:
    cid, token = await any_gateway.new_conversation()
    auth = {"Authorization": f"Bearer {token}"}
    path = f"/api/conversations/{cid}/messages"
    first = await any_gateway.http.post(
        path, json={"text": "hello", "client_id": "m-1"}, headers=auth
    )
    # surrounding blanks are not part of a message: still the same text
    again = await any_gateway.http.post(
        path, json={"text": " hello ", "client_id": "m-1"}, headers=auth
    )
    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert again.json()["replies"] == first.json()["replies"]
    assert await _transcript(any_gateway, cid, token) == ["hello", "You said: hello"]


async def test_the_same_client_id_with_another_text_is_refused_with_409_over_rest(
    any_gateway: RunningGateway,
) -> None:
    cid, token = await any_gateway.new_conversation()
    auth = {"Authorization": f"Bearer {token}"}
    path = f"/api/conversations/{cid}/messages"
    await any_gateway.http.post(path, json={"text": "hello", "client_id": "m-1"}, headers=auth)
    reused = await any_gateway.http.post(
        path, json={"text": "my order is late", "client_id": "m-1"}, headers=auth
    )
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "client_id_reused"
    assert "client_id" in reused.json()["error"]["message"]
    # a button's payload is part of the message too
    clicked = await any_gateway.http.post(
        path, json={"text": "hello", "payload": "/greet", "client_id": "m-1"}, headers=auth
    )
    assert clicked.status_code == 409
    assert [text for _, text in any_gateway.rasa.state.received] == ["hello"]
    # with a new client_id the new text is taken
    fresh = await any_gateway.http.post(
        path, json={"text": "my order is late", "client_id": "m-2"}, headers=auth
    )
    assert fresh.status_code == 200 and fresh.json()["duplicate"] is False
    assert await _transcript(any_gateway, cid, token) == [
        "hello",
        "You said: hello",
        "my order is late",
        "You said: my order is late",
    ]


async def test_the_same_client_id_with_another_text_gets_an_error_frame_on_the_socket(
    any_gateway: RunningGateway,
) -> None:
    cid, token = await any_gateway.new_conversation()
    async with connect(f"{any_gateway.ws_url}?token={token}") as ws:
        await next_frame(ws, "ready")
        await ws.send(json.dumps({"type": "message", "text": "hello", "client_id": "w-1"}))
        assert (await next_frame(ws, "message"))["message"]["text"] == "hello"
        assert (await next_frame(ws, "message"))["message"]["text"] == "You said: hello"
        await ws.send(json.dumps({"type": "message", "text": "other", "client_id": "w-1"}))
        error = await next_frame(ws, "error")
        assert error["code"] == "client_id_reused" and error["client_id"] == "w-1"
        # the socket stays open and usable
        await ws.send(json.dumps({"type": "message", "text": "other", "client_id": "w-2"}))
        assert (await next_frame(ws, "message"))["message"]["text"] == "other"
        assert (await next_frame(ws, "message"))["message"]["text"] == "You said: other"
    assert await _transcript(any_gateway, cid, token) == [
        "hello",
        "You said: hello",
        "other",
        "You said: other",
    ]

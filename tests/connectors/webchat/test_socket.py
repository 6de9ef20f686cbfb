"""The widget's websocket against a running gateway."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.harness import RunningGateway, running_gateway


async def next_frame(
    ws: ClientConnection, kind: str | None = None, wait: float = 5
) -> dict[str, Any]:
    """The next frame (of ``kind``, skipping typing indicators and others)."""
    while True:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), wait))
        if kind is None or frame["type"] == kind:
            return frame


async def test_history_arrives_on_connect_so_a_reload_keeps_the_conversation(
    gateway: RunningGateway,
) -> None:
    cid, token = await gateway.new_conversation()
    async with connect(f"{gateway.ws_url}?token={token}") as ws:
        ready = await next_frame(ws, "ready")
        assert ready["conversation_id"] == cid and ready["messages"] == []
        await ws.send(json.dumps({"type": "message", "text": "hi", "client_id": "c1"}))
        echo = await next_frame(ws, "message")
        assert echo["message"]["sender"] == "customer" and echo["message"]["client_id"] == "c1"
        reply = await next_frame(ws, "message")
        assert reply["message"]["text"] == "Hi! How can I help?"
        assert reply["message"]["buttons"][0]["payload"] == "/order_status"

    async with connect(f"{gateway.ws_url}?token={token}") as ws:  # the page was reloaded
        ready = await next_frame(ws, "ready")
        assert [m["text"] for m in ready["messages"]] == ["hi", "Hi! How can I help?"]


async def test_the_bot_shows_typing_while_it_thinks(gateway: RunningGateway) -> None:
    _, token = await gateway.new_conversation()
    async with connect(f"{gateway.ws_url}?token={token}") as ws:
        await next_frame(ws, "ready")
        await ws.send(json.dumps({"type": "message", "text": "hello"}))
        kinds = [(await next_frame(ws))["type"] for _ in range(4)]
        assert kinds == ["message", "typing", "message", "typing"]


async def test_two_tabs_of_one_conversation_both_see_every_message(gateway: RunningGateway) -> None:
    _, token = await gateway.new_conversation()
    async with (
        connect(f"{gateway.ws_url}?token={token}") as one,
        connect(f"{gateway.ws_url}?token={token}") as two,
    ):
        await next_frame(one, "ready")
        await next_frame(two, "ready")
        await one.send(json.dumps({"type": "message", "text": "from tab one"}))
        assert (await next_frame(two, "message"))["message"]["text"] == "from tab one"
        assert (await next_frame(two, "message"))["message"]["text"] == "You said: from tab one"


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("this is not json", "invalid_json"),
        (b"\xff\xfe\x00garbage", "invalid_encoding"),
        (json.dumps({"type": "message", "text": ""}), "message_empty"),
        (json.dumps({"type": "message", "text": "x" * 100_000}), "message_too_long"),
        (json.dumps({"type": "shout", "text": "hi"}), "invalid_frame"),
        (json.dumps({"type": "message"}), "invalid_frame"),
        (json.dumps([1, 2, 3]), "invalid_frame"),
    ],
)
async def test_a_bad_frame_gets_an_error_frame_and_the_connection_stays_usable(
    gateway: RunningGateway, frame: str | bytes, code: str
) -> None:
    cid, token = await gateway.new_conversation()
    async with connect(f"{gateway.ws_url}?token={token}", max_size=None) as ws:
        await next_frame(ws, "ready")
        await ws.send(frame)
        error = await next_frame(ws)
        assert error["type"] == "error" and error["code"] == code and error["message"]
        await ws.send(json.dumps({"type": "ping"}))
        assert (await next_frame(ws))["type"] == "pong"
        await ws.send(json.dumps({"type": "message", "text": "still here", "client_id": "after"}))
        assert (await next_frame(ws, "message"))["message"]["text"] == "still here"
        assert (await next_frame(ws, "message"))["message"]["text"] == "You said: still here"
    transcript = await gateway.http.get(
        f"/api/conversations/{cid}", headers={"Authorization": f"Bearer {token}"}
    )
    assert [m["text"] for m in transcript.json()["messages"]] == [
        "still here",
        "You said: still here",
    ]


async def test_an_error_names_the_client_id_of_the_failed_message(gateway: RunningGateway) -> None:
    _, token = await gateway.new_conversation()
    async with connect(f"{gateway.ws_url}?token={token}") as ws:
        await next_frame(ws, "ready")
        await ws.send(json.dumps({"type": "message", "text": "  ", "client_id": "blank-1"}))
        error = await next_frame(ws, "error")
        assert error["client_id"] == "blank-1"


@pytest.mark.parametrize("token", ["", "forged-token-value"])
async def test_an_unknown_or_missing_token_gets_an_error_frame_and_close_4401(
    gateway: RunningGateway, token: str
) -> None:
    async with connect(f"{gateway.ws_url}?token={token}") as ws:
        error = await next_frame(ws)
        assert error["type"] == "error" and error["code"] == "invalid_token"
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_a_bad_connection_does_not_disturb_other_conversations(
    gateway: RunningGateway,
) -> None:
    _, good = await gateway.new_conversation()
    _, noisy = await gateway.new_conversation()
    async with (
        connect(f"{gateway.ws_url}?token={good}") as ws,
        connect(f"{gateway.ws_url}?token={noisy}") as bad,
    ):
        await next_frame(ws, "ready")
        await next_frame(bad, "ready")
        await bad.send(b"\xff")
        await bad.send("{")
        await ws.send(json.dumps({"type": "message", "text": "hi"}))
        assert (await next_frame(ws, "message"))["message"]["text"] == "hi"
        assert (await next_frame(ws, "message"))["message"]["text"] == "Hi! How can I help?"
        assert (await next_frame(bad, "error"))["code"] == "invalid_encoding"


async def test_origins_outside_the_allow_list_are_refused(tmp_path: Path) -> None:
    async with running_gateway(
        tmp_path, webchat_allowed_origins=["https://shop.example"]
    ) as gateway:
        _, token = await gateway.new_conversation()
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"{gateway.ws_url}?token={token}", origin="https://evil.example"):  # type: ignore[arg-type]
                pass
        assert refused.value.response.status_code == 403
        async with connect(f"{gateway.ws_url}?token={token}", origin="https://shop.example") as ws:  # type: ignore[arg-type]
            assert (await next_frame(ws))["type"] == "ready"

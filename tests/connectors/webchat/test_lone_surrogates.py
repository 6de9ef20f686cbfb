"""A lone UTF-16 surrogate spelled in JSON (``"\\ud800"``) is stored and shown as U+FFFD,
over REST and over the websocket: never a 500, never a dropped connection."""

from __future__ import annotations

import json

from websockets.asyncio.client import connect

from tests.connectors.webchat.test_socket import next_frame
from tests.harness import RunningGateway

# the JSON text a hostile client sends: the six ASCII characters \ud800, not a code point
LONE_HIGH = b'{"text": "x \\ud800", "client_id": "c-\\udfff", "payload": "/greet\\ud800"}'


async def test_a_lone_surrogate_over_rest_is_stored_and_shown_as_the_replacement_character(
    gateway: RunningGateway,
) -> None:
    cid, token = await gateway.new_conversation()
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    sent = await gateway.http.post(
        f"/api/conversations/{cid}/messages", content=LONE_HIGH, headers=auth
    )
    assert sent.status_code == 200, sent.text
    message = sent.json()["message"]
    assert message["text"] == "x \ufffd" and message["client_id"] == "c-\ufffd"
    assert gateway.rasa.state.received == [(cid, "/greet\ufffd")]
    # the same keep-alive connection answers the next request
    again = await gateway.http.get(f"/api/conversations/{cid}", headers=auth)
    assert again.status_code == 200
    assert again.json()["messages"][0]["text"] == "x \ufffd"


async def test_a_lone_surrogate_in_a_language_is_an_ordinary_refusal(
    gateway: RunningGateway,
) -> None:
    created = await gateway.http.post(
        "/api/conversations",
        content=b'{"language": "\\udc00"}',
        headers={"Content-Type": "application/json"},
    )
    assert created.status_code == 201
    cid, token = created.json()["id"], created.json()["token"]
    chosen = await gateway.http.put(
        f"/api/conversations/{cid}/language",
        content=b'{"language": "nb\\ud800"}',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert chosen.status_code == 422
    assert chosen.json()["error"]["code"] == "language_not_served"


async def test_a_lone_surrogate_over_the_websocket_is_stored_as_the_replacement_character(
    gateway: RunningGateway,
) -> None:
    cid, token = await gateway.new_conversation()
    async with connect(f"{gateway.ws_url}?token={token}") as ws:
        await next_frame(ws, "ready")
        await ws.send('{"type": "message", "text": "x \\ud800", "client_id": "\\udbff"}')
        echo = await next_frame(ws, "message")
        assert echo["message"]["text"] == "x \ufffd"
        assert echo["message"]["client_id"] == "\ufffd"
        reply = await next_frame(ws, "message")
        assert reply["message"]["text"] == "You said: x \ufffd"
        # a frame whose unknown type holds one gets an error frame, the socket stays open
        await ws.send('{"type": "\\ud800"}')
        error = await next_frame(ws, "error")
        assert error["code"] == "invalid_frame"
        await ws.send(json.dumps({"type": "ping"}))
        assert (await next_frame(ws, "pong"))["type"] == "pong"
    transcript = await gateway.http.get(
        f"/api/conversations/{cid}", headers={"Authorization": f"Bearer {token}"}
    )
    assert [m["text"] for m in transcript.json()["messages"]] == [
        "x \ufffd",
        "You said: x \ufffd",
    ]

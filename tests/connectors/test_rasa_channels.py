"""Rasa's REST and socket.io channels end to end: a client written to Rasa's protocol →
the real gateway → fake Rasa; handoff, an agent's reply through the handoff API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.rasa_channels.socket_io import cors_origins, outgoing_id
from connectors.rasa_channels.wire import (
    bot_uttered,
    read_rest_request,
    read_session_request,
    read_user_uttered,
    rest_messages,
)
from gateway.errors import GatewayError
from handoff.records import Message, Sender
from tests.connectors.channels import claim, linked_conversation
from tests.connectors.rasa_clients import RestFrontEnd, SocketFrontEnd
from tests.harness import RunningGateway, running_gateway

GREETING = {
    "text": "Hi! How can I help?",
    "buttons": [{"title": "Track my order", "payload": "/order_status"}],
}


def _message(text: str, sender: Sender = Sender.BOT, **meta: Any) -> Message:
    buttons = meta.pop("buttons", [])
    return Message(1, "c", "rasa_rest", sender, text, datetime.now(UTC), buttons=buttons,
                   meta=meta)  # fmt: skip


async def _agent_says(gateway: RunningGateway, cid: str, auth: dict[str, str], text: str) -> None:
    response = await gateway.http.post(
        f"/api/handoff/conversations/{cid}/messages", json={"text": text}, headers=auth
    )
    assert response.status_code == 200, response.text


async def _transcript(gateway: RunningGateway, cid: str, auth: dict[str, str]) -> list[Any]:
    detail = await gateway.http.get(f"/api/handoff/conversations/{cid}", headers=auth)
    transcript: list[Any] = detail.json()["transcript"]
    return transcript


# -- the wire, without a server -------------------------------------------------------------


def test_rest_output_splits_plain_text_on_blank_lines_as_rasa_does() -> None:
    parts = rest_messages("s", _message("One.\n\nTwo."))
    assert parts == [{"recipient_id": "s", "text": "One."}, {"recipient_id": "s", "text": "Two."}]
    with_buttons = rest_messages("s", _message("A\n\nB", buttons=GREETING["buttons"]))
    assert with_buttons == [{"recipient_id": "s", "text": "A\n\nB", "buttons": GREETING["buttons"]}]


def test_rest_output_carries_articles_images_and_the_agents_name() -> None:
    answer = _message("Refunds take 5 days.", article={"id": "kb-7"}, image="https://x/i.png")
    assert rest_messages("s", answer) == [
        {"recipient_id": "s", "text": "Refunds take 5 days."},
        {"recipient_id": "s", "custom": {"article": {"id": "kb-7"}}},
        {"recipient_id": "s", "image": "https://x/i.png"},
    ]
    agent = rest_messages("s", _message("Hello", Sender.AGENT, agent_name="Ana"))
    assert agent == [{"recipient_id": "s", "text": "Hello",
                      "metadata": {"sender": "agent", "agent_name": "Ana"}}]  # fmt: skip


def test_bot_uttered_splits_text_and_puts_quick_replies_on_the_last_part() -> None:
    events = bot_uttered(_message("A\n\nB", buttons=GREETING["buttons"]))
    assert events == [
        {"text": "A", "quick_replies": []},
        {"text": "B", "quick_replies": [
            {"content_type": "text", "title": "Track my order", "payload": "/order_status"}]},
    ]  # fmt: skip
    assert bot_uttered(_message("", image="https://x/i.png")) == [
        {"attachment": {"type": "image", "payload": {"src": "https://x/i.png"}}}
    ]
    agent = bot_uttered(_message("Hi\n\nthere", Sender.AGENT, agent_name="Ana"))
    meta = {"sender": "agent", "agent_name": "Ana"}
    assert agent == [{"text": "Hi", "metadata": meta}, {"text": "there", "metadata": meta}]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        (b"[1]", "invalid_request"),
        (b'{"message": "hi"}', "invalid_request"),
        (b'{"sender": "", "message": "hi"}', "invalid_request"),
        (b'{"sender": "s", "message": 7}', "invalid_request"),
        (b'{"sender": "s"}', "invalid_request"),
        (b'{"sender": "s", "message": "hi", "metadata": []}', "invalid_request"),
        (b'{"sender": "' + b"x" * 256 + b'", "message": "hi"}', "invalid_request"),
    ],
)
def test_bad_rest_bodies_are_refused_with_a_code(raw: bytes, code: str) -> None:
    with pytest.raises(GatewayError) as caught:
        read_rest_request(raw)
    assert caught.value.code == code


def test_socket_payloads_are_read_leniently_as_rasa_reads_them() -> None:
    assert read_session_request(None) is None
    assert read_session_request({"session_id": None}) is None
    assert read_session_request({"session_id": "abc"}) == "abc"
    uttered = read_user_uttered({"message": "hi", "session_id": 42})
    assert not isinstance(uttered, str) and uttered.session_id == "42"
    assert isinstance(read_user_uttered({"message": ["hi"]}), str)
    assert isinstance(read_user_uttered("hi"), str)
    assert cors_origins(["*"]) == "*" and cors_origins(["https://shop/"]) == ["https://shop"]
    event: dict[str, Any] = {
        "type": "message",
        "message": {"id": 3, "sender": "agent", "channel": "rasa_socketio"},
    }
    assert outgoing_id(event) == 3
    event["message"]["sender"] = "customer"
    assert outgoing_id(event) is None


# -- REST -----------------------------------------------------------------------------------


async def test_rest_health_answers_like_rasa(gateway: RunningGateway) -> None:
    response = await gateway.http.get("/webhooks/rest/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_rest_bot_turn_answers_with_rasas_message_list(gateway: RunningGateway) -> None:
    front = RestFrontEnd(gateway.http, "visitor-1")
    assert await front.say("hi") == [{"recipient_id": "visitor-1", **GREETING}]
    # a clicked button arrives as its payload: the bot gets the payload, the record the title
    assert await front.say("/order_status") == [
        {"recipient_id": "visitor-1", "text": "You said: /order_status"}
    ]
    assert gateway.rasa.state.received[-1][1] == "/order_status"
    cid = await linked_conversation(gateway.settings.database_url, "rasa_rest", "visitor-1")
    # a conversation the bot still has is in no queue: a supervisor reads it
    await gateway.add_user("sam", role="supervisor")
    sam = await gateway.sign_in("sam")
    customer = [m for m in await _transcript(gateway, cid, sam) if m["sender"] == "customer"]
    assert [m["text"] for m in customer] == ["hi", "Track my order"]
    assert {m["channel"] for m in customer} == {"rasa_rest"}


async def test_rest_agent_messages_come_first_in_the_next_response_and_only_once(
    gateway: RunningGateway,
) -> None:
    front = RestFrontEnd(gateway.http, "visitor-2")
    dana = await gateway.add_agent("dana")
    handoff = await front.say("I want a human, this is maria")
    assert handoff[0] == {"recipient_id": "visitor-2", "text": "Connecting you to a person."}
    assert any("in line" in m.get("text", "") for m in handoff)
    cid = await linked_conversation(gateway.settings.database_url, "rasa_rest", "visitor-2")
    await claim(gateway.http, cid, dana)
    await _agent_says(gateway, cid, dana, "Hello Maria!")
    await _agent_says(gateway, cid, dana, "How can I help?")
    agent = {"sender": "agent", "agent_name": "Dana"}
    # the bot is silent while Dana owns it: the response holds only her waiting messages
    assert await front.say("thanks") == [
        {"recipient_id": "visitor-2", "text": "Hello Maria!", "metadata": agent},
        {"recipient_id": "visitor-2", "text": "How can I help?", "metadata": agent},
    ]
    assert await front.say("still there?") == []
    received = [text for _, text in gateway.rasa.state.received]
    assert "thanks" not in received and "still there?" not in received
    texts = [m["text"] for m in await _transcript(gateway, cid, dana)]
    assert texts[-2:] == ["thanks", "still there?"]


async def test_rest_after_a_hand_back_the_notice_comes_before_the_bots_reply(
    gateway: RunningGateway,
) -> None:
    front = RestFrontEnd(gateway.http, "visitor-4")
    dana = await gateway.add_agent("dana")
    await front.say("I want a human")
    cid = await linked_conversation(gateway.settings.database_url, "rasa_rest", "visitor-4")
    await claim(gateway.http, cid, dana)
    await _agent_says(gateway, cid, dana, "Back to the assistant for this one.")
    back = await gateway.http.post(f"/api/handoff/conversations/{cid}/hand-back", headers=dana)
    assert back.status_code == 200, back.text
    assert [m["text"] for m in await front.say("hi")] == [
        "Back to the assistant for this one.",
        "You're back with the virtual assistant. How else can I help?",
        "Hi! How can I help?",
    ]
    assert [m["text"] for m in await front.say("ok")] == ["You said: ok"]


async def test_rest_bad_input_is_a_4xx_error_and_nothing_is_stored(
    gateway: RunningGateway,
) -> None:
    http = gateway.http
    url = "/webhooks/rest/webhook"
    not_json = await http.post(url, content=b"{oops", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "invalid_json"
    no_sender = await http.post(url, json={"message": "hi"})
    assert no_sender.status_code == 422 and "sender" in no_sender.json()["error"]["message"]
    not_text = await RestFrontEnd(http, "visitor-3").post({"text": "hi"})
    assert not_text.status_code == 422 and "message" in not_text.json()["error"]["message"]
    too_long = await RestFrontEnd(http, "visitor-3").post("x" * 4001)
    assert too_long.status_code == 413
    assert too_long.json()["error"]["code"] == "message_too_long"
    empty = await RestFrontEnd(http, "visitor-3").post("   ")
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "message_empty"
    assert gateway.rasa.state.received == []
    # the sender's first good message starts its conversation as if nothing had happened
    assert await RestFrontEnd(http, "visitor-3").say("hi") == [
        {"recipient_id": "visitor-3", **GREETING}
    ]


async def test_rest_channel_can_be_turned_off(tmp_path: Path) -> None:
    from connectors.rasa_channels import RasaChannelSettings

    off = RasaChannelSettings(_env_file=None, rest_enabled=False, socketio_enabled=False)  # type: ignore[call-arg]
    async with running_gateway(tmp_path, rasa_channels=off) as gateway:
        assert (await gateway.http.get("/webhooks/rest/")).status_code == 404
        assert (await RestFrontEnd(gateway.http, "v").post("hi")).status_code in (404, 405)
        assert (await gateway.http.get("/socket.io/?EIO=4&transport=polling")).status_code == 404


# -- socket.io ------------------------------------------------------------------------------


@pytest.fixture
async def customer(gateway: RunningGateway) -> AsyncIterator[SocketFrontEnd]:
    front = SocketFrontEnd(gateway.url)
    try:
        yield front
    finally:
        await front.close()


async def test_socket_session_request_confirms_a_session_id(customer: SocketFrontEnd) -> None:
    session_id = await customer.connect()
    assert isinstance(session_id, str) and len(session_id) == 32  # uuid4().hex, as Rasa
    again = SocketFrontEnd(customer.url)
    try:
        assert await again.connect("my-own-session") == "my-own-session"
    finally:
        await again.close()


async def test_socket_bot_turn_arrives_as_bot_uttered_with_quick_replies(
    gateway: RunningGateway, customer: SocketFrontEnd
) -> None:
    await customer.connect()
    assert await customer.say("hi") is None
    uttered = await customer.wait_for(lambda u: len(u) >= 1)
    quick = {"content_type": "text", "title": "Track my order", "payload": "/order_status"}
    assert uttered == [{"text": "Hi! How can I help?", "quick_replies": [quick]}]
    await customer.say("/order_status")
    await customer.wait_for(lambda u: len(u) >= 2)
    assert customer.uttered[1] == {"text": "You said: /order_status"}
    assert [s for s, _ in gateway.rasa.state.received] == [
        await linked_conversation(gateway.settings.database_url, "rasa_socketio",
                                  customer.session_id or "")] * 2  # fmt: skip


async def test_socket_handoff_agent_reply_arrives_as_bot_uttered_with_the_agents_name(
    gateway: RunningGateway, customer: SocketFrontEnd
) -> None:
    dana = await gateway.add_agent("dana")
    session_id = await customer.connect()
    await customer.say("I want a human, this is maria")
    await customer.wait_for(lambda u: any("in line" in e.get("text", "") for e in u))
    assert customer.uttered[0] == {"text": "Connecting you to a person."}
    cid = await linked_conversation(gateway.settings.database_url, "rasa_socketio", session_id)
    await claim(gateway.http, cid, dana)
    await _agent_says(gateway, cid, dana, "Hello Maria!\n\nI'm looking at your order.")
    meta = {"sender": "agent", "agent_name": "Dana"}
    await customer.wait_for(lambda u: any(e.get("metadata") for e in u))
    await asyncio.sleep(0.2)
    assert [e for e in customer.uttered if e.get("metadata")] == [
        {"text": "Hello Maria!", "metadata": meta},
        {"text": "I'm looking at your order.", "metadata": meta},
    ]
    # while Dana owns it, the bot stays silent and the customer's words reach her
    before = len(customer.uttered)
    assert await customer.say("thanks") is None
    await asyncio.sleep(0.3)
    assert len(customer.uttered) == before
    assert "thanks" not in [text for _, text in gateway.rasa.state.received]
    transcript = await _transcript(gateway, cid, dana)
    assert transcript[-1]["text"] == "thanks" and transcript[-1]["channel"] == "rasa_socketio"


async def test_a_returning_socket_session_gets_agent_replies_before_writing_again(
    gateway: RunningGateway, customer: SocketFrontEnd
) -> None:
    dana = await gateway.add_agent("dana")
    session_id = await customer.connect()
    await customer.say("I want a human")
    await customer.wait_for(lambda u: any("in line" in e.get("text", "") for e in u))
    await customer.close()
    cid = await linked_conversation(gateway.settings.database_url, "rasa_socketio", session_id)
    await claim(gateway.http, cid, dana)
    back = SocketFrontEnd(gateway.url)
    try:
        assert await back.connect(session_id) == session_id
        await _agent_says(gateway, cid, dana, "Welcome back")
        uttered = await back.wait_for(lambda u: len(u) >= 1)
        assert uttered == [{"text": "Welcome back",
                            "metadata": {"sender": "agent", "agent_name": "Dana"}}]  # fmt: skip
    finally:
        await back.close()


async def test_socket_bad_input_is_acknowledged_with_an_error_and_reaches_nobody(
    gateway: RunningGateway, customer: SocketFrontEnd
) -> None:
    await customer.connect()
    not_text = await customer.say({"text": "hi"})
    assert not_text["error"]["code"] == "invalid_request"
    too_long = await customer.say("x" * 4001)
    assert too_long["error"]["code"] == "message_too_long"
    notice = await customer.wait_for(lambda u: len(u) >= 1)
    assert "too long" in notice[0]["text"]
    empty = await customer.say("  ")
    assert empty["error"]["code"] == "message_empty"
    assert gateway.rasa.state.received == []


async def test_an_agent_reply_written_on_another_replica_reaches_the_socket(
    tmp_path: Path,
) -> None:
    from tests.services import redis_url

    shared: dict[str, object] = {
        "redis_url": redis_url(),
        "database_url": f"sqlite:///{tmp_path / 'shared.db'}",
    }
    async with (
        running_gateway(tmp_path, **shared) as a,
        running_gateway(tmp_path, **shared) as b,
    ):
        dana = await b.add_agent("dana")
        front = SocketFrontEnd(a.url)
        try:
            session_id = await front.connect()
            await front.say("I want a human")
            cid = await linked_conversation(a.settings.database_url, "rasa_socketio", session_id)
            await claim(b.http, cid, dana)
            await _agent_says(b, cid, dana, "Hello from replica B")
            uttered = await front.wait_for(lambda u: any(e.get("metadata") for e in u))
            agent = {"sender": "agent", "agent_name": "Dana"}
            assert uttered[-1] == {"text": "Hello from replica B", "metadata": agent}
        finally:
            await front.close()

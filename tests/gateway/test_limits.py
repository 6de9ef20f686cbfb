"""Rate limits through a running gateway: in memory on SQLite, in Redis on PostgreSQL (two
gateways on one Redis share them), and who the client is behind proxies."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from gateway.limits import address_key, forwarded_client, trusted_networks
from gateway.settings import RateLimitSettings
from handoff.database import create_engine
from tests.connectors.webchat.test_socket import next_frame
from tests.harness import RunningGateway, running_gateway
from tests.services import redis_url

HIGH = "10000/minute"


def limits(**values: str) -> RateLimitSettings:
    """Every limit high except those given."""
    defaults = {
        name: HIGH
        for name in (
            "conversations_per_address",
            "messages_per_address",
            "messages_per_conversation",
            "sockets_per_address",
            "sockets_per_conversation",
        )
    }
    return RateLimitSettings(**(defaults | values))  # type: ignore[arg-type]


def some_address() -> str:
    """A fresh client address per test: Redis keys of other tests and runs never collide."""
    return f"198.51.{random.randrange(256)}.{random.randrange(1, 255)}"


@pytest.fixture(params=["sqlite", "postgresql"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """Settings of the gateway under test: SQLite with memory limits, or PostgreSQL with
    Redis limits."""
    if request.param == "sqlite":
        yield {"database_url": f"sqlite:///{tmp_path / 'gw.db'}"}
        return
    url: str = request.getfixturevalue("postgres_url")
    yield {"database_url": url, "redis_url": redis_url()}
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("TRUNCATE messages, events, conversations CASCADE"))
    await engine.dispose()


@contextlib.asynccontextmanager
async def gateway_with(
    tmp_path: Path, backend: dict[str, Any], rate_limit: RateLimitSettings, name: str = "gw"
) -> AsyncIterator[RunningGateway]:
    (tmp_path / name).mkdir(exist_ok=True)
    # the test client is the trusted proxy: X-Forwarded-For names the customer
    async with running_gateway(
        tmp_path / name, rate_limit=rate_limit, trusted_proxies=["127.0.0.1"], **backend
    ) as gateway:
        yield gateway


async def create(gateway: RunningGateway, address: str) -> Any:
    return await gateway.http.post("/api/conversations", headers={"X-Forwarded-For": address})


async def test_exactly_the_limit_passes_the_next_is_refused_then_the_window_moves_on(
    tmp_path: Path, backend: dict[str, Any]
) -> None:
    async with gateway_with(
        tmp_path, backend, limits(conversations_per_address="3/2 seconds")
    ) as gateway:
        address = some_address()
        burst = [await create(gateway, address) for _ in range(3)]
        assert [r.status_code for r in burst] == [201, 201, 201]
        refused = await create(gateway, address)
        assert refused.status_code == 429
        error = refused.json()["error"]
        assert error["code"] == "rate_limited" and "new conversations" in error["message"]
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= 2 and error["retry_after"] == retry_after
        # another customer is not affected
        assert (await create(gateway, some_address())).status_code == 201
        await asyncio.sleep(retry_after)  # the wait the refusal asked for
        assert (await create(gateway, address)).status_code == 201


async def test_a_refused_rest_message_is_not_stored_and_says_when_to_resend(
    tmp_path: Path, backend: dict[str, Any]
) -> None:
    async with gateway_with(
        tmp_path, backend, limits(messages_per_conversation="2/minute")
    ) as gateway:
        address = some_address()
        cid = (await create(gateway, address)).json()
        auth = {"Authorization": f"Bearer {cid['token']}", "X-Forwarded-For": address}
        url = f"/api/conversations/{cid['id']}/messages"
        for word in ("hi", "hello"):
            assert (await gateway.http.post(url, json={"text": word}, headers=auth)).status_code
        refused = await gateway.http.post(url, json={"text": "third"}, headers=auth)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["retry-after"]) >= 1
        transcript = (
            await gateway.http.get(f"/api/conversations/{cid['id']}", headers=auth)
        ).json()
        said = [m["text"] for m in transcript["messages"] if m["sender"] == "customer"]
        assert said == ["hi", "hello"]
        # another conversation of the same customer has its own limit
        other = (await create(gateway, address)).json()
        response = await gateway.http.post(
            f"/api/conversations/{other['id']}/messages",
            json={"text": "hi"},
            headers={"Authorization": f"Bearer {other['token']}", "X-Forwarded-For": address},
        )
        assert response.status_code == 200


async def test_a_refused_websocket_frame_gets_an_error_frame_and_the_socket_stays_open(
    tmp_path: Path, backend: dict[str, Any]
) -> None:
    async with gateway_with(tmp_path, backend, limits(messages_per_address="1/minute")) as gateway:
        address = some_address()
        cid = (await create(gateway, address)).json()
        headers = {"X-Forwarded-For": address}
        async with connect(
            f"{gateway.ws_url}?token={cid['token']}", additional_headers=headers
        ) as ws:
            await next_frame(ws, "ready")
            await ws.send('{"type": "message", "text": "hi", "client_id": "m1"}')
            first = await next_frame(ws, "message")
            assert first["message"]["client_id"] == "m1"
            await ws.send('{"type": "message", "text": "again", "client_id": "m2"}')
            error = await next_frame(ws, "error")
            assert error["code"] == "rate_limited" and error["client_id"] == "m2"
            assert error["retry_after"] >= 1
            await ws.send('{"type": "ping"}')
            assert (await next_frame(ws, "pong"))["type"] == "pong"
        transcript = (
            await gateway.http.get(
                f"/api/conversations/{cid['id']}",
                headers={"Authorization": f"Bearer {cid['token']}"},
            )
        ).json()
        assert "again" not in [m["text"] for m in transcript["messages"]]


async def test_a_socket_over_its_limit_is_told_when_to_come_back_and_closed(
    tmp_path: Path, backend: dict[str, Any]
) -> None:
    async with gateway_with(
        tmp_path, backend, limits(sockets_per_conversation="1/minute")
    ) as gateway:
        address = some_address()
        cid = (await create(gateway, address)).json()
        url = f"{gateway.ws_url}?token={cid['token']}"
        headers = {"X-Forwarded-For": address}
        async with connect(url, additional_headers=headers) as first:
            await next_frame(first, "ready")
        async with connect(url, additional_headers=headers) as second:
            error = await next_frame(second, "error")
            assert error["code"] == "rate_limited" and error["retry_after"] >= 1
            with pytest.raises(ConnectionClosed) as closed:
                await second.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429


async def test_two_gateways_on_one_redis_share_the_limits(
    tmp_path: Path, postgres_url: str
) -> None:
    shared = {"database_url": postgres_url, "redis_url": redis_url()}
    setting = limits(conversations_per_address="3/minute")
    async with (
        gateway_with(tmp_path, shared, setting, "a") as a,
        gateway_with(tmp_path, shared, setting, "b") as b,
    ):
        address = some_address()
        assert (await create(a, address)).status_code == 201
        assert (await create(b, address)).status_code == 201
        assert (await create(a, address)).status_code == 201
        assert (await create(b, address)).status_code == 429
        assert (await create(a, address)).status_code == 429


async def test_limits_turned_off_refuse_nothing(tmp_path: Path) -> None:
    setting = RateLimitSettings(enabled=False, conversations_per_address="1/minute")
    async with gateway_with(tmp_path, {}, setting) as gateway:
        address = some_address()
        codes = [(await create(gateway, address)).status_code for _ in range(5)]
        assert codes == [201] * 5


async def test_an_untrusted_peer_cannot_escape_by_rotating_x_forwarded_for(
    tmp_path: Path,
) -> None:
    async with running_gateway(
        tmp_path, rate_limit=limits(conversations_per_address="2/minute")
    ) as gateway:  # no trusted proxies: the header is the client's own words
        codes = [(await create(gateway, some_address())).status_code for _ in range(3)]
        assert codes == [201, 201, 429]


def test_the_client_is_the_right_most_address_no_trusted_proxy_added() -> None:
    trusted = trusted_networks(("10.0.0.0/8", "127.0.0.1"))
    # the customer forged the left-most entry; the proxies appended what they saw
    assert forwarded_client("10.1.1.1", ["6.6.6.6, 203.0.113.9, 10.2.2.2"], trusted) == (
        "203.0.113.9"
    )
    assert forwarded_client("10.1.1.1", ["6.6.6.6", "203.0.113.9:5050"], trusted) == ("203.0.113.9")
    # an untrusted peer's header is ignored
    assert forwarded_client("203.0.113.7", ["1.2.3.4"], trusted) == "203.0.113.7"
    # nothing forwarded, or garbage right after the proxy: the last hop that is known
    assert forwarded_client("10.1.1.1", [], trusted) == "10.1.1.1"
    assert forwarded_client("10.1.1.1", ["1.2.3.4, not-an-ip"], trusted) == "10.1.1.1"
    assert forwarded_client("127.0.0.1", ["[2001:db8::1]:443"], trusted) == "2001:db8::1"


def test_an_ipv6_client_is_limited_by_its_64_network() -> None:
    one, other = "2001:db8:1:2::1", "2001:db8:1:2:ffff::9"
    assert address_key(one) == address_key(other) == "2001:db8:1:2::/64"
    assert address_key("203.0.113.9") == "203.0.113.9"
    assert ipaddress.ip_address(address_key("::ffff:203.0.113.9")).version == 4


async def test_rasa_rest_channel_messages_are_limited_per_sender(
    tmp_path: Path, backend: dict[str, Any]
) -> None:
    async with gateway_with(
        tmp_path, backend, limits(messages_per_conversation="1/minute")
    ) as gateway:
        headers = {"X-Forwarded-For": some_address()}
        sender = f"s{random.randrange(10**9)}"
        url = "/webhooks/rest/webhook"
        first = await gateway.http.post(
            url, json={"sender": sender, "message": "hi"}, headers=headers
        )
        assert first.status_code == 200
        refused = await gateway.http.post(
            url, json={"sender": sender, "message": "again"}, headers=headers
        )
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["retry-after"]) >= 1
        other = await gateway.http.post(
            url, json={"sender": sender + "x", "message": "hi"}, headers=headers
        )
        assert other.status_code == 200


async def test_rasa_socketio_messages_over_the_limit_are_refused_in_the_ack(
    tmp_path: Path, backend: dict[str, Any]
) -> None:
    from tests.connectors.rasa_clients import SocketFrontEnd

    async with gateway_with(
        tmp_path, backend, limits(messages_per_conversation="1/minute")
    ) as gateway:
        front = SocketFrontEnd(gateway.url)
        await front.connect(f"s{random.randrange(10**9)}")
        try:
            assert await front.say("hi") is None
            refused = await front.say("again")
            assert refused["error"]["code"] == "rate_limited"
            assert refused["error"]["retry_after"] >= 1
        finally:
            await front.close()

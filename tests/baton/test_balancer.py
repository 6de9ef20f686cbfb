"""The balancer in front of several action servers: connections in turn, a replica that is
down skipped without the client noticing, a 503 when none is up."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from baton.balancer import Balancer, address
from tests.services import free_port


@contextlib.asynccontextmanager
async def named_server(name: bytes, port: int = 0) -> AsyncIterator[int]:
    """A server that answers each connection's request with its name and closes."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.write(name)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", port, reuse_address=True)
    async with server:
        yield server.sockets[0].getsockname()[1]


@contextlib.asynccontextmanager
async def balancing(backends: list[int], **options: float) -> AsyncIterator[tuple[int, Balancer]]:
    balancer = Balancer([("127.0.0.1", p) for p in backends], **options)
    port, stop = free_port(), asyncio.Event()
    serving = asyncio.create_task(balancer.serve("127.0.0.1", port, stop))
    for _ in range(100):
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            break
        await asyncio.sleep(0.02)
    balancer._next = 0  # the probe above took a turn
    try:
        yield port, balancer
    finally:
        stop.set()
        await serving


async def ask(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\n\r\n")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer


async def test_each_new_connection_goes_to_the_next_replica() -> None:
    async with named_server(b"a") as a, named_server(b"b") as b, balancing([a, b]) as (port, _):
        assert [await ask(port) for _ in range(4)] == [b"a", b"b", b"a", b"b"]


async def test_a_replica_that_is_down_is_skipped_and_left_out_for_a_while() -> None:
    down = free_port()  # nothing listens there
    async with named_server(b"up") as up, balancing([down, up], down_seconds=60) as (port, lb):
        assert [await ask(port) for _ in range(4)] == [b"up"] * 4
        # left out: whoever's turn it is, it is tried last, after the one that is up
        for _ in range(2):
            assert [b.port for b in lb.order(time.monotonic())] == [up, down]


async def test_a_replica_back_up_takes_connections_again() -> None:
    later = free_port()
    async with named_server(b"a") as a, balancing([a, later], down_seconds=0.0) as (port, _):
        assert [await ask(port) for _ in range(2)] == [b"a", b"a"]
        async with named_server(b"b", later):
            assert sorted([await ask(port) for _ in range(2)]) == [b"a", b"b"]


async def test_with_no_replica_up_the_client_gets_a_503_that_says_so() -> None:
    async with balancing([free_port(), free_port()]) as (port, _):
        answer = await ask(port)
    assert answer.startswith(b"HTTP/1.1 503 ")
    assert b"Retry-After: 1" in answer
    body = answer.split(b"\r\n\r\n", 1)[1]
    assert body == b'{"error": "no replica of this service is up"}\n'
    assert str(len(body)).encode() in answer  # its Content-Length is right


@pytest.mark.parametrize("text", ["5055", "host:", ":5055", "host:port", "host:70000"])
def test_an_address_that_is_not_host_and_port_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="host:port"):
        address(text)


def test_addresses_with_ipv6_hosts_parse() -> None:
    assert address("[::1]:5056") == ("::1", 5056)
    assert address("10.0.0.5:5055") == ("10.0.0.5", 5055)

"""Faults under load on the scaled stack (2 Rasa servers, 2 action servers, 2 gateways, on a
PostgreSQL cluster and a Redis server of the test's own): a Rasa server, an action server
or a gateway killed, Redis restarted, PostgreSQL restarted, each while customers write.

Customers behave as the widget does: a message keeps its ``client_id`` and is sent again
when the connection fails or the gateway answers 5xx. Whatever happens, no customer message
is lost or stored twice, none reaches the bot twice, every message gets an answer or the
"having trouble, try again" reply (never silence), and customers arriving afterwards are
served as before without anyone stepping in.

The faults still failing are marked ``faults`` (``make test-faults`` runs them, ``make
test`` leaves them out until they are fixed)."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest

from tests.scenarios.conftest import Stack
from tests.stack import Services, own_services, scaled_stack

pytestmark = pytest.mark.slow

CUSTOMERS = 12
MESSAGES = ("hello", "where is my order {order}", "thanks, bye")
# how long a customer keeps sending one message again while the stack recovers
PATIENCE_SECONDS = 90.0


@pytest.fixture(scope="module")
async def services(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Services]:
    with own_services(tmp_path_factory.mktemp("services")) as started:
        yield started


@pytest.fixture(scope="module")
async def stack(
    tmp_path_factory: pytest.TempPathFactory, services: Services
) -> AsyncIterator[Stack]:
    async with scaled_stack(tmp_path_factory.mktemp("faults"), services) as running:
        yield running


@dataclass
class Sent:
    text: str
    replies: list[str] = field(default_factory=list)
    attempts: int = 0


@dataclass
class Customer:
    conversation_id: str = ""
    sent: list[Sent] = field(default_factory=list)


async def _until_answered(send: Callable[[], Awaitable[httpx.Response]]) -> tuple[Any, int]:
    """What the widget does: send again on a failed connection or a 5xx, until answered."""
    deadline, attempts = time.monotonic() + PATIENCE_SECONDS, 0
    while True:
        attempts += 1
        try:
            response = await send()
        except httpx.TransportError:
            response = None
        if response is not None and response.status_code < 500:
            assert response.status_code in (200, 201), response.text
            return response.json(), attempts
        if time.monotonic() > deadline:
            raise AssertionError(f"no answer after {attempts} attempts: {response!r}")
        await asyncio.sleep(0.5)


async def customer(stack: Stack, n: int) -> Customer:
    journey = Customer()
    # a connection per request: a killed gateway takes only the requests it was serving
    async with httpx.AsyncClient(
        base_url=stack.url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)
    ) as http:
        body, _ = await _until_answered(lambda: http.post("/api/conversations"))
        journey.conversation_id, token = body["id"], body["token"]
        for template in MESSAGES:
            sent = Sent(template.format(order=f"7{n:04d}"))
            body = {"text": sent.text, "client_id": uuid.uuid4().hex}  # the same each time
            url = f"/api/conversations/{journey.conversation_id}/messages"
            answer, sent.attempts = await _until_answered(
                functools.partial(
                    http.post, url, json=body, headers={"Authorization": f"Bearer {token}"}
                )
            )
            sent.replies = [r["text"] for r in answer["replies"]]
            journey.sent.append(sent)
    return journey


async def under_load(stack: Stack, fault: Callable[[], Awaitable[None]]) -> list[Customer]:
    """``CUSTOMERS`` customers writing at once, started over two seconds; ``fault`` strikes
    a second in."""

    async def late(n: int) -> Customer:
        await asyncio.sleep(n * 2 / CUSTOMERS)
        return await customer(stack, n)

    async def strike() -> None:
        await asyncio.sleep(1.0)
        await fault()

    *journeys, _ = await asyncio.gather(*(late(n) for n in range(CUSTOMERS)), strike())
    return journeys


async def check(stack: Stack, services: Services, journeys: list[Customer]) -> None:
    trouble = 0
    for journey in journeys:
        for sent in journey.sent:
            assert sent.replies, f"silence after {sent.text!r} in {journey.conversation_id}"
            trouble += any("trouble" in r for r in sent.replies)
    # every customer message stored once
    with psycopg.connect(services.database_url) as db:
        rows = db.execute(
            "SELECT conversation_id, text FROM messages WHERE sender = 'customer'"
            " AND conversation_id = ANY(%s)",
            ([j.conversation_id for j in journeys],),
        ).fetchall()
    stored = Counter(rows)
    expected = Counter((j.conversation_id, s.text) for j in journeys for s in j.sent)
    assert stored == expected
    # and none given to the bot twice (Rasa's own tracker, on the shared store)
    for journey in journeys:
        texts = Counter(await stack.rasa_user_texts(journey.conversation_id))
        assert all(count == 1 for count in texts.values()), (journey.conversation_id, texts)
    # most were answered: a fault costs the turns it struck, not the run
    answered = sum(len(j.sent) for j in journeys) - trouble
    assert answered >= len(journeys) * len(MESSAGES) // 2, f"{trouble} trouble replies"


async def served_afterwards(stack: Stack) -> None:
    """A customer arriving after the fault is answered in full, nothing sent twice."""
    journey = await customer(stack, 9999)
    assert all(not any("trouble" in r for r in s.replies) for s in journey.sent), journey
    assert [s.attempts for s in journey.sent] == [1, 1, 1]


def kill_group(stack: Stack, name: str) -> None:
    os.killpg(stack.running[name].process.pid, signal.SIGKILL)


async def test_a_rasa_server_killed_mid_load(stack: Stack, services: Services) -> None:
    async def fault() -> None:
        kill_group(stack, "rasa-2")

    journeys = await under_load(stack, fault)
    await stack.running["rasa-2"].process.wait()
    await check(stack, services, journeys)
    await served_afterwards(stack)
    await stack.restart("rasa-2")


async def test_an_action_server_killed_mid_load(stack: Stack, services: Services) -> None:
    async def fault() -> None:
        kill_group(stack, "actions")

    journeys = await under_load(stack, fault)
    await stack.running["actions"].process.wait()
    await check(stack, services, journeys)
    await served_afterwards(stack)
    await stack.restart("actions")


@pytest.mark.faults
@pytest.mark.xfail(
    reason="found by this test, not fixed yet: a gateway killed between handing a message to"
    " Rasa and storing the bot's reply leaves the message unanswered in the record, so the"
    " customer's retry on the other gateway gives it to Rasa a second time (Rasa's REST"
    " channel has no message id to de-duplicate by)",
    strict=False,
)
async def test_a_gateway_killed_mid_load(stack: Stack, services: Services) -> None:
    async def fault() -> None:
        kill_group(stack, "gateway-2")

    journeys = await under_load(stack, fault)
    await stack.running["gateway-2"].process.wait()
    await check(stack, services, journeys)
    await served_afterwards(stack)
    await stack.restart("gateway-2")


@pytest.mark.faults
@pytest.mark.xfail(
    reason="found by this test, not fixed yet: a message whose turn fails while Redis is"
    " away (the event publish after the reply is stored) is answered 5xx, and the customer's"
    " retry is taken as a duplicate whose reply is not returned: the customer sees nothing",
    strict=False,
)
async def test_redis_restarted_mid_load(stack: Stack, services: Services) -> None:
    async def fault() -> None:
        await asyncio.to_thread(services.redis.stop)
        await asyncio.sleep(2)
        await asyncio.to_thread(services.redis.start)

    journeys = await under_load(stack, fault)
    await check(stack, services, journeys)
    await served_afterwards(stack)


@pytest.mark.faults
@pytest.mark.xfail(
    reason="found by this test, not fixed yet: as with Redis, a turn cut by the database"
    " restart is answered 5xx and the customer's retry comes back with no reply",
    strict=False,
)
async def test_postgresql_restarted_mid_load(stack: Stack, services: Services) -> None:
    async def fault() -> None:
        await asyncio.to_thread(services.postgres.stop, "immediate")
        await asyncio.sleep(2)
        await asyncio.to_thread(services.postgres.start)

    journeys = await under_load(stack, fault)
    await check(stack, services, journeys)
    await served_afterwards(stack)

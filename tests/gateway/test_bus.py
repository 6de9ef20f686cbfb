"""Conversation events reach every subscriber of that conversation and nobody else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from gateway.bus import EventBus, InProcessBus, RedisBus
from tests.services import redis_url


@pytest.fixture(params=["in-process", "redis"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[EventBus]:
    created: EventBus = InProcessBus() if request.param == "in-process" else RedisBus(redis_url())
    await created.start()
    try:
        yield created
    finally:
        await created.close()


async def test_subscribers_of_a_conversation_get_its_events_only(bus: EventBus) -> None:
    async with bus.subscribe("c1") as one, bus.subscribe("c1") as two, bus.subscribe("c2") as other:
        await bus.publish("c1", {"type": "message", "n": 1})
        assert await asyncio.wait_for(one.get(), 2) == {"type": "message", "n": 1}
        assert await asyncio.wait_for(two.get(), 2) == {"type": "message", "n": 1}
        await asyncio.sleep(0.05)
        assert other.empty()


async def test_two_redis_buses_act_as_two_gateway_replicas() -> None:
    url = redis_url()
    replica_a, replica_b = RedisBus(url), RedisBus(url)
    await replica_a.start()
    await replica_b.start()
    try:
        async with replica_b.subscribe("shared") as queue:
            await replica_a.publish("shared", {"type": "typing", "on": True})
            assert await asyncio.wait_for(queue.get(), 2) == {"type": "typing", "on": True}
    finally:
        await replica_a.close()
        await replica_b.close()


async def test_an_unsubscribed_queue_stops_receiving(bus: EventBus) -> None:
    async with bus.subscribe("c3") as queue:
        pass
    await bus.publish("c3", {"type": "message"})
    await asyncio.sleep(0.05)
    assert queue.empty()


async def test_publish_all_delivers_every_pair_in_order(bus: EventBus) -> None:
    async with bus.subscribe("c4") as conversation, bus.subscribe("*desk") as desk:
        await bus.publish_all(
            [
                ("c4", {"seq": 1}),
                ("*desk", {"seq": 1}),
                ("c4", {"seq": 2}),
                ("*desk", {"seq": 2}),
            ]
        )
        received = [await asyncio.wait_for(conversation.get(), 2) for _ in range(2)]
        assert received == [{"seq": 1}, {"seq": 2}]
        received = [await asyncio.wait_for(desk.get(), 2) for _ in range(2)]
        assert received == [{"seq": 1}, {"seq": 2}]
        await bus.publish_all([])  # nothing to send: no error, nothing delivered
        await asyncio.sleep(0.05)
        assert conversation.empty() and desk.empty()

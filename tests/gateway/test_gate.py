from __future__ import annotations

import asyncio

import pytest

from gateway.gate import GateTimeout, TrafficGate


async def test_calls_wait_while_closed_and_the_swap_waits_for_calls_in_flight() -> None:
    gate = TrafficGate()
    order: list[str] = []
    release_first = asyncio.Event()

    async def call(name: str, hold: asyncio.Event | None = None) -> None:
        async with gate.passage():
            order.append(f"{name} in")
            if hold is not None:
                await hold.wait()
            order.append(f"{name} out")

    async def swap() -> None:
        async with gate.closed():
            order.append("swap")

    first = asyncio.create_task(call("first", release_first))
    await asyncio.sleep(0)
    swapping = asyncio.create_task(swap())
    await asyncio.sleep(0)
    second = asyncio.create_task(call("second"))
    await asyncio.sleep(0.01)
    assert order == ["first in"] and not gate.is_open and gate.held == 1
    release_first.set()
    await asyncio.gather(first, swapping, second)
    assert order == ["first in", "first out", "swap", "second in", "second out"]
    assert gate.is_open and gate.held == 0 and gate.held_last_close == 1


async def test_a_call_that_never_finishes_fails_the_swap_and_opens_the_gate() -> None:
    gate = TrafficGate()
    stuck = asyncio.Event()

    async def call() -> None:
        async with gate.passage():
            await stuck.wait()

    task = asyncio.create_task(call())
    await asyncio.sleep(0)
    with pytest.raises(GateTimeout):
        async with gate.closed(drain_seconds=0.05):
            pytest.fail("the swap must not run while a call is in flight")
    assert gate.is_open
    stuck.set()
    await task

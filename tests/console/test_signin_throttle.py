"""The console sign-in throttle: a stranger cannot lock an agent out, an office's shared
address does not lock out its colleagues, a guesser waits longer and longer; in memory on
SQLite and in Redis on PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import httpx
import pytest

from gateway.settings import RateLimitSettings
from tests.gateway.test_limits import backend, gateway_with, some_address
from tests.harness import RunningGateway, running_gateway

__all__ = ["backend"]  # the fixture, parametrized over SQLite and PostgreSQL + Redis

RIGHT = "correct horse battery"


async def attempt(
    gateway: RunningGateway, user_id: str, password: str, address: str
) -> httpx.Response:
    return await gateway.http.post(
        "/console/login",
        content=f"user_id={user_id}&password={password.replace(' ', '+')}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": gateway.url,
            "X-Forwarded-For": address,
        },
    )


def user() -> str:
    """A fresh user name per test (Redis counts outlive a test)."""
    return f"kim{random.randrange(10**6)}"


async def test_a_stranger_failing_twenty_times_does_not_lock_the_agent_out(
    tmp_path: Any, backend: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    async with gateway_with(tmp_path, backend, RateLimitSettings()) as gateway:
        kim, stranger, office = user(), some_address(), some_address()
        await gateway.add_user(kim, password=RIGHT)
        caplog.set_level(logging.INFO, logger="agent_console.throttle")
        codes = [
            (await attempt(gateway, kim, "guess guess guess", stranger)).status_code
            for _ in range(20)
        ]
        assert codes[:5] == [401] * 5 and set(codes[5:]) <= {401, 429} and 429 in codes
        # kim, from her own address, signs in at once
        assert (await attempt(gateway, kim, RIGHT, office)).status_code == 303
        locked = [r for r in caplog.records if getattr(r, "event", "") == "signin_locked"]
        assert locked and all(getattr(r, "user_id", kim) == kim for r in locked)
        assert all(
            "guess" not in r.getMessage() and RIGHT not in r.getMessage() for r in caplog.records
        )


async def test_a_colleague_on_the_same_address_still_signs_in(
    tmp_path: Any, backend: dict[str, Any]
) -> None:
    async with gateway_with(tmp_path, backend, RateLimitSettings()) as gateway:
        kim, dana, office = user(), user(), some_address()
        await gateway.add_user(kim, password=RIGHT)
        await gateway.add_user(dana, password=RIGHT)
        for _ in range(6):
            await attempt(gateway, kim, "wrong wrong wrong", office)
        assert (await attempt(gateway, kim, RIGHT, office)).status_code == 429
        assert (await attempt(gateway, dana, RIGHT, office)).status_code == 303


async def test_the_wait_of_a_pair_grows_and_a_success_clears_it(
    tmp_path: Any, backend: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    setting = RateLimitSettings(signin_free_failures=1, signin_first_delay_seconds=1)
    async with gateway_with(tmp_path, backend, setting) as gateway:
        kim, address = user(), some_address()
        await gateway.add_user(kim, password=RIGHT)
        caplog.set_level(logging.INFO, logger="agent_console.throttle")
        assert (await attempt(gateway, kim, "wrong wrong wrong", address)).status_code == 401
        first = await attempt(gateway, kim, RIGHT, address)
        assert first.status_code == 429 and "Too many failed sign-ins" in first.text
        assert int(first.headers["retry-after"]) == 1
        await asyncio.sleep(1)  # the wait it asked for
        assert (await attempt(gateway, kim, "wrong wrong wrong", address)).status_code == 401
        second = await attempt(gateway, kim, RIGHT, address)
        assert second.status_code == 429 and int(second.headers["retry-after"]) == 2
        await asyncio.sleep(2)
        assert (await attempt(gateway, kim, RIGHT, address)).status_code == 303
        # cleared: the next mistake is free again
        assert (await attempt(gateway, kim, "wrong wrong wrong", address)).status_code == 401
        events = [getattr(r, "event", "") for r in caplog.records]
        assert events.count("signin_locked") >= 2 and "signin_unlocked" in events


async def test_the_per_address_cap_stops_every_user_from_that_address(
    tmp_path: Any, backend: dict[str, Any]
) -> None:
    setting = RateLimitSettings(signin_failures_per_address="4/15 minutes")
    async with gateway_with(tmp_path, backend, setting) as gateway:
        kim, address = user(), some_address()
        await gateway.add_user(kim, password=RIGHT)
        for name in ("a1", "a2", "a3", "a4"):  # a spray over many names
            assert (await attempt(gateway, name, "wrong wrong wrong", address)).status_code == 401
        capped = await attempt(gateway, kim, RIGHT, address)
        assert capped.status_code == 429 and "from your network" in capped.text
        assert int(capped.headers["retry-after"]) > 0
        assert (await attempt(gateway, kim, RIGHT, some_address())).status_code == 303


async def test_a_rotating_x_forwarded_for_from_an_untrusted_peer_is_the_same_address(
    tmp_path: Any,
) -> None:
    async with running_gateway(tmp_path, rate_limit=RateLimitSettings()) as gateway:
        kim = user()
        await gateway.add_user(kim, password=RIGHT)
        for _ in range(6):  # each from a "new" address, says the header
            await attempt(gateway, kim, "wrong wrong wrong", some_address())
        assert (await attempt(gateway, kim, RIGHT, some_address())).status_code == 429


async def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    tmp_path: Any, backend: dict[str, Any]
) -> None:
    async with gateway_with(tmp_path, backend, RateLimitSettings()) as gateway:
        kim, stranger = user(), some_address()
        await gateway.add_user(kim, password=RIGHT)
        for _ in range(6):
            await attempt(gateway, kim, "wrong wrong wrong", stranger)
        assert (await attempt(gateway, kim, RIGHT, stranger)).status_code == 429
        # the same proxy (127.0.0.1) forwarding kim from elsewhere: not the stranger's pair
        assert (await attempt(gateway, kim, RIGHT, some_address())).status_code == 303

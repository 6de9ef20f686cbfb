"""Health that tells the truth: /health/live answers without I/O, /health/ready and /health
read Rasa's latest answer instead of waiting for a Rasa that hangs, and a lost database
makes the gateway not ready. A real gateway in front of a Rasa stand-in that can hang; on
SQLite and on PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from gateway.app import create_app
from gateway.rasa import RasaClient
from tests.console.test_access import empty_postgres
from tests.harness import gateway_settings
from tests.services import POSTGRES_URL, fresh_postgres_database, redis_url, serve


class RasaStandIn:
    """Answers ``/status`` — or, once ``hang`` is set, takes every request and never
    answers (until the test ends)."""

    def __init__(self) -> None:
        self.hang = False
        self.url = ""  # where it is served, once it is
        self.statuses = 0  # /status requests received
        self._arrived = asyncio.Condition()
        self._released = asyncio.Event()
        self.app = FastAPI()

        @self.app.get("/status")
        async def status() -> dict[str, str]:
            async with self._arrived:
                self.statuses += 1
                self._arrived.notify_all()
            if self.hang:
                await self._released.wait()
            return {"model_file": "stand-in.tar.gz"}

    async def received(self, count: int) -> None:
        """Until ``count`` status requests have arrived."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: self.statuses >= count)

    def release(self) -> None:
        self.hang = False
        self._released.set()


@contextlib.asynccontextmanager
async def gateway_before(
    rasa: RasaStandIn, database_url: str, **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, RasaClient]]:
    """A gateway in front of ``rasa``; its HTTP client and its Rasa client."""
    async with serve(rasa.app) as rasa_url:
        rasa.url = rasa_url.rstrip("/")
        settings = gateway_settings(
            rasa_url=rasa_url,
            database_url=database_url,
            redis_url=redis_url() if database_url.startswith("postgresql") else None,
            **overrides,
        )
        app = create_app(settings)
        try:
            async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
                yield http, app.state.services.rasa
        finally:
            rasa.release()  # the stand-in stops only once its hanging requests are answered


async def test_a_hanging_rasa_holds_up_no_health_route(database_url: str) -> None:
    rasa = RasaStandIn()
    rasa.hang = True
    url = database_url
    # one probe while starting, the background's first round, then none for an hour
    async with gateway_before(rasa, url, health_probe_seconds=3600) as (http, _):
        await rasa.received(2)

        live = await http.get("/health/live")
        ready = await http.get("/health/ready")
        old = await http.get("/health")

        assert live.status_code == 200 and live.json() == {"status": "ok"}
        assert ready.status_code == 503
        assert ready.json()["failing"] == ["rasa"]  # it never answered
        assert ready.json()["database"] == "ok" and ready.json()["rasa"] == "unavailable"
        assert ready.json()["redis"] == ("ok" if url.startswith("postgresql") else "off")
        assert old.status_code == 200
        assert old.json() == {
            "status": "degraded",
            "database": "ok",
            "rasa": "unavailable",
            "rasa_replicas": {rasa.url: "unavailable"},
            "assist": "off",
        }
        assert rasa.statuses == 2  # none of the three asked Rasa


async def test_a_rasa_that_answered_recently_is_ready_while_the_probe_hangs(
    database_url: str,
) -> None:
    rasa = RasaStandIn()
    url = database_url
    window = 60.0
    async with gateway_before(
        rasa, url, health_probe_seconds=0.05, health_rasa_window_seconds=window
    ) as (http, client):
        assert (await http.get("/health/ready")).json()["status"] == "ready"
        rasa.hang = True
        hanging_from = rasa.statuses + 1
        await rasa.received(hanging_from)  # a probe is waiting for Rasa right now

        ready = await http.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {
            "status": "ready",
            "database": "ok",
            "redis": "ok" if url.startswith("postgresql") else "off",
            "rasa": "ok",
            "rasa_replicas": {rasa.url: "ok"},
            "assist": "off",
            "failing": [],
        }
        assert (await http.get("/health")).json()["status"] == "ok"

        # the window passes with no answer (moved, not waited for: the probes still hang)
        assert client.answered_at is not None
        client.answered_at -= window + 1
        stale = await http.get("/health/ready")
        assert stale.status_code == 503
        assert stale.json()["rasa"] == "unavailable" and stale.json()["failing"] == ["rasa"]
        assert (await http.get("/health")).json()["status"] == "degraded"


async def test_a_customer_turn_counts_as_rasa_answering(database_url: str) -> None:
    from baton.testing.fake_rasa import create_fake_rasa

    fake = create_fake_rasa()
    url = database_url
    async with serve(fake) as rasa_url:
        settings = gateway_settings(
            rasa_url=rasa_url,
            database_url=url,
            redis_url=redis_url() if url.startswith("postgresql") else None,
            health_probe_seconds=3600,
        )
        app = create_app(settings)
        try:
            async with serve(app) as gateway_url, httpx.AsyncClient(base_url=gateway_url) as http:
                client: RasaClient = app.state.services.rasa
                client.answered_at = None  # forget the start-up probe
                assert (await http.get("/health/ready")).json()["rasa"] == "unavailable"
                body = (await http.post("/api/conversations")).json()
                sent = await http.post(
                    f"/api/conversations/{body['id']}/messages",
                    json={"text": "hi"},
                    headers={"Authorization": f"Bearer {body['token']}"},
                )
                assert sent.status_code == 200
                assert (await http.get("/health/ready")).json()["status"] == "ready"
        finally:
            if url.startswith("postgresql"):
                await empty_postgres(url)


async def test_a_lost_database_makes_the_gateway_not_ready() -> None:
    rasa = RasaStandIn()
    with fresh_postgres_database() as url:
        async with gateway_before(rasa, url) as (http, _):
            assert (await http.get("/health/ready")).status_code == 200
            name = url.rsplit("/", 1)[1]
            with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')

            ready = await http.get("/health/ready")
            old = await http.get("/health")
            live = await http.get("/health/live")

            assert ready.status_code == 503
            assert ready.json()["database"] == "unavailable"
            assert ready.json()["failing"] == ["database"]
            assert old.status_code == 503 and old.json()["database"] == "unavailable"
            assert live.status_code == 200


@pytest.fixture(autouse=True)
def _quiet_failed_checks(caplog: pytest.LogCaptureFixture) -> None:
    # the failed checks log their exceptions: expected here
    caplog.set_level("CRITICAL", logger="gateway.health")

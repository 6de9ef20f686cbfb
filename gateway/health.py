"""The gateway's health checks, for load balancers and orchestrators.

- ``GET /health/live``: the process answers (no I/O at all): restart it when this fails.
- ``GET /health/ready``: whether to send it traffic: its database answers a short query,
  Redis (when configured) a ping, Rasa answered within ``health_rasa_window_seconds`` (one
  replica at least; each replica's own answer is listed under ``rasa_replicas``), and
  AI assist has loaded (when it is on); 503 naming what fails otherwise.
- ``GET /health``: the older summary (status, database, rasa, assist), kept for
  compatibility; 503 only without a database (the gateway stores messages without Rasa).

Neither waits for Rasa: a background probe asks Rasa's ``/status`` every
``health_probe_seconds`` and every successful Rasa call counts as an answer
(``RasaClient.answered_at``), so a Rasa busy with a long turn does not make the gateway look
down, and one that stopped answering does, once the window has passed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

import redis.asyncio as aioredis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from gateway.background import Background
from gateway.rasa import RasaClient
from gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

# a readiness check's own query or ping: a database slower than this is not ready
CHECK_SECONDS = 2.0
# what each probe of Rasa waits at most (a busy Rasa answers a later probe)
PROBE_SECONDS = 2.0

Up = Literal["ok", "unavailable"]
Assist = Literal["off", "loading", "ready"]


class Health(TypedDict):
    status: Literal["ok", "degraded"]
    database: Up
    rasa: Up  # Rasa answered within the window (one replica at least)
    rasa_replicas: dict[str, Up]  # each Rasa server's URL: answered within the window
    # AI assist loads MiniLM and the index in the background after start-up
    assist: Assist


class Ready(TypedDict):
    status: Literal["ready", "not_ready"]
    database: Up
    redis: Literal["ok", "unavailable", "off"]  # off: not configured
    rasa: Up  # Rasa answered within the window (one replica at least)
    rasa_replicas: dict[str, Up]  # each Rasa server's URL: answered within the window
    assist: Assist
    failing: list[str]  # the parts that are not ready, e.g. ["rasa"]


class Live(TypedDict):
    status: Literal["ok"]


class Checks:
    """What the health routes ask, built in the app's lifespan."""

    def __init__(self, engine: AsyncEngine, rasa: RasaClient, settings: GatewaySettings) -> None:
        self._engine = engine
        self.rasa = rasa
        self._window = settings.health_rasa_window_seconds
        self._redis = (
            aioredis.from_url(settings.redis_url, socket_timeout=CHECK_SECONDS)
            if settings.redis_url
            else None
        )

    async def database(self) -> Up:
        try:
            async with asyncio.timeout(CHECK_SECONDS), self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            log.exception("database health check failed")
            return "unavailable"
        return "ok"

    async def redis(self) -> Literal["ok", "unavailable", "off"]:
        if self._redis is None:
            return "off"
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                await self._redis.ping()
        except Exception:
            log.exception("Redis health check failed")
            return "unavailable"
        return "ok"

    def rasa_answered(self) -> Up:
        return "ok" if self.rasa.answered_within(self._window) else "unavailable"

    def rasa_replicas(self) -> dict[str, Up]:
        return self.rasa.replica_health(self._window)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()


def probe_rasa(rasa: RasaClient, background: Background, settings: GatewaySettings) -> None:
    """Ask each Rasa replica's ``/status`` in the background whenever it has not answered
    for ``health_probe_seconds``: every second while it is down or starting (a Rasa that just
    came up is seen at once), not at all while customers' turns keep it answering."""
    every = min(1.0, settings.health_probe_seconds)

    async def probe() -> None:
        await rasa.probe_stale(
            settings.health_probe_seconds, min(PROBE_SECONDS, settings.health_probe_seconds)
        )

    background.every(every, probe, "probing Rasa")


def install(app: FastAPI) -> None:
    """The three routes; they read ``app.state.health`` (a ``Checks``) and
    ``app.state.assist``."""

    @app.get("/health/live", tags=["operations"])
    async def live() -> Live:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/health/ready", tags=["operations"], response_model=None)
    async def ready(request: Request) -> Ready | JSONResponse:
        """Ready to serve: database, Redis when configured, Rasa answered recently, AI
        assist loaded when it is on; 503 with the failing parts named otherwise."""
        checks: Checks = request.app.state.health
        assist: Assist = request.app.state.assist
        database, redis = await asyncio.gather(checks.database(), checks.redis())
        rasa = checks.rasa_answered()
        failing = [
            name
            for name, bad in (
                ("database", database != "ok"),
                ("redis", redis == "unavailable"),
                ("rasa", rasa != "ok"),
                ("assist", assist == "loading"),
            )
            if bad
        ]
        body: Ready = {
            "status": "not_ready" if failing else "ready",
            "database": database,
            "redis": redis,
            "rasa": rasa,
            "rasa_replicas": checks.rasa_replicas(),
            "assist": assist,
            "failing": failing,
        }
        return JSONResponse(dict(body), status_code=503) if failing else body

    @app.get("/health", tags=["operations"], response_model=None)
    async def health(request: Request) -> Health | JSONResponse:
        """The older summary: "degraded" when Rasa has not answered recently; 503 only
        without a database."""
        checks: Checks = request.app.state.health
        database = await checks.database()
        rasa = checks.rasa_answered()
        body: Health = {
            "status": "ok" if database == "ok" and rasa == "ok" else "degraded",
            "database": database,
            "rasa": rasa,
            "rasa_replicas": checks.rasa_replicas(),
            "assist": request.app.state.assist,
        }
        # the gateway serves (and stores messages) without Rasa; without its database it cannot
        return body if database == "ok" else JSONResponse(dict(body), status_code=503)

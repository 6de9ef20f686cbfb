"""A running gateway (real uvicorn, real database) in front of a fake Rasa server."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker

from baton.testing.fake_rasa import create_fake_rasa
from gateway.app import create_app
from gateway.settings import GatewaySettings, RateLimitSettings
from handoff.agents import AgentDirectory
from handoff.database import create_engine
from tests.services import serve


@dataclass
class RunningGateway:
    url: str
    http: httpx.AsyncClient
    rasa: FastAPI
    settings: GatewaySettings

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws/chat"

    async def add_agent(
        self, agent_id: str, skills: list[str] | None = None, capacity: int = 3
    ) -> dict[str, str]:
        """Create an agent in the gateway's database; returns its auth header."""
        engine = create_engine(self.settings.database_url)
        try:
            directory = AgentDirectory(async_sessionmaker(engine, expire_on_commit=False))
            _, token = await directory.add(
                agent_id, agent_id.title(), skills or ["general", "orders", "billing"], capacity
            )
        finally:
            await engine.dispose()
        return {"Authorization": f"Bearer {token}"}

    async def add_user(
        self, user_id: str, role: str = "agent", password: str = "correct horse battery"
    ) -> None:
        """A console user (agents and supervisors get an agent record, as `baton user add`)."""
        from agent_console.auth import DESK_ROLES, Role, Users

        engine = create_engine(self.settings.database_url)
        try:
            sessions = async_sessionmaker(engine, expire_on_commit=False)
            if Role(role) in DESK_ROLES:
                await AgentDirectory(sessions).add(
                    user_id, user_id.title(), ["general", "orders", "billing"], 3
                )
            await Users(sessions).add(user_id, user_id.title(), Role(role), password)
        finally:
            await engine.dispose()

    async def sign_in(
        self, user_id: str, password: str = "correct horse battery"
    ) -> dict[str, str]:
        """Sign in through the console's form; returns the headers a browser on the
        console's page would send (its session cookie and Origin)."""
        response = await self.http.post(
            "/console/login",
            content=f"user_id={user_id}&password={password.replace(' ', '+')}",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": self.url},
        )
        assert response.status_code == 303, response.text
        cookie = response.headers["set-cookie"].split(";", 1)[0]
        return {"Cookie": cookie, "Origin": self.url}

    async def new_conversation(self) -> tuple[str, str]:
        response = await self.http.post("/api/conversations")
        assert response.status_code == 201
        body = response.json()
        return body["id"], body["token"]


def gateway_settings(**overrides: object) -> GatewaySettings:
    # AI assist loads MiniLM: only the tests about it turn it on
    # rate limits off: tests create many conversations quickly (tests/gateway/test_limits.py
    # turns them on)
    defaults = {
        "rasa_timeout_seconds": 3,
        "assist_enabled": False,
        "rate_limit": RateLimitSettings(enabled=False),
    }
    return GatewaySettings(**({"env": "test"} | defaults | overrides))  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running_gateway(tmp_path: Path, **overrides: object) -> AsyncIterator[RunningGateway]:
    fake = create_fake_rasa()
    async with serve(fake) as rasa_url:
        overrides.setdefault("rasa_url", rasa_url)
        overrides.setdefault("database_url", f"sqlite:///{tmp_path / 'gw.db'}")
        settings = gateway_settings(**overrides)
        async with serve(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as http:
            yield RunningGateway(url, http, fake, settings)

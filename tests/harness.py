"""A running gateway (real uvicorn, real database) in front of a fake Rasa server."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker

from gateway.app import create_app
from gateway.settings import GatewaySettings
from handoff.agents import AgentDirectory
from handoff.database import create_engine
from tests.fakes.rasa import create_fake_rasa
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

    async def new_conversation(self) -> tuple[str, str]:
        response = await self.http.post("/api/conversations")
        assert response.status_code == 201
        body = response.json()
        return body["id"], body["token"]


def gateway_settings(**overrides: object) -> GatewaySettings:
    return GatewaySettings(env="test", **({"rasa_timeout_seconds": 3} | overrides))  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running_gateway(tmp_path: Path, **overrides: object) -> AsyncIterator[RunningGateway]:
    fake = create_fake_rasa()
    async with serve(fake) as rasa_url:
        overrides.setdefault("rasa_url", rasa_url)
        overrides.setdefault("database_url", f"sqlite:///{tmp_path / 'gw.db'}")
        settings = gateway_settings(**overrides)
        async with serve(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as http:
            yield RunningGateway(url, http, fake, settings)

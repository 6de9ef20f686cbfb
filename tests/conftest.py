"""Shared fixtures: the conversation store on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from handoff.database import create_engine, migrate
from handoff.store import ConversationStore
from tests.harness import RunningGateway, running_gateway
from tests.services import fresh_postgres_database


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on both engines; PostgreSQL tables are emptied between tests."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'baton.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[ConversationStore]:
    await asyncio.to_thread(migrate, database_url)
    engine = create_engine(database_url)
    try:
        yield ConversationStore(engine)
    finally:
        if engine.url.get_backend_name() == "postgresql":
            from sqlalchemy import text

            async with engine.begin() as connection:
                await connection.execute(
                    text(
                        "TRUNCATE messages, events, handoffs, conversations, agents, users,"
                        " reply_memory CASCADE"
                    )
                )
        await engine.dispose()


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[RunningGateway]:
    """A real gateway on SQLite in front of the fake Rasa server."""
    async with running_gateway(tmp_path) as running:
        yield running

"""`baton customer export|erase` as an operator runs them, on SQLite and PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from baton import cli
from handoff import privacy
from handoff.database import create_engine, migrate
from handoff.rasa_tracker import TrackerStore
from handoff.store import ConversationStore
from tests.handoff.test_privacy import (
    Backend,
    Customer,
    empty_tables,
    everything,
    seed_customer,
    tracker_for,
)
from tests.services import redis_url


@pytest.fixture
def operator_env(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """What the operator's shell says: the database, Rasa's endpoints file, Redis."""
    tracker = tracker_for(tmp_path)
    # an endpoints file as an operator's deployment has one, its variable set in the shell
    monkeypatch.setenv("TRACKER_DB", "rasa-tracker.db")
    monkeypatch.setenv("BATON_DATABASE_URL", database_url)
    monkeypatch.setenv("BATON_PROJECT_DIR", str(tmp_path))  # GatewaySettings.project_dir
    monkeypatch.setenv("BATON_RASA_ENDPOINTS", "endpoints.yml")
    redis = redis_url() if database_url.startswith("postgresql") else None
    if redis:
        monkeypatch.setenv("BATON_REDIS_URL", redis)
    else:
        monkeypatch.delenv("BATON_REDIS_URL", raising=False)
    return {"database_url": database_url, "tracker": tracker, "redis_url": redis}


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def _with_backend(env: dict[str, Any], work: Any) -> Any:
    await asyncio.to_thread(migrate, env["database_url"])
    engine = create_engine(env["database_url"])
    try:
        return await work(Backend(ConversationStore(engine), env["tracker"], env["redis_url"]))
    finally:
        await engine.dispose()


def _seed(env: dict[str, Any]) -> tuple[Customer, Customer]:
    async def work(backend: Backend) -> tuple[Customer, Customer]:
        anna = await seed_customer(backend, "Anna Berg", "anna@example.com", "+4791234567", 777001)
        ola = await seed_customer(backend, "Ola Nordmann", "ola@example.org", "+4740000001", 888002)
        return anna, ola

    seeded: tuple[Customer, Customer] = _run(_with_backend(env, work))
    return seeded


def _cleanup(env: dict[str, Any], customers: tuple[Customer, ...]) -> None:
    async def work(backend: Backend) -> None:
        if env["redis_url"]:
            ids = [c.web_id for c in customers]
            await privacy.erase_elsewhere(
                ids, TrackerStore("missing", ""), env["redis_url"], Counter()
            )
        if env["database_url"].startswith("postgresql"):
            await empty_tables(backend.store)

    _run(_with_backend(env, work))


def test_export_prints_the_customer_and_erase_leaves_only_its_record(
    operator_env: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    anna, ola = _seed(operator_env)
    try:
        assert cli.main(["customer", "export", "+47 912 34 567"]) == 0
        document = json.loads(capsys.readouterr().out)
        assert {c["id"] for c in document["conversations"]} == {anna.web_id, anna.telegram_id}
        assert document["rasa_tracker_store"]["kind"] == "sql"
        assert any(c["rasa_tracker"] for c in document["conversations"])

        output = tmp_path / "anna.json"
        assert cli.main(["customer", "export", "anna@example.com", "--output", str(output)]) == 0
        assert "2 conversation(s)" in capsys.readouterr().out
        assert json.loads(output.read_text())["conversations"] == document["conversations"]

        assert cli.main(["customer", "erase", "anna@example.com", "--yes"]) == 0
        said = capsys.readouterr().out
        assert re.search(r"erasure \d+ recorded", said) and "2 conversations" in said

        stored = _run(_with_backend(operator_env, everything))
        assert not [n for n in anna.needles if n in stored]
        assert [n for n in ola.needles if n in stored] == ola.needles
        assert cli.main(["customer", "export", "anna@example.com"]) == 0
        after = json.loads(capsys.readouterr().out)
        assert after["conversations"] == [] and len(after["erasures"]) == 1
        assert after["erasures"][0]["requested_by"].startswith("cli:")
    finally:
        _cleanup(operator_env, (anna, ola))


def test_erase_asks_first_and_refuses_an_id_that_names_nobody(
    operator_env: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    anna, ola = _seed(operator_env)
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
        assert cli.main(["customer", "erase", "telegram:777001"]) == 1
        assert "nothing erased" in capsys.readouterr().out
        assert cli.main(["customer", "erase", "not an id"]) == 2
        assert "is not a conversation id" in capsys.readouterr().err
        stored = _run(_with_backend(operator_env, everything))
        assert anna.email in stored  # still there
    finally:
        _cleanup(operator_env, (anna, ola))

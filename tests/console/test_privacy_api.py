"""The supervisors' export and erase API through a running gateway (fake Rasa, a real
database, Rasa's SQLite tracker store): who may use it, a customer on web chat and
Telegram exported then erased, retention on a schedule, and no personal data in the logs.
On SQLite and on PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from gateway.logging import ConversationFilter
from handoff import privacy
from handoff.database import create_engine, migrate
from handoff.models import ConversationRow, ErasureRow, utcnow
from handoff.rasa_tracker import TrackerStore
from handoff.records import Sender
from handoff.store import ConversationStore
from tests.console.test_handoff_api import customer, send
from tests.handoff.test_privacy import (
    Backend,
    empty_tables,
    everything,
    seed_customer,
    tracker_for,
)
from tests.harness import RunningGateway, running_gateway
from tests.services import redis_url


@asynccontextmanager
async def privacy_gateway(
    tmp_path: Path, database_url: str, **overrides: Any
) -> AsyncIterator[tuple[RunningGateway, Backend]]:
    """A gateway whose Rasa tracker store is an SQLite file in ``tmp_path``, and direct
    access to what it stores."""
    tracker = tracker_for(tmp_path)
    _endpoints_with_absolute_db(tmp_path)
    on_postgres = database_url.startswith("postgresql")
    redis = redis_url() if on_postgres else None
    async with running_gateway(
        tmp_path,
        database_url=database_url,
        redis_url=redis,
        rasa_endpoints=str(tmp_path / "endpoints.yml"),
        **overrides,
    ) as gateway:
        engine = create_engine(database_url)
        backend = Backend(ConversationStore(engine), tracker, redis)
        try:
            yield gateway, backend
        finally:
            if on_postgres:
                await empty_tables(backend.store)
            await engine.dispose()


def _endpoints_with_absolute_db(tmp_path: Path) -> None:
    # the gateway substitutes from its own environment: give it the path itself
    (tmp_path / "endpoints.yml").write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'rasa-tracker.db'}\n"
    )


async def test_only_supervisors_may_export_or_erase(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gateway:
        anna = {"customer": "anna@example.com"}
        path = "/api/supervisor/customers"
        anonymous = await gateway.http.post(f"{path}/export", json=anna)
        assert anonymous.status_code == 401
        assert anonymous.json()["error"]["code"] == "invalid_session"

        await gateway.add_user("dana", role="agent")
        agent = await gateway.sign_in("dana")
        refused = await gateway.http.post(f"{path}/export", json=anna, headers=agent)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "wrong_role"
        assert "agent role" in refused.json()["error"]["message"]
        erase = await gateway.http.post(f"{path}/erase", json=anna, headers=agent)
        assert erase.status_code == 403
        token = await gateway.add_agent("eve")  # an API token, no console role at all
        by_token = await gateway.http.post(f"{path}/export", json=anna, headers=token)
        assert by_token.status_code == 403
        bad_token = {"Authorization": "Bearer nope"}
        forged_token = await gateway.http.post(f"{path}/export", json=anna, headers=bad_token)
        assert forged_token.status_code == 401
        await gateway.add_user("kim", role="knowledge_owner")
        owner = await gateway.sign_in("kim")
        by_owner = await gateway.http.post(f"{path}/export", json=anna, headers=owner)
        assert by_owner.status_code == 403

        await gateway.add_user("sofia", role="supervisor")
        sofia = await gateway.sign_in("sofia")
        exported = await gateway.http.post(f"{path}/export", json=anna, headers=sofia)
        assert exported.status_code == 200 and exported.json()["conversations"] == []
        foreign = sofia | {"Origin": "https://evil.example"}
        forged = await gateway.http.post(f"{path}/erase", json=anna, headers=foreign)
        assert forged.status_code == 403 and forged.json()["error"]["code"] == "foreign_origin"
        nobody = await gateway.http.post(f"{path}/export", json={"customer": "anna"}, headers=sofia)
        assert nobody.status_code == 422 and "not a conversation id" in nobody.text
        engine = create_engine(gateway.settings.database_url)
        async with async_sessionmaker(engine)() as session:
            assert list(await session.scalars(select(ErasureRow))) == []  # nothing was erased
        await engine.dispose()


async def test_a_supervisor_exports_then_erases_a_customer_of_two_channels(
    tmp_path: Path, database_url: str
) -> None:
    async with privacy_gateway(tmp_path, database_url) as (gateway, backend):
        anna = await seed_customer(backend, "Anna Berg", "anna@example.com", "+4791234567", 777001)
        ola = await seed_customer(backend, "Ola Nordmann", "ola@example.org", "+4740000001", 888002)
        await gateway.add_user("sofia", role="supervisor")
        sofia = await gateway.sign_in("sofia")
        try:
            url, who = "/api/supervisor/customers", {"customer": "telegram:777001"}
            exported = (await gateway.http.post(f"{url}/export", json=who, headers=sofia)).json()
            assert {c["id"] for c in exported["conversations"]} == {anna.web_id, anna.telegram_id}
            assert exported["rasa_tracker_store"]["kind"] == "sql"
            assert any(c["rasa_tracker"] for c in exported["conversations"])
            assert any(c["notes"] for c in exported["conversations"])
            assert any(c["surveys"] for c in exported["conversations"])
            assert any(c["reply_memory"] for c in exported["conversations"])

            erased = await gateway.http.post(f"{url}/erase", json=who, headers=sofia)
            assert erased.status_code == 200, erased.text
            record = erased.json()["erasure"]
            assert record["requested_by"] == "sofia" and record["subject_kind"] == "channel_user"
            assert record["counts"]["conversations"] == 2

            stored = await everything(backend)
            assert not [n for n in anna.needles if n in stored]
            assert [n for n in ola.needles if n in stored] == ola.needles
            again = (await gateway.http.post(f"{url}/export", json=who, headers=sofia)).json()
            assert again["conversations"] == [] and again["erasures"] == [record]
        finally:
            if backend.redis_url:
                await privacy.erase_elsewhere(
                    [anna.web_id, ola.web_id], TrackerStore("missing", ""), backend.redis_url,
                    Counter(),
                )  # fmt: skip


async def test_the_gateway_erases_conversations_past_retention_on_its_own(
    tmp_path: Path, database_url: str
) -> None:
    # the first round runs as the gateway starts: an old conversation made before it does
    await asyncio.to_thread(migrate, database_url)
    engine = create_engine(database_url)
    store = ConversationStore(engine)
    old = await store.create_conversation("web")
    await store.add_message(old.id, channel="web", sender=Sender.CUSTOMER, text="Kari, 4812")
    young = await store.create_conversation("web")
    async with store.sessions.begin() as session:
        await session.execute(
            update(ConversationRow)
            .where(ConversationRow.id == old.id)
            .values(updated_at=utcnow() - timedelta(days=8))
        )
    await engine.dispose()
    async with privacy_gateway(tmp_path, database_url, retention_days=7) as (_, backend):
        async with backend.sessions() as session:
            for _ in range(200):  # the background round commits once
                runs = list(await session.scalars(select(ErasureRow)))
                if runs:
                    break
                await asyncio.sleep(0.05)
                session.expire_all()
        assert [r.kind for r in runs] == ["retention"]
        assert runs[0].counts["conversations"] == 1 and runs[0].counts["messages"] == 1
        stored = await everything(backend)
        assert old.id not in stored and "Kari, 4812" not in stored and young.id in stored


async def test_personal_data_stays_out_of_the_logs(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Logs carry conversation ids only: a conversation with a name, an e-mail address and a
    phone number, handed to an agent, answered, exported and erased, logs none of them."""
    # Baton's own loggers at their most talkative; the libraries at the gateway's default
    # level (at DEBUG the SQLite driver logs every statement with its parameters)
    caplog.set_level(logging.INFO)
    for package in ("gateway", "handoff", "connectors", "agent_console", "analytics", "baton"):
        caplog.set_level(logging.DEBUG, logger=package)
    caplog.handler.addFilter(ConversationFilter())  # as the gateway's own handler has it
    async with privacy_gateway(tmp_path, database_url) as (gateway, _):
        dana = await gateway.add_agent("dana")
        cid, auth = await customer(gateway)
        await send(gateway, cid, auth, "hi, I am Maria Lopez, phone +47 912 34 567")
        await send(gateway, cid, auth, "my email is maria@example.com")
        await send(gateway, cid, auth, "I want a human, this is maria")
        claim = await gateway.http.post(f"/api/handoff/conversations/{cid}/claim", headers=dana)
        assert claim.status_code == 200
        reply = await gateway.http.post(
            f"/api/handoff/conversations/{cid}/messages",
            json={"text": "Hi Maria Lopez, I will call +47 912 34 567"},
            headers=dana,
        )
        assert reply.status_code in (200, 201), reply.text
        await gateway.add_user("sofia", role="supervisor")
        sofia = await gateway.sign_in("sofia")
        url, maria = "/api/supervisor/customers", {"customer": "maria@example.com"}
        exported = await gateway.http.post(f"{url}/export", json=maria, headers=sofia)
        assert exported.status_code == 200 and len(exported.json()["conversations"]) == 1
        busy = await gateway.http.post(f"{url}/erase", json=maria, headers=sofia)
        assert busy.status_code == 409  # Dana is still answering her
        assert busy.json()["error"]["code"] == "customer_with_a_person"
        resolved = await gateway.http.post(
            f"/api/handoff/conversations/{cid}/resolve", json={}, headers=dana
        )
        assert resolved.status_code == 200, resolved.text
        erased = await gateway.http.post(f"{url}/erase", json=maria, headers=sofia)
        assert erased.status_code == 200, erased.text
    logged = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {getattr(r, 'conversation_id', '')}"
        for r in caplog.records
    )
    assert cid in logged  # the records do name the conversation
    for needle in ("Maria", "Lopez", "maria@example.com", "912 34 567", "4791234567"):
        assert needle not in logged, f"{needle!r} was logged"

"""A person's data found on every channel, exported, erased; retention: on SQLite and on
PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analytics.models import SurveyRow
from connectors.inbox import Inbox
from connectors.links import Links
from connectors.models import OutboxRow
from connectors.webchat.tokens import issue_token
from gateway.bus import RedisBus
from handoff import privacy, rasa_tracker, retention
from handoff.database import create_engine, migrate
from handoff.models import (
    Base,
    ConversationRow,
    ErasureRow,
    HandoffRow,
    MessageRow,
    NoteRow,
    ReplyMemoryRow,
    utcnow,
)
from handoff.rasa_tracker import TrackerStore
from handoff.records import Sender
from handoff.store import ConversationStore
from tests.services import redis_url


@dataclass(frozen=True)
class Backend:
    store: ConversationStore
    tracker: TrackerStore
    redis_url: str | None  # set on PostgreSQL: the scale-out column

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.store.sessions


def tracker_for(tmp_path: Path) -> TrackerStore:
    """An SQLite tracker store as Rasa 3.6 makes it, found through an endpoints file."""
    db = tmp_path / "rasa-tracker.db"
    engine = create_sync_engine(f"sqlite:///{db}")
    rasa_tracker._EVENTS.metadata.create_all(engine)
    engine.dispose()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: ${TRACKER_DB}\n")
    found = rasa_tracker.locate(endpoints, cwd=tmp_path, env={"TRACKER_DB": "rasa-tracker.db"})
    assert found.kind == "sql", found.note
    return found


def add_tracker_events(tracker: TrackerStore, sender_id: str, texts: list[str]) -> None:
    assert tracker.url is not None
    engine = create_sync_engine(tracker.url)
    with engine.begin() as connection:
        for i, said in enumerate(texts):
            data = {"event": "user", "text": said, "timestamp": 1.0 + i}
            connection.execute(
                rasa_tracker._EVENTS.insert().values(
                    sender_id=sender_id, type_name="user", timestamp=1.0 + i, data=json.dumps(data)
                )
            )
    engine.dispose()


async def empty_tables(store: ConversationStore) -> None:
    async with store.sessions.begin() as session:
        # the event counter's row and the queues come with the migrations
        kept = {"event_sequence", "queues"}
        names = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name not in kept)
        await session.execute(text(f"TRUNCATE {names} CASCADE"))


@pytest.fixture
async def backend(database_url: str, tmp_path: Path) -> AsyncIterator[Backend]:
    await asyncio.to_thread(migrate, database_url)
    engine = create_engine(database_url)
    store = ConversationStore(engine)
    on_postgres = engine.url.get_backend_name() == "postgresql"
    try:
        yield Backend(store, tracker_for(tmp_path), redis_url() if on_postgres else None)
    finally:
        if on_postgres:
            await empty_tables(store)
        await engine.dispose()


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    phone: str
    chat_id: int
    web_id: str
    telegram_id: str

    @property
    def needles(self) -> list[str]:
        """What must not be found anywhere once they are erased."""
        digits = "".join(c for c in self.phone if c.isdigit())
        return [
            self.name,
            self.name.split()[0],
            self.email,
            self.email.upper(),
            digits,
            self.phone,
            str(self.chat_id),
            self.web_id,
            self.telegram_id,
            f"order {self.chat_id + 5}",
        ]


async def seed_customer(
    backend: Backend, name: str, email: str, phone: str, chat_id: int
) -> Customer:
    """One customer on web chat and on Telegram (the same e-mail) with messages, identity, an
    agent's reply and note, a handoff, a survey answer, a remembered reply, a Telegram
    delivery and send, Rasa's tracker and (with Redis) the event stream."""
    store, sessions = backend.store, backend.sessions
    _, token_hash = issue_token()
    web = await store.create_conversation("web", token_hash=token_hash)
    first = await store.add_message(
        web.id, channel="web", sender=Sender.CUSTOMER, text=f"I am {name}, call me on {phone}"
    )
    await store.update_identity(web.id, {"name": name, "email": email, "phone": phone})
    reply = await store.add_message(
        web.id,
        channel="web",
        sender=Sender.AGENT,
        text=f"Thanks {name.split()[0]}, your order ships tomorrow",
        meta={"agent_name": "Ada", "agent_id": "ada"},
    )
    link, _ = await Links(sessions).conversation_for("telegram", str(chat_id), {"chat_id": chat_id})
    telegram = link.conversation_id
    said = f"where is my order {chat_id + 5}"
    await store.add_message(telegram, channel="telegram", sender=Sender.CUSTOMER, text=said)
    await store.update_identity(telegram, {"email": email.upper()})  # the same address
    answer = await store.add_message(
        telegram,
        channel="telegram",
        sender=Sender.BOT,
        text="How did we do?",
        meta={"survey": "csat"},
    )
    await Inbox(sessions).record(
        "telegram",
        str(chat_id * 10),
        {
            "update_id": chat_id * 10,
            "message": {
                "message_id": 5,
                "chat": {"id": chat_id, "type": "private", "first_name": name},
                "from": {"id": chat_id, "first_name": name},
                "text": said,
            },
        },
    )
    async with sessions.begin() as session:
        session.add(NoteRow(conversation_id=web.id, author_id="ada", author_name="Ada",
                            text=f"{name} was upset about {email}"))  # fmt: skip
        session.add(
            HandoffRow(
                conversation_id=web.id, reason="customer_request", queue="general",
                packet={"identity": {"name": name, "email": email}, "summary": f"{name} asked"},
                agent_id="ada", ended_at=utcnow(), outcome="resolved",
                resolution_note=f"told {name} it ships",
            )
        )  # fmt: skip
        session.add(
            SurveyRow(
                conversation_id=telegram, kind="csat", after="bot", channel="telegram",
                question_id=answer.message.id, score=4, status="answered",
                sent_at=utcnow(), answered_at=utcnow(),
            )
        )  # fmt: skip
        session.add(
            ReplyMemoryRow(
                conversation_id=web.id, customer_text=f"I am {name}, call me",
                reply_text=reply.message.text, model="test", vector=b"\x00" * 16,
            )
        )  # fmt: skip
        session.add(
            OutboxRow(
                key=f"message:{answer.message.id}", channel="telegram", address=str(chat_id),
                target={"chat_id": chat_id}, conversation_id=telegram,
                body={"text": f"Hello {name}"}, parts_sent=0, attempts=0, failed=False,
            )
        )  # fmt: skip
    await asyncio.to_thread(add_tracker_events, backend.tracker, web.id, [first.message.text])
    await asyncio.to_thread(add_tracker_events, backend.tracker, telegram, [said, email])
    if backend.redis_url:
        bus = RedisBus(backend.redis_url)
        assert first.event is not None
        await bus.publish(web.id, first.event.wire())  # type: ignore[arg-type]
        await bus.publish("*desk", first.event.wire())  # type: ignore[arg-type]
        await bus.close()
    return Customer(name, email, phone, chat_id, web.id, telegram)


def _cell(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


async def everything(backend: Backend) -> str:
    """Every row of every table of Baton's database, Rasa's tracker and the Redis stream,
    as one text to search."""
    parts = []
    async with backend.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in await session.execute(select(table)):
                parts.append(f"{table.name}: " + " | ".join(_cell(v) for v in row))
    assert backend.tracker.url is not None
    engine = create_sync_engine(backend.tracker.url)
    with engine.connect() as connection:
        for row in connection.execute(select(rasa_tracker._EVENTS)):
            parts.append("rasa: " + " | ".join(_cell(v) for v in row))
    engine.dispose()
    if backend.redis_url:
        from redis import asyncio as aioredis

        client = aioredis.from_url(backend.redis_url)
        entries: Any = await client.xrange(privacy.REDIS_STREAM)
        for _, fields in entries:
            parts.append("redis: " + " | ".join(_cell(v) for v in fields.values()))
        await client.aclose()
    return "\n".join(parts)


async def forget_stream_entries(backend: Backend, ids: list[str]) -> None:
    """The test's own Redis entries (the stream is shared with other tests)."""
    await privacy.erase_elsewhere(ids, TrackerStore("missing", ""), backend.redis_url, Counter())


async def test_a_customer_on_web_chat_and_telegram_is_exported_then_erased_everywhere(
    backend: Backend,
) -> None:
    anna = await seed_customer(
        backend, "Anna Berg", "anna.berg@example.com", "+47 912 34 567", 777001
    )
    other = await seed_customer(
        backend, "Ola Nordmann", "ola@example.org", "+47 400 00 001", 888002
    )
    subject = privacy.parse_subject("Anna.Berg@Example.com")
    try:
        document = await privacy.export(backend.sessions, subject, tracker=backend.tracker)
        assert document["schema"] == privacy.SCHEMA and document["schema_version"] == 1
        by_id = {c["id"]: c for c in document["conversations"]}
        assert set(by_id) == {anna.web_id, anna.telegram_id}  # both channels, not Ola's
        web, telegram = by_id[anna.web_id], by_id[anna.telegram_id]
        assert web["identity"] == {"name": "Anna Berg", "email": "anna.berg@example.com",
                                   "phone": "+47 912 34 567"}  # fmt: skip
        said = [m["text"] for m in web["messages"]]
        assert said == ["I am Anna Berg, call me on +47 912 34 567",
                        "Thanks Anna, your order ships tomorrow"]  # fmt: skip
        assert web["notes"][0]["text"] == "Anna Berg was upset about anna.berg@example.com"
        assert web["handoffs"][0]["resolution_note"] == "told Anna Berg it ships"
        assert web["reply_memory"][0]["customer_text"] == "I am Anna Berg, call me"
        assert "vector" not in web["reply_memory"][0]
        assert web["events"] and web["rasa_tracker"][0]["text"].startswith("I am Anna")
        assert telegram["surveys"][0]["score"] == 4
        assert telegram["channel_links"][0]["address"] == "777001"
        assert [t["text"] for t in telegram["rasa_tracker"]] == [
            "where is my order 777006", "anna.berg@example.com"]  # fmt: skip
        assert [d["body"]["message"]["chat"]["id"] for d in document["inbox"]] == [777001]
        assert [o["body"]["text"] for o in document["outbox"]] == ["Hello Anna Berg"]
        assert document["rasa_tracker_store"]["kind"] == "sql"
        assert document["erasures"] == []
        assert web["created_at"].endswith("+00:00")  # ISO 8601, UTC
        json.dumps(document)  # one JSON document
        before_other = await privacy.export(
            backend.sessions, privacy.parse_subject(other.email), tracker=backend.tracker
        )
        async with backend.sessions() as session:
            conversations = await session.scalar(select(func.count()).select_from(ConversationRow))
            messages = await session.scalar(select(func.count()).select_from(MessageRow))

        erased = await privacy.erase(
            backend.sessions, subject, requested_by="sofia", tracker=backend.tracker,
            redis_url=backend.redis_url,
        )  # fmt: skip

        counts = erased.record["counts"]
        assert counts["conversations"] == 2 and counts["messages"] == 4
        assert counts["notes"] == 1 and counts["reply_memory"] == 1 and counts["inbox"] == 1
        assert counts["outbox"] == 1 and counts["surveys"] == 1 and counts["identities"] == 2
        assert counts["rasa_tracker_events"] == 3 and counts["channel_links"] == 1
        if backend.redis_url:
            assert counts["redis_events"] == 2  # its socket's entry and the desk's naming it
        stored = await everything(backend)
        for needle in anna.needles:
            assert needle not in stored, f"{needle!r} is still stored"
        for needle in other.needles:  # Ola is untouched
            assert needle in stored, f"{needle!r} of another customer was erased"
        after_other = await privacy.export(
            backend.sessions, privacy.parse_subject(other.email), tracker=backend.tracker
        )
        del before_other["exported_at"], after_other["exported_at"]
        assert after_other == before_other
        async with backend.sessions() as session:
            # the figures still count them: anonymised, not gone
            assert (
                await session.scalar(select(func.count()).select_from(ConversationRow))
                == conversations
            )
            assert await session.scalar(select(func.count()).select_from(MessageRow)) == messages
            assert 4 in set(await session.scalars(select(SurveyRow.score)))
            record = (await session.scalars(select(ErasureRow))).one()
        assert (record.kind, record.subject_kind, record.requested_by) == (
            "request",
            "email",
            "sofia",
        )

        again = await privacy.export(backend.sessions, subject, tracker=backend.tracker)
        assert again["conversations"] == [] and again["inbox"] == [] and again["outbox"] == []
        assert again["erasures"] == [erased.record]
        # by another of their IDs: nothing at all
        by_chat = await privacy.export(
            backend.sessions, privacy.parse_subject("telegram:777001"), tracker=backend.tracker
        )
        assert by_chat["conversations"] == [] and by_chat["inbox"] == []
    finally:
        if backend.redis_url:
            await forget_stream_entries(backend, [anna.web_id, other.web_id])


async def test_a_telegram_user_id_and_a_phone_number_find_the_same_person(
    backend: Backend,
) -> None:
    anna = await seed_customer(backend, "Anna Berg", "anna@example.com", "+47 912 34 567", 777001)
    try:
        for raw in ("telegram:777001", "0047 912-34-567", anna.web_id, f"webchat:{anna.web_id}"):
            async with backend.sessions() as session:
                person = await privacy.find_person(session, privacy.parse_subject(raw))
            assert person.conversation_ids == {anna.web_id, anna.telegram_id}, raw
            assert person.links == {("telegram", "777001")}
            assert len(person.inbox_ids) == 1
    finally:
        if backend.redis_url:
            await forget_stream_entries(backend, [anna.web_id])


async def test_a_slack_user_id_finds_their_direct_messages(backend: Backend) -> None:
    link, _ = await Links(backend.sessions).conversation_for("slack", "T1:D42", {"channel": "D42"})
    event = {"type": "message", "channel_type": "im", "channel": "D42", "user": "U42",
             "text": "hello", "ts": "1.1"}  # fmt: skip
    await Inbox(backend.sessions).record("slack", "Ev1", {"team_id": "T1", "event": event})
    await Inbox(backend.sessions).record(
        "slack", "Ev2", {"team_id": "T1", "event": event | {"user": "U7", "channel": "D7"}}
    )
    async with backend.sessions() as session:
        person = await privacy.find_person(session, privacy.parse_subject("slack:U42"))
        by_place = await privacy.find_person(session, privacy.parse_subject("slack:T1:D42"))
    assert person.conversation_ids == {link.conversation_id} == by_place.conversation_ids
    assert len(person.inbox_ids) == 1 and person.inbox_ids == by_place.inbox_ids


async def test_a_customer_still_queued_or_with_an_agent_is_not_erased(backend: Backend) -> None:
    anna = await seed_customer(backend, "Anna Berg", "anna@example.com", "+4791234567", 777001)
    try:
        await _age(backend, anna.telegram_id, 0, "queued")
        with pytest.raises(privacy.WithAPerson, match="1 conversation"):
            await privacy.erase(
                backend.sessions, privacy.parse_subject(anna.email), requested_by="sofia",
                tracker=backend.tracker, redis_url=backend.redis_url,
            )  # fmt: skip
        stored = await everything(backend)
        assert [n for n in anna.needles if n in stored] == anna.needles
        assert "erasures:" not in stored
    finally:
        if backend.redis_url:
            await forget_stream_entries(backend, [anna.web_id])


@pytest.mark.parametrize(
    ("raw", "kind", "value", "channel"),
    [
        ("Anna@Example.COM ", "email", "anna@example.com", None),
        ("+47 912 34 567", "phone", "4791234567", None),
        ("telegram:12345", "channel_user", "12345", "telegram"),
        ("slack:U123", "channel_user", "U123", "slack"),
        ("webchat:visitor-1", "channel_user", "visitor-1", "webchat"),
        ("0F8FAD5B-D9CB-469F-A165-70867728950E", "conversation",
         "0f8fad5b-d9cb-469f-a165-70867728950e", None),
    ],
)  # fmt: skip
def test_parse_subject_names_the_kind_of_id(
    raw: str, kind: str, value: str, channel: str | None
) -> None:
    assert privacy.parse_subject(raw) == privacy.Subject(kind, value, channel)


@pytest.mark.parametrize(
    "raw", ["", "anna", "telegram:", "12", "hello world", "anna@x\x00.com", "a\ud800@x.com"]
)
def test_parse_subject_refuses_what_names_nobody(raw: str) -> None:
    with pytest.raises(privacy.SubjectError):
        privacy.parse_subject(raw)


def test_an_in_memory_tracker_store_is_reported_not_skipped(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n")
    found = rasa_tracker.locate(endpoints, cwd=tmp_path, env={})
    assert found.kind == "in_memory" and "in memory" in found.note
    endpoints.write_text("tracker_store:\n  type: redis\n  url: localhost\n")
    assert rasa_tracker.locate(endpoints, cwd=tmp_path, env={}).kind == "unsupported"
    assert rasa_tracker.read_events(found, ["x"]) == {}
    assert rasa_tracker.delete_events(found, ["x"]) == 0


def test_a_postgresql_tracker_store_is_found_with_its_variables(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: db.internal\n"
        "  host: ${DB_HOST}\n  port: 5433\n  db: rasa\n  username: rasa\n"
        "  password: ${DB_PASSWORD}\n"
    )
    found = rasa_tracker.locate(
        endpoints, cwd=tmp_path, env={"DB_HOST": "db.internal", "DB_PASSWORD": "s3cret"}
    )
    assert found.kind == "sql" and found.url is not None
    assert found.url.render_as_string(hide_password=False) == (
        "postgresql+psycopg://rasa:s3cret@db.internal:5433/rasa"
    )
    assert "s3cret" not in found.note  # the note is shown to operators


def test_the_default_tracker_store_is_the_one_baton_run_gives_rasa(tmp_path: Path) -> None:
    from baton import paths
    from baton.stack import rasa_files

    project = tmp_path / "assistant"
    project.mkdir()
    var = paths.var_dir(project)
    try:
        rasa_files(var)
        assert rasa_tracker.configured(project).kind == "missing"  # Rasa has not run yet
        (var / "rasa-tracker.db").touch()
        found = rasa_tracker.configured(project)
        assert found.kind == "sql" and str(var / "rasa-tracker.db") in found.note
    finally:
        import shutil

        shutil.rmtree(var, ignore_errors=True)


async def _age(backend: Backend, cid: str, days: int, owner: str) -> None:
    async with backend.sessions.begin() as session:
        await session.execute(
            update(ConversationRow)
            .where(ConversationRow.id == cid)
            .values(updated_at=utcnow() - timedelta(days=days), owner=owner)
        )


async def test_retention_erases_only_conversations_idle_past_the_limit(backend: Backend) -> None:
    old = await seed_customer(backend, "Anna Berg", "anna@example.com", "+47 912 34 567", 777001)
    recent = await seed_customer(
        backend, "Ola Nordmann", "ola@example.org", "+47 400 00 001", 888002
    )
    queued = await backend.store.create_conversation("web")
    await backend.store.add_message(
        queued.id, channel="web", sender=Sender.CUSTOMER, text="Kari here"
    )
    await _age(backend, old.web_id, 40, "resolved")
    await _age(backend, old.telegram_id, 31, "bot")
    await _age(backend, recent.telegram_id, 29, "resolved")
    await _age(backend, queued.id, 90, "queued")  # still waiting for a person
    try:
        every = timedelta(hours=1)
        record = await retention.apply_retention(
            backend.sessions, 30, tracker=backend.tracker, redis_url=backend.redis_url, every=every
        )
        assert record is not None and record["kind"] == "retention"
        assert record["counts"]["conversations"] == 2
        stored = await everything(backend)
        for needle in old.needles:
            assert needle not in stored
        for needle in [*recent.needles, queued.id, "Kari here"]:
            assert needle in stored
        # another replica asking within the interval does nothing
        assert await retention.apply_retention(
            backend.sessions, 30, tracker=backend.tracker, redis_url=backend.redis_url, every=every
        ) is None  # fmt: skip
        async with backend.sessions() as session:
            runs = list(await session.scalars(select(ErasureRow)))
        assert [r.kind for r in runs] == ["retention"]
    finally:
        if backend.redis_url:
            await forget_stream_entries(backend, [old.web_id, recent.web_id])


async def test_retention_waits_while_another_replica_holds_the_lock(backend: Backend) -> None:
    if backend.redis_url is None:
        pytest.skip("the lock is shared through Redis (or PostgreSQL) between replicas")
    from redis import asyncio as aioredis

    client = aioredis.from_url(backend.redis_url)
    await client.set(retention.REDIS_LOCK, "another replica", px=60_000)
    try:
        assert await retention.apply_retention(
            backend.sessions, 30, tracker=backend.tracker, redis_url=backend.redis_url
        ) is None  # fmt: skip
    finally:
        await client.delete(retention.REDIS_LOCK)
        await client.aclose()
    # PostgreSQL without Redis: an advisory lock does the same
    key = retention._ADVISORY_KEY
    async with backend.sessions() as other:
        await other.execute(text(f"SELECT pg_advisory_lock({key})"))
        assert await retention.apply_retention(
            backend.sessions, 30, tracker=backend.tracker
        ) is None  # fmt: skip
        await other.execute(text(f"SELECT pg_advisory_unlock({key})"))
    assert await retention.apply_retention(
        backend.sessions, 30, tracker=backend.tracker, redis_url=backend.redis_url
    ) is not None  # fmt: skip

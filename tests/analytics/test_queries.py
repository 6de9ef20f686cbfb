"""Loading records from the real store (SQLite and PostgreSQL), the figures over a period,
and the migration of the analytics tables."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from analytics.live import live_snapshot
from analytics.metrics import UNKNOWN_LANGUAGE, Definitions, summarise
from analytics.prometheus import exposition, read_figures
from analytics.queries import BadPeriod, Filters, Period, load_records, period_facts
from analytics.settings import AnalyticsSettings
from analytics.survey import Surveys
from baton import paths
from baton.project import load_project
from handoff.agents import AgentDirectory
from handoff.database import alembic_config, create_engine, migrate
from handoff.desk import HandoffDesk
from handoff.records import Nlu, Sender
from handoff.settings import HandoffSettings
from handoff.store import ConversationStore
from tests.analytics.build import ROLES

DEFS = Definitions(intents=ROLES)


async def _noop(events: object) -> None:
    return None


async def played(store: ConversationStore) -> dict[str, str]:
    """Three conversations: one the bot helped, one handed off, answered and resolved with a
    survey answer, one waiting in the queue."""
    desk = HandoffDesk(
        store.sessions, HandoffSettings().for_contract(load_project(paths.DEMO).contract)
    )
    surveys = Surveys(store, AnalyticsSettings(), _noop, intents=ROLES)
    helped = await store.create_conversation("webchat")
    ask = await store.add_message(
        helped.id, channel="webchat", sender=Sender.CUSTOMER, text="return? dana@example.com",
        meta={"sentiment": 0.1},
    )  # fmt: skip
    await store.set_nlu(
        ask.message,
        Nlu("returns", 0.9, [{"entity": "email", "value": "Dana@Example.com"}]),
    )
    answer = await store.add_message(
        helped.id,
        channel="webchat",
        sender=Sender.BOT,
        text="30 days.",
        reply_to_id=ask.message.id,
        meta={"article": {"id": "returns-policy"}},
    )
    assert answer.created
    yes = await store.add_message(helped.id, channel="webchat", sender=Sender.CUSTOMER, text="yes")
    await store.set_nlu(yes.message, Nlu("affirm", 0.95))

    human = await store.create_conversation("telegram")
    first = await store.add_message(
        human.id, channel="telegram", sender=Sender.CUSTOMER, text="where is my order"
    )
    await store.set_nlu(first.message, Nlu("order_status", 0.9))
    await desk.request_handoff(
        human.id, reason="request_human", identity={"name": "Sam", "email": "sam@example.com"}
    )
    await AgentDirectory(store.sessions).add("dana", "Dana", ["orders", "general"])
    await desk.claim(human.id, "dana")
    await desk.reply(human.id, "dana", "Hi Sam, could you confirm your email?")
    await desk.resolve(human.id, "dana")
    question = await surveys.after_resolve(human.id, "dana")
    assert question is not None
    score = await store.add_message(human.id, channel="telegram", sender=Sender.CUSTOMER, text="5")
    assert await surveys.intercept(await store.get_conversation(human.id), score.message, None)

    await store.create_conversation("webchat")  # opened, never written in: not counted
    waiting = await store.create_conversation("webchat")
    await store.add_message(
        waiting.id, channel="webchat", sender=Sender.CUSTOMER, text="this is useless",
        meta={"sentiment": -0.8},
    )  # fmt: skip
    await desk.request_handoff(waiting.id, reason="negative_sentiment")
    return {"helped": helped.id, "human": human.id, "waiting": waiting.id}


async def test_records_load_with_turns_stays_surveys_and_contacts(store: ConversationStore) -> None:
    ids = await played(store)
    now = datetime.now(UTC)
    async with store.sessions() as session:
        records = {
            r.id: r
            for r in await load_records(session, now - timedelta(hours=1), now + timedelta(hours=1))
        }
    assert set(ids.values()) < set(records)  # and the conversation nobody wrote in
    [empty] = [r for r in records.values() if r.id not in ids.values()]
    assert empty.turns == ()
    helped = records[ids["helped"]]
    assert [t.sender for t in helped.turns] == [Sender.CUSTOMER, Sender.BOT, Sender.CUSTOMER]
    assert helped.turns[1].article and helped.turns[1].reply_to_id == helped.turns[0].id
    assert helped.turns[0].text == ""  # customer texts are not read
    assert helped.contacts == {"email:dana@example.com"}  # from the NLU's entity
    human = records[ids["human"]]
    [stay] = human.stays
    assert stay.identity == {"name": "Sam", "email": "sam@example.com"}
    assert stay.assigned_at and stay.first_reply_at and stay.outcome == "resolved"
    assert human.contacts == {"email:sam@example.com"}
    agent_turn = next(t for t in human.turns if t.sender is Sender.AGENT)
    assert "confirm your email" in agent_turn.text
    assert [(s.kind, s.after, s.score) for s in human.surveys] == [
        ("csat", "agent", 5),
        ("effort", "agent", None),
    ]
    assert human.turns[-2].survey_answer and human.turns[-1].survey_question


async def test_period_figures_and_filters(store: ConversationStore) -> None:
    ids = await played(store)
    today = datetime.now(UTC).date()
    period = Period(today, today)
    facts = {f.id: f for f in await period_facts(store.sessions, period, DEFS)}
    assert facts[ids["helped"]].contained is None  # pending: the window has not passed
    assert facts[ids["human"]].reask_stays == 1
    summary = summarise(facts.values())
    assert (summary.conversations, summary.handed_off, summary.stays) == (3, 2, 2)
    assert summary.reasons == {"request_human": 1, "negative_sentiment": 1}
    assert summary.csat == [5] and summary.knowledge_accepted == 1
    # two days later the bot's conversation is verified contained
    later = await period_facts(
        store.sessions, period, DEFS, now=datetime.now(UTC) + timedelta(days=2)
    )
    later_by_id = {f.id: f for f in later}
    assert later_by_id[ids["helped"]].contained is True
    assert later_by_id[ids["waiting"]].abandoned == 1  # nobody took it; customer silent
    only_telegram = await period_facts(store.sessions, period, DEFS, Filters(channel="telegram"))
    assert [f.id for f in only_telegram] == [ids["human"]]
    orders = await period_facts(store.sessions, period, DEFS, Filters(queue="orders"))
    assert [f.id for f in orders] == [ids["human"]]
    yesterday = Period(today - timedelta(days=1), today - timedelta(days=1))
    assert await period_facts(store.sessions, yesterday, DEFS) == []


async def test_conversation_languages_are_read_and_filtered(store: ConversationStore) -> None:
    ids = await played(store)
    await store.set_language(ids["helped"], "nb")
    await store.set_language(ids["human"], "pl")
    today = datetime.now(UTC).date()
    period = Period(today, today)
    facts = {f.id: f.language for f in await period_facts(store.sessions, period, DEFS)}
    assert facts == {ids["helped"]: "nb", ids["human"]: "pl", ids["waiting"]: UNKNOWN_LANGUAGE}
    polish = await period_facts(store.sessions, period, DEFS, Filters(language="pl"))
    assert [f.id for f in polish] == [ids["human"]]
    unknown = await period_facts(store.sessions, period, DEFS, Filters(language=UNKNOWN_LANGUAGE))
    assert [f.id for f in unknown] == [ids["waiting"]]


async def test_live_snapshot_and_prometheus_figures(store: ConversationStore) -> None:
    ids = await played(store)
    live = await live_snapshot(
        store.sessions, bot_idle=timedelta(minutes=30), sentiment_threshold=-0.5, sentiment_turns=3
    )
    assert live["open"] == {"bot": 1, "queued": 1, "assigned": 0, "total": 2}
    assert live["queues"][0]["waiting"] == 1
    assert [a["id"] for a in live["agents"]] == ["dana"]
    assert live["presence"] == {"available": 0, "busy": 0, "away": 1}
    assert [n["conversation_id"] for n in live["negative"]] == [ids["waiting"]]
    assert live["negative"][0]["last_text"] == "this is useless"

    figures = await read_figures(store.sessions, timedelta(minutes=30))
    text = exposition(figures).decode()
    assert 'baton_messages_total{channel="telegram",sender="agent"} 1.0' in text
    assert 'baton_handoffs_total{reason="negative_sentiment"} 1.0' in text
    assert 'baton_open_conversations{owner="queued"} 1.0' in text
    assert 'baton_agents{presence="away"} 1.0' in text
    assert 'baton_survey_answers_total{kind="csat",score="5"} 1.0' in text
    assert "baton_bot_turn_seconds_bucket" in text


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-13-01", None, "YYYY-MM-DD"),
        ("yesterday", None, "YYYY-MM-DD"),
        ("2026-11-20", "2026-11-10", "starts"),
        ("2020-01-01", "2026-11-10", "at most"),
    ],
)
def test_bad_periods_are_refused_with_a_reason(first: str, last: str | None, message: str) -> None:
    with pytest.raises(BadPeriod, match=message):
        Period.parse(first, last, today=datetime(2026, 11, 29).date())


def test_default_period_is_the_last_fourteen_days() -> None:
    period = Period.parse(None, None, today=datetime(2026, 11, 29).date())
    assert (str(period.first), str(period.last), len(period.days())) == (
        "2026-11-16",
        "2026-11-29",
        14,
    )


async def test_migration_adds_and_removes_the_survey_table(database_url: str) -> None:
    from alembic import command

    await asyncio.to_thread(migrate, database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
            assert "survey_responses" in tables
        await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0005")
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
            indexes = await connection.run_sync(
                lambda c: [i["name"] for i in inspect(c).get_indexes("conversations")]
            )
        assert "survey_responses" not in tables
        assert "ix_conversations_created_at" not in indexes
    finally:
        await asyncio.to_thread(migrate, database_url)
        await engine.dispose()

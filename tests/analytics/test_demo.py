"""The demo history: planned deterministically, played through the real stack (Rasa, the
action server, the gateway), and its backdating moves whole conversations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from analytics.demo import SCENARIOS, backdate, plan, play_history, unplayable
from analytics.demo_texts import DemoFileError, load_texts
from analytics.metrics import Definitions, summarise
from analytics.models import SurveyRow
from analytics.queries import Period, period_facts
from baton.project import load_project
from handoff.database import create_engine
from handoff.models import HandoffRow, MessageRow
from handoff.records import Sender
from handoff.store import ConversationStore
from tests.analytics.build import ROLES
from tests.stack import Stack, running_stack


def test_the_plan_is_the_same_for_a_seed_and_varies_between_seeds() -> None:
    first = [(c.scenario, c.email, c.order) for c in plan(7, 200)]
    assert first == [(c.scenario, c.email, c.order) for c in plan(7, 200)]
    assert first != [(c.scenario, c.email, c.order) for c in plan(8, 200)]
    assert {scenario for scenario, _, _ in first} == set(SCENARIOS)
    customers = plan(7, 200)
    assert sum(c.conversations for c in customers) in (200, 201)


def test_customer_texts_come_from_the_bot_and_the_help_centre() -> None:
    texts = load_texts()
    assert len(texts.intents.help) == 11
    assert all(texts.of(intent) for intent in texts.intents.help)
    assert texts.intents.human == "request_human" and texts.intents.always_human == "complaint"
    assert texts.intents.lookup_values[0] == "12345"
    assert unplayable(texts) == frozenset()
    assert {c.order for c in plan(7, 100, texts)} <= set(texts.intents.lookup_values)
    assert "where is my order 12345" in texts.of("order_status")  # annotation removed
    assert any(
        "Returning a product" in q or "returning a product" in q for q in texts.help_questions()
    )


def test_an_assistant_without_demo_phrases_plays_only_what_it_can(tmp_path: Path) -> None:
    # the starter baton init writes: no demo_history.yml, no lookup, no always-human intent
    from baton.init import write_starter

    write_starter(tmp_path / "bot")
    texts = load_texts(load_project(tmp_path / "bot"))
    assert texts.intents.human == "talk_to_person"
    skipped = unplayable(texts)
    assert {"lookup", "recontact", "always_human"} <= skipped and "human" not in skipped
    assert {c.scenario for c in plan(3, 300, texts)} == set(SCENARIOS) - skipped
    (tmp_path / "bot" / "demo_history.yml").write_text("opening: no_such_intent\n")
    with pytest.raises(DemoFileError, match="opening: the domain has no intent 'no_such_intent'"):
        load_texts(load_project(tmp_path / "bot"))


async def test_backdating_moves_every_time_of_a_conversation_together(
    store: ConversationStore,
) -> None:
    conversation = await store.create_conversation("web")
    stored = await store.add_message(
        conversation.id, channel="web", sender=Sender.CUSTOMER, text="hello"
    )
    other = await store.create_conversation("web")
    await backdate(store.sessions, [conversation.id], timedelta(days=3))
    moved = await store.get_conversation(conversation.id)
    assert conversation.created_at - moved.created_at == timedelta(days=3)
    [message] = await store.transcript(conversation.id)
    assert stored.message.created_at - message.created_at == timedelta(days=3)
    assert (await store.get_conversation(other.id)).created_at == other.created_at


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path_factory.mktemp("demo-stack")) as running:
        yield running


@pytest.mark.slow
async def test_a_handful_of_conversations_through_the_real_stack(stack: Stack) -> None:
    engine = create_engine(stack.database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        report = await play_history(
            stack.url, sessions, load_texts(), conversations=14, seed=11, concurrency=2
        )
        assert report.conversations >= 14 and report.customers <= report.conversations
        assert sum(report.scenarios.values()) == report.customers
        today = datetime.now(UTC).date()
        facts = await period_facts(sessions, Period(today, today), Definitions(intents=ROLES))
        summary = summarise(facts)
        assert summary.conversations == report.conversations
        assert summary.stays == report.handoffs
        async with sessions() as session:
            handoffs = list(await session.scalars(select(HandoffRow)))
            surveys = list(await session.scalars(select(SurveyRow)))
            errors = list(
                await session.scalars(
                    select(MessageRow).where(
                        MessageRow.sender == Sender.BOT.value,
                        MessageRow.text.contains("having trouble"),
                    )
                )
            )
        assert errors == []  # every turn was answered by the real bot
        # every handoff ended: resolved by an agent, or closed from the queue (abandoned)
        assert all(h.ended_at is not None for h in handoffs)
        assert sum(h.assigned_at is not None for h in handoffs) == report.resolved
        assert summary.abandoned == report.abandoned
        answered = [s for s in surveys if s.score is not None]
        assert len(answered) == report.surveys_answered
        # the real bot understood the customers: intents recorded on their messages
        assert sum(summary.turns_by_intent.values()) > report.conversations
    finally:
        await engine.dispose()

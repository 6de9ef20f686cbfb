"""AI assist: the bot's responses per intent, the memory of agents' replies, knowledge
passages, and how the three are combined (real MiniLM, real FAISS, real databases)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_console.assist import Assistant
from agent_console.memory import ReplyMemory, reply_pairs
from agent_console.responses import BotResponses
from baton import paths
from baton.knowledge import ensure_index, index_dir
from handoff.models import ReplyMemoryRow
from handoff.records import Message, Sender
from handoff.store import ConversationStore
from knowledge_index import Embedder, load_embedder


def turns(*pairs: tuple[str, str]) -> list[Message]:
    now = datetime.now(UTC)
    return [
        Message(
            id=i, conversation_id="c", channel="web", sender=Sender(who), text=text, created_at=now
        )
        for i, (who, text) in enumerate(pairs, start=1)
    ]


REFUND_TALK = turns(
    ("customer", "hi"),
    ("bot", "Hi! How can I help?"),
    ("customer", "my refund never arrived"),
    ("customer", "it has been three weeks"),
    ("agent", "ok"),  # too short to suggest again
    ("agent", "I've re-sent the refund to your card; it shows within 5 working days."),
    ("customer", "thanks"),
)


# -- the bot's responses


def test_the_bots_response_is_read_from_its_rules_and_domain(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "domain.yml").write_text(
        "responses:\n"
        "  utter_cancel:\n"
        "    - text: 'You can cancel order {order_number} until it ships, {name}.'\n"
        "    - text: 'You can cancel until the order ships.'\n"
        "  utter_hello:\n"
        "    - text: Hi, I'm the bot\n"
    )
    (tmp_path / "data" / "rules.yml").write_text(
        "rules:\n"
        "  - rule: cancel\n"
        "    steps:\n"
        "      - intent: cancel_order\n"
        "      - action: utter_cancel\n"
        "  - rule: greet\n"
        "    steps:\n"
        "      - intent: greet\n"
        "      - action: utter_hello\n"
        "  - rule: lookup\n"
        "    steps:\n"
        "      - intent: order_status\n"
        "      - action: action_order_status\n"
    )
    responses = BotResponses.load(tmp_path)
    filled = responses.for_intent("cancel_order", {"name": "Maria", "order_number": "SH-1"})
    assert filled is not None and filled.text == "You can cancel order SH-1 until it ships, Maria."
    unfilled = responses.for_intent("cancel_order", {"name": "Maria"})
    assert unfilled is not None and unfilled.text == "You can cancel until the order ships."
    assert responses.for_intent("greet", {}) is None  # speaks as the bot
    assert responses.for_intent("order_status", {}) is None  # a custom action
    assert responses.for_intent(None, {}) is None


def test_the_demo_bots_responses() -> None:
    responses = BotResponses.load(paths.BOT)
    cancel = responses.for_intent("cancel_order", {})
    assert cancel is not None and "cancel" in cancel.text.lower()
    assert responses.for_intent("returns", {}) is None  # answered from the help centre


def test_reply_pairs_join_the_customers_words_since_the_last_agent_message() -> None:
    pairs = reply_pairs(REFUND_TALK)
    assert [(p.customer_text, p.reply_text) for p in pairs] == [
        (
            "my refund never arrived it has been three weeks",
            "I've re-sent the refund to your card; it shows within 5 working days.",
        )
    ]
    assert reply_pairs(REFUND_TALK[:6] + REFUND_TALK[1:6]) == pairs  # the same exchange once


# -- the memory of replies, on SQLite and PostgreSQL


@pytest.fixture(scope="module")
def embedder() -> Iterator[Embedder]:
    yield load_embedder()


@pytest.fixture
async def sessions(store: ConversationStore) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    yield store.sessions


@pytest.fixture
async def assistant(
    sessions: async_sessionmaker[AsyncSession], embedder: Embedder
) -> AsyncIterator[Assistant]:
    assert ensure_index() == 0
    helper = Assistant(sessions, BotResponses.load(paths.BOT), index_dir(), embedder=embedder)
    helper._refresh_index()
    await helper.start()
    try:
        yield helper
    finally:
        helper.close()


async def suggest(assistant: Assistant, text: str, **nlu: Any) -> list[Any]:
    return await assistant.suggest(
        text,
        intent=nlu.get("intent"),
        confidence=nlu.get("confidence"),
        identity=nlu.get("identity", {}),
    )


async def test_a_resolved_conversations_reply_is_suggested_for_a_paraphrase_only(
    assistant: Assistant, sessions: async_sessionmaker[AsyncSession], embedder: Embedder
) -> None:
    assert await assistant.remember("c-1", REFUND_TALK) == 1
    found = await suggest(assistant, "my refund still hasn't arrived, it's been weeks")
    memory = [s for s in found if s.kind == "memory"]
    assert memory and memory[0].text.startswith("I've re-sent the refund")
    assert memory[0].source["conversation_id"] == "c-1"
    assert not [
        s for s in await suggest(assistant, "do you sell hdmi cables") if s.kind == "memory"
    ]

    assert await assistant.remember("c-1", REFUND_TALK) == 1  # resolved again: still one row
    fresh = ReplyMemory(embedder.dimension, embedder.identity)
    assert await fresh.load(sessions) == 1  # persisted
    async with sessions.begin() as session:
        session.add(
            ReplyMemoryRow(
                conversation_id="old",
                customer_text="my refund never arrived",
                reply_text="made with another model",
                model="another-model",
                vector=np.ones(embedder.dimension, dtype=np.float32).tobytes(),
            )
        )
    assert await ReplyMemory(embedder.dimension, embedder.identity).load(sessions) == 1


async def test_knowledge_bot_and_memory_together_best_first(assistant: Assistant) -> None:
    found = await suggest(assistant, "how do I return a product I bought?")
    knowledge = [s for s in found if s.kind == "knowledge"]
    assert knowledge and knowledge[0].source["url"]
    assert knowledge[0].source["url"] in knowledge[0].text
    assert not [s for s in await suggest(assistant, "asdf qwerty zxcv") if s.kind == "knowledge"]

    both = await suggest(
        assistant, "can I still cancel my order?", intent="cancel_order", confidence=0.93
    )
    assert "bot" in {s.kind for s in both} and len(both) <= 3
    assert [s.score for s in both] == sorted((s.score for s in both), reverse=True)
    assert not [
        s
        for s in await suggest(assistant, "cancel?", intent="cancel_order", confidence=0.3)
        if s.kind == "bot"
    ]


@pytest.mark.parametrize("text", ["x" * 10_000, "🙂🙂🙂", "?!...", "refund " * 2_000])
async def test_odd_messages_get_suggestions_or_none_never_a_crash(
    assistant: Assistant, text: str
) -> None:
    found = await suggest(assistant, text, intent="nlu_fallback", confidence=0.2)
    assert len(found) <= 3

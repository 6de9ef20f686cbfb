"""The memory of agents' replies: which (customer words -> agent reply) pairs a resolved
conversation leaves, with personal details masked, and how they are stored in the
``reply_memory`` table and searched (hand-made vectors here; MiniLM in test_assist.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_console.memory import Pair, ReplyMemory, mask, personal_values, reply_pairs
from handoff.models import ReplyMemoryRow
from handoff.records import Message, Nlu, Sender
from handoff.store import ConversationStore

MODEL = "test-model@1"
DIMENSION = 8


def turns(*said: tuple[str, str] | tuple[str, str, dict[str, Any]]) -> list[Message]:
    """Messages from (sender, text) or (sender, text, extra fields)."""
    now = datetime.now(UTC)
    messages = []
    for i, (who, text, *extra) in enumerate(said, start=1):
        fields: dict[str, Any] = extra[0] if extra else {}
        messages.append(
            Message(
                id=i,
                conversation_id="c",
                channel="web",
                sender=Sender(who),
                text=text,
                created_at=now,
                **fields,
            )
        )
    return messages


def as_tuples(pairs: list[Pair]) -> list[tuple[str, str]]:
    return [(p.customer_text, p.reply_text) for p in pairs]


# -- which pairs a conversation leaves


def test_each_reply_answers_the_customers_words_since_the_previous_reply() -> None:
    transcript = turns(
        ("customer", "my refund never arrived"),
        ("bot", "I'll connect you with a colleague."),
        ("customer", "it has been three weeks now"),
        ("agent", "ok"),  # too short to suggest again: the answer is still to come
        ("agent", "I've re-sent the refund to your card; it shows within 5 working days."),
        ("customer", "and can I get an invoice for it?"),
        ("agent", "Yes: your invoice is under My orders, next to the order."),
    )
    assert as_tuples(reply_pairs(transcript)) == [
        (
            "my refund never arrived it has been three weeks now",
            "I've re-sent the refund to your card; it shows within 5 working days.",
        ),
        (
            "and can I get an invoice for it?",
            "Yes: your invoice is under My orders, next to the order.",
        ),
    ]


def test_replies_in_a_row_answer_the_same_words() -> None:
    transcript = turns(
        ("customer", "the return label won't print"),
        ("agent", "Let me check that for you."),
        ("agent", "I've emailed you a new label as a PDF, it prints on any printer."),
    )
    assert [p.customer_text for p in reply_pairs(transcript)] == [
        "the return label won't print",
        "the return label won't print",
    ]


def test_short_answers_to_questions_are_not_what_the_agent_replied_to() -> None:
    transcript = turns(
        ("customer", "my headphones stopped charging"),
        ("bot", "What's your name?"),
        ("customer", "Anna"),
        ("bot", "And your order number?"),
        ("customer", "no"),
        ("agent", "Those are under warranty: I've sent you a free replacement."),
        ("customer", "thanks!"),
        ("agent", "You're welcome, have a nice day!"),
    )
    assert as_tuples(reply_pairs(transcript)) == [
        (
            "my headphones stopped charging",
            "Those are under warranty: I've sent you a free replacement.",
        ),
        ("thanks!", "You're welcome, have a nice day!"),  # nothing else: the short words
    ]


def test_a_repeated_exchange_is_kept_once_and_bare_replies_not_at_all() -> None:
    exchange = [
        ("customer", "is the tv in stock?"),
        ("agent", "Yes, we have it in stock and it ships today."),
    ]
    assert len(reply_pairs(turns(*exchange, *exchange))) == 1
    assert reply_pairs(turns(("agent", "Hi, I'm Tom from the support team."))) == []
    assert reply_pairs(turns(("customer", "hello?"), ("bot", "Hi!"))) == []


def test_the_customers_details_and_the_agents_name_become_placeholders() -> None:
    named = Nlu("inform", 0.9, [{"entity": "name", "value": "Anna Schmidt"}])
    transcript = turns(
        ("customer", "my order 4829301 never came, write to anna.schmidt@gmail.com"),
        ("customer", "I'm Anna Schmidt", {"nlu": named}),
        (
            "agent",
            "Hi Anna, this is Tom Baker. Order 4829301 is on its way; tracking went to "
            "anna.schmidt@gmail.com. Questions: write to help@voltify.example, Mrs Schmidt.",
            {"meta": {"agent_id": "tom", "agent_name": "Tom Baker"}},
        ),
    )
    (pair,) = reply_pairs(transcript, identity={"phone": "+49 151 2345 6789"})
    assert pair.reply_text == (
        "Hi {name}, this is {agent}. Order {order_number} is on its way; tracking went to "
        "{email}. Questions: write to help@voltify.example, Mrs {name}."
    )
    assert pair.customer_text == ("my order {order_number} never came, write to {email} I'm {name}")


def test_the_identity_is_masked_even_where_the_customer_never_typed_it() -> None:
    values = personal_values(turns(("customer", "hello")), {"name": "Raj", "order_number": "none"})
    assert values == {"Raj": "name"}  # "none" is no order number
    assert mask("Thanks Raj, and Rajesh", values) == "Thanks {name}, and Rajesh"


# -- stored and searched


def unit(*weights: float) -> npt.NDArray[np.float32]:
    vector = np.zeros(DIMENSION, dtype=np.float32)
    vector[: len(weights)] = weights
    return vector / np.linalg.norm(vector)


def vectors(*rows: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return np.vstack(rows).astype(np.float32)


@pytest.fixture
async def sessions(store: ConversationStore) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    yield store.sessions


async def stored(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ReplyMemoryRow)) or 0)


async def test_pairs_are_stored_and_found_by_similarity(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    memory = ReplyMemory(MODEL)
    refund, label = Pair("refund missing", "I re-sent it."), Pair("label broken", "New label.")
    await memory.replace(sessions, "c-1", [refund, label], vectors(unit(1), unit(0, 1)))
    found = memory.search(unit(1, 0.2), k=2)
    assert [r.pair for r in found] == [refund, label]
    assert found[0].conversation_id == "c-1"
    assert found[0].score == pytest.approx(float(unit(1) @ unit(1, 0.2)), abs=1e-5)
    assert memory.dimension == DIMENSION


async def test_remembering_a_conversation_again_replaces_its_pairs(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    memory = ReplyMemory(MODEL)
    first = [Pair("refund missing", "I re-sent it."), Pair("label broken", "New label.")]
    await memory.replace(sessions, "c-1", first, vectors(unit(1), unit(0, 1)))
    await memory.replace(sessions, "c-2", [Pair("tv in stock?", "Yes.")], vectors(unit(0, 0, 1)))
    await memory.replace(sessions, "c-1", first, vectors(unit(1), unit(0, 1)))
    assert (len(memory), await stored(sessions)) == (3, 3)
    assert [r.pair.reply_text for r in memory.search(unit(1), k=5)].count("I re-sent it.") == 1

    await memory.replace(sessions, "c-1", [], np.zeros((0, DIMENSION), dtype=np.float32))
    assert (len(memory), await stored(sessions)) == (1, 1)
    assert [r.conversation_id for r in memory.search(unit(1), k=5)] == ["c-2"]


async def test_a_new_instance_loads_the_pairs_of_its_model_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await ReplyMemory(MODEL).replace(
        sessions, "c-1", [Pair("refund missing", "I re-sent it.")], vectors(unit(1))
    )
    async with sessions.begin() as session:
        session.add_all(
            [
                ReplyMemoryRow(
                    conversation_id="old",
                    customer_text="refund missing",
                    reply_text="made with another model",
                    model="another-model@2",
                    vector=unit(1).tobytes(),
                ),
                ReplyMemoryRow(
                    conversation_id="odd",
                    customer_text="refund missing",
                    reply_text="a vector of another size",
                    model=MODEL,
                    vector=np.ones(3, dtype=np.float32).tobytes(),
                ),
            ]
        )
    fresh = ReplyMemory(MODEL, dimension=DIMENSION)
    assert await fresh.load(sessions) == 1
    assert [r.pair.reply_text for r in fresh.search(unit(1), k=5)] == ["I re-sent it."]
    assert await ReplyMemory("another-model@2").load(sessions) == 1
    assert ReplyMemory(MODEL).search(unit(1)) == []  # nothing loaded yet


async def test_replies_are_suggested_in_their_conversations_language_only(
    store: ConversationStore, sessions: async_sessionmaker[AsyncSession]
) -> None:
    polish = await store.create_conversation("web", language="pl")
    swedish = await store.create_conversation("web", language="sv")
    unknown = await store.create_conversation("web")
    memory = ReplyMemory(MODEL)
    await memory.replace(
        sessions, polish.id, [Pair("zwrot", "Zwrot wysłany.")], vectors(unit(1)), "pl"
    )
    await memory.replace(
        sessions, swedish.id, [Pair("retur", "Returen är skickad.")], vectors(unit(1, 0.1)), "sv"
    )
    await memory.replace(sessions, unknown.id, [Pair("refund", "Sent.")], vectors(unit(1, 0.2)))

    def replies(found: list[Any]) -> list[str]:
        return [r.pair.reply_text for r in found]

    assert replies(memory.search(unit(1), k=5, language="pl")) == ["Zwrot wysłany.", "Sent."]
    assert replies(memory.search(unit(1), k=5, language="sv")) == ["Returen är skickad.", "Sent."]
    assert len(memory.search(unit(1), k=5)) == 3  # no language asked: all of them
    # a restart reads each pair's language from its conversation
    fresh = ReplyMemory(MODEL)
    assert await fresh.load(sessions) == 3
    assert replies(fresh.search(unit(1), k=5, language="sv")) == ["Returen är skickad.", "Sent."]
    assert [r.language for r in fresh.search(unit(1), k=5)] == ["pl", "sv", None]


async def test_the_same_reply_is_found_once_and_of_replies_in_a_row_the_longest(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    memory = ReplyMemory(MODEL)
    await memory.replace(
        sessions,
        "c-1",
        [Pair("label broken", "Let me check."), Pair("label broken", "I've emailed a new label.")],
        vectors(unit(1), unit(1)),
    )
    await memory.replace(
        sessions, "c-2", [Pair("label broke", "I've emailed a new label.")], vectors(unit(1, 0.1))
    )
    found = memory.search(unit(1), k=3)
    assert [(r.conversation_id, r.pair.reply_text) for r in found] == [
        ("c-1", "I've emailed a new label.")
    ]


async def test_a_query_of_another_size_finds_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    memory = ReplyMemory(MODEL)
    await memory.replace(
        sessions, "c-1", [Pair("refund missing", "I re-sent it.")], vectors(unit(1))
    )
    assert memory.search(np.ones(3, dtype=np.float32)) == []
    with pytest.raises(ValueError, match="dimensional"):
        await memory.replace(sessions, "c-2", [Pair("a", "b")], np.ones((1, 3), dtype=np.float32))

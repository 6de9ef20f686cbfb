"""The inbox with the real MiniLM embedder: alike failed messages are one row."""

from __future__ import annotations

from pathlib import Path

import pytest

from baton.knowledge import ONNX_DIR
from handoff.store import ConversationStore
from knowledge_index.onnx_embedder import load_fast_embedder
from retraining.inbox import Embedder, Inbox
from retraining.labels import Action, LabelBook
from tests.retraining.seed import bot_project, customer_turn

GIFT_CARDS = [
    "do you sell gift cards?",
    "can I buy a gift card for my brother",
    "I want to purchase a gift voucher",
    "are gift cards available in your shop",
]
WET_PARCEL = [
    "the parcel arrived soaking wet",
    "my package came completely wet and soggy",
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_fast_embedder(ONNX_DIR)


@pytest.fixture
def inbox(store: ConversationStore, tmp_path: Path, embedder: Embedder) -> tuple[Inbox, LabelBook]:
    bot = bot_project(tmp_path)
    book = LabelBook(store.sessions, bot, low_confidence=0.5)
    inbox = Inbox(
        store.sessions, book, lambda: embedder, bot,
        low_confidence=0.5, similarity=0.55, scan=1000,
    )  # fmt: skip
    return inbox, book


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_alike_failures_group_into_one_row_with_a_suggested_intent(
    store: ConversationStore, inbox: tuple[Inbox, LabelBook]
) -> None:
    reader, book = inbox
    for text in GIFT_CARDS[:2]:
        await customer_turn(store, text)
    await customer_turn(store, WET_PARCEL[0], "damaged_item", 0.3)
    await customer_turn(store, GIFT_CARDS[2])
    await customer_turn(store, "hello", "greet", 0.99)  # understood: not in the inbox
    await customer_turn(store, WET_PARCEL[1])
    await customer_turn(store, GIFT_CARDS[3])

    clusters = await reader.clusters()
    groups = [sorted(m.text for m in c.members) for c in clusters]
    assert groups == [sorted(GIFT_CARDS), sorted(WET_PARCEL)]
    gift = clusters[0]
    assert gift.size == 4 and gift.sources == {"fallback": 4}
    assert gift.id == min(m.message_id for m in gift.members)
    assert gift.suggested_intent is not None and gift.suggestion_score > 0
    assert clusters[1].sources == {"low_confidence": 1, "fallback": 1}

    # labelled messages leave the inbox; a new failure alike joins its group
    await book.label([m.message_id for m in gift.members], Action.INTENT, "kim", "gift_cards")
    await customer_turn(store, "is the parcel supposed to be wet inside?")
    clusters = await reader.clusters()
    assert [c.size for c in clusters] == [3]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_groups_stay_within_one_language_and_say_which(
    store: ConversationStore, tmp_path: Path, embedder: Embedder
) -> None:
    bot = bot_project(tmp_path)
    book = LabelBook(store.sessions, bot, low_confidence=0.5, languages=["en", "nb"])
    reader = Inbox(
        store.sessions, book, lambda: embedder, bot,
        low_confidence=0.5, similarity=0.55, scan=1000,
        declined_intents=["out_of_scope"], languages=["en", "nb"],
    )  # fmt: skip
    for text in GIFT_CARDS[:2]:
        english = await store.create_conversation("web", language="en")
        await customer_turn(store, text, conversation_id=english.id)
    norwegian = await store.create_conversation("web", language="nb")
    await customer_turn(store, "jeg vil snakke med et menneske", "out_of_scope", 0.58,
                        conversation_id=norwegian.id)  # fmt: skip
    german = await store.create_conversation("web", language="de")
    await customer_turn(store, "wo ist meine Bestellung", "order_status", 0.95,
                        conversation_id=german.id)  # fmt: skip

    clusters = await reader.clusters()
    by_language = {c.language: c for c in clusters}
    assert set(by_language) == {"en", "nb", "de"}
    assert by_language["en"].size == 2
    assert by_language["nb"].sources == {"declined": 1}
    assert by_language["de"].sources == {"language": 1}
    assert all(m.language == c.language for c in clusters for m in c.members)

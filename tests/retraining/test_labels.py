"""Labels on SQLite and PostgreSQL: the database decides, the YAML follows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from handoff.store import ConversationStore
from retraining.errors import InvalidIntentName, LabelConflict, MessagesNotFound
from retraining.labels import Action, LabelBook
from tests.retraining.seed import bot_project, customer_turn


@pytest.fixture
def book(store: ConversationStore, tmp_path: Path) -> LabelBook:
    return LabelBook(store.sessions, bot_project(tmp_path), low_confidence=0.5)


def reviewed(book_dir: Path, source: str) -> dict[str, list[str]]:
    data = yaml.safe_load((book_dir / "data" / "reviewed" / f"{source}.yml").read_text())
    return {
        item["intent"]: [line[2:] for line in item["examples"].splitlines()] for item in data["nlu"]
    }


async def test_a_label_is_stored_and_written_as_rasa_yaml_per_source(
    store: ConversationStore, book: LabelBook, tmp_path: Path
) -> None:
    a = await customer_turn(store, "do you sell gift cards")
    b = await customer_turn(store, "gift card for my brother", "product_question", 0.31)
    c = await customer_turn(
        store, "my order 55555 never came", "nlu_fallback", 0.2, trigger="low_confidence",
        entities=[{"entity": "order_number", "value": "55555", "start": 9, "end": 14}],
    )  # fmt: skip
    labels = await book.label([a.id, b.id], Action.INTENT, "kim", "gift_cards")
    assert {(label.source, label.intent) for label in labels} == {
        ("fallback", "gift_cards"),
        ("low_confidence", "gift_cards"),
    }
    await book.label([c.id], Action.INTENT, "kim", "order_status")
    bot = tmp_path / "bot"
    assert reviewed(bot, "fallback") == {"gift_cards": ["do you sell gift cards"]}
    assert reviewed(bot, "low_confidence") == {"gift_cards": ["gift card for my brother"]}
    assert reviewed(bot, "handoff") == {
        "order_status": ["my order [55555](order_number) never came"]
    }
    assert await book.count() == 3


async def test_out_of_scope_is_trained_as_the_out_of_scope_intent(
    store: ConversationStore, book: LabelBook, tmp_path: Path
) -> None:
    m = await customer_turn(store, "what is the meaning of life")
    await book.label([m.id], Action.OUT_OF_SCOPE, "kim")
    assert reviewed(tmp_path / "bot", "fallback") == {
        "out_of_scope": ["what is the meaning of life"]
    }


async def test_an_invalid_intent_name_writes_nothing(
    store: ConversationStore, book: LabelBook, tmp_path: Path
) -> None:
    m = await customer_turn(store, "do you sell gift cards")
    with pytest.raises(InvalidIntentName, match="'Gift Cards' cannot be an intent name"):
        await book.label([m.id], Action.INTENT, "kim", "Gift Cards")
    assert await book.count() == 0
    assert not (tmp_path / "bot" / "data" / "reviewed").exists()


async def test_two_owners_labelling_the_same_messages_at_once_exactly_one_wins(
    store: ConversationStore, book: LabelBook, tmp_path: Path
) -> None:
    messages = [await customer_turn(store, f"gift card question {i}") for i in range(3)]
    ids = [m.id for m in messages]
    results = await asyncio.gather(
        book.label(ids, Action.INTENT, "kim", "gift_cards"),
        book.label(ids[1:], Action.INTENT, "lee", "vouchers"),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, list)]
    lost = [r for r in results if isinstance(r, LabelConflict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "labelled by" in lost[0].message and "nothing was changed" in lost[0].message
    labels = await book.recent()
    assert len(labels) == len(won[0])
    assert len({label.message_id for label in labels}) == len(labels)  # none twice
    files = reviewed(tmp_path / "bot", "fallback")
    assert list(files) == [labels[0].intent]  # only the winner's labels were written


async def test_unknown_or_non_customer_messages_are_refused(
    store: ConversationStore, book: LabelBook
) -> None:
    m = await customer_turn(store, "do you sell gift cards")
    transcript = await store.transcript(m.conversation_id)
    bot_reply = transcript[-1]
    with pytest.raises(MessagesNotFound):
        await book.label([m.id, bot_reply.id], Action.INTENT, "kim", "gift_cards")
    with pytest.raises(MessagesNotFound):
        await book.label([987654], Action.INTENT, "kim", "gift_cards")
    assert await book.count() == 0


async def test_the_files_are_rebuilt_from_the_database_after_a_crash(
    store: ConversationStore, book: LabelBook, tmp_path: Path
) -> None:
    m = await customer_turn(store, "do you sell gift cards")
    n = await customer_turn(store, "can I buy a voucher")
    await book.label([m.id], Action.INTENT, "kim", "gift_cards")
    path = tmp_path / "bot" / "data" / "reviewed" / "fallback.yml"
    before = path.read_text()
    path.write_text("nlu:\n- intent: gif")  # a writer died half-way (or someone edited it)
    await book.export()
    assert path.read_text() == before
    # a label committed while the file write was lost is written by the next export
    await book.label([n.id], Action.INTENT, "kim", "gift_cards")
    path.unlink()
    await book.export()
    assert reviewed(tmp_path / "bot", "fallback") == {
        "gift_cards": ["can I buy a voucher", "do you sell gift cards"]
    }


async def test_taking_a_label_back_returns_the_message_and_rewrites_the_file(
    store: ConversationStore, book: LabelBook, tmp_path: Path
) -> None:
    m = await customer_turn(store, "do you sell gift cards")
    (label,) = await book.label([m.id], Action.INTENT, "kim", "gift_cards")
    assert await book.remove(label.id)
    assert not (tmp_path / "bot" / "data" / "reviewed" / "fallback.yml").exists()
    assert not await book.remove(label.id)

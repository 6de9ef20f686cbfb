"""Each escalation trigger fires on its own condition, with its reason (table-driven)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from handoff.records import Message, Nlu, Sender
from handoff.settings import HandoffSettings
from handoff.triggers import evaluate, rejected_articles

SETTINGS = HandoffSettings(
    low_confidence_turns=2, low_confidence_threshold=0.5, sentiment_turns=3,
    sentiment_threshold=-0.5, knowledge_rejections=2,
    always_human_intents=["complaint"], knowledge_rejection_intents=["deny"],
)  # fmt: skip
_ids = iter(range(1, 10_000))


def customer(intent: str, confidence: float = 0.9, sentiment: float = 0.0) -> Message:
    return _message(Sender.CUSTOMER, Nlu(intent=intent, confidence=confidence, entities=[]),
                    {"sentiment": sentiment})  # fmt: skip


def bot(article: bool = False) -> Message:
    return _message(Sender.BOT, None, {"article": {"id": "kb-1"}} if article else {})


def _message(sender: Sender, nlu: Nlu | None, meta: dict[str, Any]) -> Message:
    return Message(
        id=next(_ids), conversation_id="c", channel="web", sender=sender, text="…",
        created_at=datetime.now(UTC), nlu=nlu, meta=meta,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("stretch", "reason"),
    [
        ([], None),
        ([customer("greet"), bot()], None),
        ([customer("complaint")], "complaint"),
        ([customer("nlu_fallback", 0.2), bot(), customer("order_status", 0.3)], "low_confidence"),
        ([customer("nlu_fallback", 0.2), bot(), customer("order_status", 0.9)], None),
        (
            [
                customer("a", sentiment=-0.6),
                customer("b", sentiment=-0.7),
                customer("c", sentiment=-0.5),
            ],
            "negative_sentiment",
        ),
        ([customer("a", sentiment=-0.9), customer("b", sentiment=-0.9)], None),  # too few turns
        (
            [
                customer("refunds"),
                bot(article=True),
                customer("deny"),
                customer("returns"),
                bot(article=True),
                customer("deny"),
            ],
            "knowledge_rejected",
        ),
        # a "no" that answers no article is no rejection
        ([customer("refunds"), bot(article=True), customer("deny"), bot(), customer("deny")], None),
    ],
)
def test_evaluate(stretch: list[Message], reason: str | None) -> None:
    assert evaluate(stretch, SETTINGS) == reason


def test_by_default_only_the_nlu_fallback_counts_as_low_confidence() -> None:
    settings = HandoffSettings(low_confidence_turns=2)
    unsure = [customer("order_status", 0.3), bot(), customer("returns", 0.35)]
    fallen_back = [customer("nlu_fallback", 0.2), bot(), customer("nlu_fallback", 0.2)]

    assert evaluate(unsure, settings) is None
    assert evaluate(fallen_back, settings) == "low_confidence"


def test_rejections_count_only_answers_to_an_article() -> None:
    stretch = [bot(article=True), customer("affirm"), bot(article=True), customer("deny")]

    assert rejected_articles(stretch, SETTINGS) == 1

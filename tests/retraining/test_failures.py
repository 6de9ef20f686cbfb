from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from handoff.records import Message, Nlu, Sender
from retraining.failures import Source, failures

_ids = iter(range(1, 10_000))


def customer(
    text: str, intent: str | None = "greet", confidence: float = 0.9, **meta: Any
) -> Message:
    nlu = Nlu(intent, confidence) if intent else None
    return Message(
        next(_ids), "c1", "web", Sender.CUSTOMER, text, datetime.now(UTC), nlu=nlu, meta=meta
    )


def bot(to: Message, text: str = "ok", **meta: Any) -> Message:
    return Message(
        next(_ids), "c1", "web", Sender.BOT, text, datetime.now(UTC), reply_to_id=to.id, meta=meta
    )


def sources(transcript: list[Message]) -> list[tuple[str, Source]]:
    return [(f.message.text, f.source) for f in failures(transcript, low_confidence=0.5)]


def test_a_fallback_and_an_unsure_turn_fail_a_sure_one_does_not() -> None:
    a = customer("blorp", "nlu_fallback", 0.2)
    b = customer("refund maybe", "refund_status", 0.3)
    c = customer("hello", "greet", 0.95)
    assert sources([a, bot(a), b, bot(b), c, bot(c)]) == [
        ("blorp", Source.FALLBACK),
        ("refund maybe", Source.LOW_CONFIDENCE),
    ]


def test_the_message_a_handoff_trigger_fired_on_fails_as_handoff() -> None:
    a = customer("this is useless", "nlu_fallback", 0.1, trigger="low_confidence")
    assert sources([a, bot(a)]) == [("this is useless", Source.HANDOFF)]


def test_a_knowledge_answer_turned_down_fails_the_question_not_the_no() -> None:
    question = customer("can I pay with crypto", "payment_problem", 0.92)
    answer = bot(question, "We accept cards…", article={"id": "payment-methods"})
    no = customer("No", "deny", 1.0, payload="/deny")
    assert sources([question, answer, no, bot(no)]) == [
        ("can I pay with crypto", Source.REJECTED_ANSWER)
    ]


def test_an_answer_without_an_article_turned_down_is_no_failure() -> None:
    question = customer("hi", "greet", 0.99)
    no = customer("no", "deny", 0.99)
    assert sources([question, bot(question), no, bot(no)]) == []


@pytest.mark.parametrize("meta", [{"payload": "/deny"}, {"payload": "/order_status"}])
def test_button_clicks_are_never_failures(meta: dict[str, Any]) -> None:
    click = customer("Track my order", "nlu_fallback", 0.0, **meta)
    assert sources([click, bot(click)]) == []


def test_messages_the_bot_never_read_are_not_failures() -> None:
    unread = customer("hello agent", None)
    assert sources([unread]) == []


def test_a_message_the_bot_declined_as_out_of_scope_is_a_failure_too() -> None:
    a = customer("jeg vil snakke med et menneske", "out_of_scope", 0.58)
    b = customer("what's the weather", "greet", 0.95)
    found = failures([a, bot(a), b, bot(b)], low_confidence=0.5, declined_intents={"out_of_scope"})
    assert [(f.message.text, f.source) for f in found] == [
        ("jeg vil snakke med et menneske", Source.DECLINED)
    ]


def test_in_a_language_the_assistant_does_not_serve_every_read_message_fails_as_language() -> None:
    a = customer("wo ist meine Bestellung", "order_status", 0.93)
    b = customer("hallo", "nlu_fallback", 0.1)
    c = customer("bitte", "deny", 0.2, payload="/deny")  # a click: never a failure
    found = failures([a, bot(a), b, bot(b), c], low_confidence=0.5, served=False)
    assert [(f.message.text, f.source) for f in found] == [
        ("wo ist meine Bestellung", Source.LANGUAGE),
        ("hallo", Source.LANGUAGE),
    ]

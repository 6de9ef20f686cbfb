from __future__ import annotations

import pytest

from gateway.rasa import BotReply, RasaClient, RasaUnavailable, parse_latest_message, parse_replies
from handoff.records import Nlu
from tests.services import free_port


def test_rest_output_becomes_replies_with_buttons_images_and_control_payloads() -> None:
    replies = parse_replies(
        [
            {
                "recipient_id": "c",
                "text": "Hi",
                "buttons": [{"title": "Returns", "payload": "/returns"}],
            },
            {"recipient_id": "c", "image": "https://shop.example/p.png"},
            {"recipient_id": "c", "custom": {"handoff": {"reason": "customer_request"}}},
        ]
    )
    assert replies == [
        BotReply(text="Hi", buttons=[{"title": "Returns", "payload": "/returns"}]),
        BotReply(image="https://shop.example/p.png"),
        BotReply(custom={"handoff": {"reason": "customer_request"}}),
    ]


def test_the_latest_message_gives_intent_confidence_and_entities() -> None:
    nlu = parse_latest_message(
        {
            "latest_message": {
                "intent": {"name": "order_status", "confidence": 0.98},
                "entities": [
                    {"entity": "order_number", "value": "12345", "start": 18, "end": 23,
                     "extractor": "RegexEntityExtractor", "processors": []}
                ],
            }
        }
    )  # fmt: skip
    assert nlu == Nlu(
        intent="order_status",
        confidence=0.98,
        entities=[{"entity": "order_number", "value": "12345", "start": 18, "end": 23,
                   "extractor": "RegexEntityExtractor"}],
    )  # fmt: skip


def test_a_tracker_without_a_user_message_has_no_nlu() -> None:
    assert parse_latest_message({"latest_message": {"intent": {}}}) is None
    assert parse_latest_message({}) is None


async def test_an_unreachable_rasa_raises_rasa_unavailable() -> None:
    client = RasaClient(f"http://127.0.0.1:{free_port()}", timeout=2)
    try:
        with pytest.raises(RasaUnavailable):
            await client.send("c1", "hello")
        assert await client.healthy() is False
    finally:
        await client.close()


def test_an_article_sent_after_its_text_belongs_to_that_answer() -> None:
    replies = parse_replies(
        [
            {"recipient_id": "c", "text": "Refunds take 5 days."},
            {"recipient_id": "c", "custom": {"article": {"id": "kb-7"}}},
            {"recipient_id": "c", "custom": {"handoff": {"reason": "x"}}},
        ]
    )

    assert [(r.text, r.custom) for r in replies] == [
        ("Refunds take 5 days.", {"article": {"id": "kb-7"}}),
        ("", {"handoff": {"reason": "x"}}),
    ]

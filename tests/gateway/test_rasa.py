from __future__ import annotations

import json

import httpx
import pytest

from gateway.rasa import (
    BotReply,
    RasaClient,
    RasaUnavailable,
    parse_latest_message,
    parse_replies,
    set_before_session_start,
)
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


class SessionFilteringRasa:
    """Rasa's HTTP API with an SQL tracker store, as far as slots go: appended events are
    stamped when the request is read, a new conversation's session starts after that, and a
    turn sees only the events stamped since the session started."""

    def __init__(self) -> None:
        self.events: dict[str, list[dict[str, object]]] = {}
        self.clock = 1000.0
        self.appends = 0

    def tick(self) -> float:
        self.clock += 1
        return self.clock

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        conversation = path.split("/")[2] if path.startswith("/conversations/") else ""
        if request.url.path.endswith("/tracker/events"):
            self.appends += 1
            stamp = self.tick()
            appended = [dict(e, timestamp=stamp) for e in json.loads(request.content)]
            events = self.events.setdefault(conversation, [])
            if not events:
                events.append({"event": "session_started", "timestamp": self.tick()})
            events += appended
            wanted = request.url.params.get("include_events")
            return httpx.Response(200, json={"events": None if wanted == "NONE" else events})
        if request.url.path == "/webhooks/rest/webhook":
            self.clock += 1
            return httpx.Response(200, json=[])
        if request.url.path.endswith("/tracker"):
            events = self.events.get(conversation, [])
            started = max(e["timestamp"] for e in events if e["event"] == "session_started")
            slots = {
                e["name"]: e["value"]
                for e in events
                if e["event"] == "slot" and e["timestamp"] >= started  # type: ignore[operator]
            }
            return httpx.Response(200, json={"slots": slots, "events": []})
        return httpx.Response(404)


async def test_a_new_conversations_language_survives_the_session_rasa_starts_for_it() -> None:
    rasa = SessionFilteringRasa()
    client = RasaClient("http://rasa", timeout=5, transport=httpx.MockTransport(rasa.handler))
    turn = await client.send("c1", "heisann", slots={"language": "nb"})
    assert turn.slots == {"language": "nb"}
    assert rasa.appends == 2  # stamped before the session: appended once more
    turn = await client.send("c1", "hvor er pakken min", slots={"language": "nb"})
    assert turn.slots == {"language": "nb"} and rasa.appends == 2  # remembered: no call


def test_slots_stamped_inside_the_session_are_not_appended_again() -> None:
    tracker = {
        "events": [
            {"event": "session_started", "timestamp": 5.0},
            {"event": "slot", "name": "language", "timestamp": 3.0},  # an older session's
            {"event": "user", "timestamp": 6.0},
            {"event": "slot", "name": "language", "timestamp": 7.0},
        ]
    }
    assert not set_before_session_start(tracker, {"language": "sv"})
    tracker["events"][-1]["timestamp"] = 4.0
    assert set_before_session_start(tracker, {"language": "sv"})
    assert not set_before_session_start({"events": None}, {"language": "sv"})
    assert not set_before_session_start([], {"language": "sv"})

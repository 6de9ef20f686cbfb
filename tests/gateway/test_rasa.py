from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from gateway.rasa import (
    BotReply,
    RasaBusy,
    RasaClient,
    RasaUnavailable,
    parse_latest_message,
    parse_replies,
    preference,
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


def test_each_conversation_keeps_its_replica_and_a_lost_one_moves_only_its_own() -> None:
    three = ["http://rasa-a:5005", "http://rasa-b:5005", "http://rasa-c:5005"]
    keys = [f"conversation-{n}" for n in range(3000)]
    first = {key: three[preference(key, three)[0]] for key in keys}
    assert first == {key: three[preference(key, three)[0]] for key in keys}  # stable
    shares = Counter(first.values())
    assert all(900 < shares[url] < 1100 for url in three), shares  # spread evenly
    two = three[:2]
    moved = [k for k in keys if two[preference(k, two)[0]] != first[k]]
    assert moved and all(first[k] == three[2] for k in moved)  # only rasa-c's moved


class Replicas:
    """Rasa replicas behind one mock transport: ``down`` ones refuse connections, ``slow``
    ones take the request and time out (as if they were still working on it)."""

    def __init__(self) -> None:
        self.down: set[str] = set()
        self.slow: set[str] = set()
        self.turns: list[tuple[str, str]] = []  # (replica host, message) that reached Rasa

    def handler(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path == "/webhooks/rest/webhook":
            self.turns.append((host, json.loads(request.content)["message"]))
            if host in self.slow:
                raise httpx.ReadTimeout("timed out", request=request)
            return httpx.Response(200, json=[{"text": f"answered by {host}"}])
        if request.url.path.endswith("/tracker"):
            return httpx.Response(200, json={"slots": {}, "latest_message": {}})
        if request.url.path == "/status":
            return httpx.Response(200, json={})
        return httpx.Response(404)


async def test_a_turn_that_cannot_reach_its_replica_is_taken_by_the_next() -> None:
    replicas = Replicas()
    urls = ["http://rasa-a:5005", "http://rasa-b:5005"]
    client = RasaClient(urls, timeout=5, transport=httpx.MockTransport(replicas.handler))
    home = "rasa-a" if preference("c1", urls)[0] == 0 else "rasa-b"
    other = "rasa-b" if home == "rasa-a" else "rasa-a"
    assert (await client.send("c1", "hello")).replies[0].text == f"answered by {home}"

    replicas.down.add(home)
    assert (await client.send("c1", "still there?")).replies[0].text == f"answered by {other}"
    assert await client.healthy()  # one replica answers
    assert client.replica_health(60) == {
        f"http://{home}:5005": "unavailable",  # the probe found it down
        f"http://{other}:5005": "ok",
    }

    replicas.down.add(other)  # both down: the customer is told, nothing was sent twice
    with pytest.raises(RasaUnavailable):
        await client.send("c1", "anyone?")
    assert replicas.turns == [(home, "hello"), (other, "still there?")]
    await client.close()


async def test_a_replica_that_took_the_turn_and_timed_out_is_not_asked_twice() -> None:
    replicas = Replicas()
    urls = ["http://rasa-a:5005", "http://rasa-b:5005"]
    client = RasaClient(urls, timeout=5, transport=httpx.MockTransport(replicas.handler))
    home = "rasa-a" if preference("c2", urls)[0] == 0 else "rasa-b"
    replicas.slow.add(home)
    with pytest.raises(RasaUnavailable):
        await client.send("c2", "where is my order")
    # the message reached one replica once: sending it to the other could answer it twice
    assert replicas.turns == [(home, "where is my order")]
    await client.close()


async def test_a_replica_that_refused_is_tried_last_and_back_once_it_answers() -> None:
    replicas = Replicas()
    urls = ["http://rasa-a:5005", "http://rasa-b:5005"]
    client = RasaClient(urls, timeout=5, transport=httpx.MockTransport(replicas.handler))
    replicas.down.add("rasa-a")
    assert not await client._probe(client.replicas[0], 1.0)
    # every conversation goes to rasa-b first now, those of rasa-a included
    for n in range(20):
        await client.send(f"c{n}", "hi")
    assert {host for host, _ in replicas.turns} == {"rasa-b"}
    assert client.replica_health(60) == {"http://rasa-a:5005": "unavailable",
                                         "http://rasa-b:5005": "ok"}  # fmt: skip
    replicas.down.clear()
    assert await client._probe(client.replicas[0], 1.0)  # answered: its own come back
    replicas.turns.clear()
    for n in range(20):
        await client.send(f"c{n}", "hi")
    assert {host for host, _ in replicas.turns} == {"rasa-a", "rasa-b"}
    await client.close()


class HeldRasa:
    """A Rasa whose turns wait until the test lets them finish."""

    def __init__(self) -> None:
        self.go = asyncio.Event()
        self.turns = 0

    async def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            self.turns += 1
            await self.go.wait()
            return httpx.Response(200, json=[{"text": "answered"}])
        return httpx.Response(200, json={"slots": {}, "latest_message": {}})


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def test_turns_beyond_the_replicas_places_and_queue_are_refused_at_once() -> None:
    rasa = HeldRasa()
    client = RasaClient(
        "http://rasa", timeout=5, transport=httpx.MockTransport(rasa.handler),
        concurrency=2, queue=1,
    )  # fmt: skip
    first = [asyncio.create_task(client.send(f"c{n}", "hi")) for n in range(3)]
    await until(lambda: rasa.turns == 2 and client.replicas[0].waiting == 1)
    with pytest.raises(RasaBusy):  # two in flight, one waiting: no room
        await client.send("c9", "hello?")
    assert rasa.turns == 2  # the refused turn never reached Rasa
    rasa.go.set()
    assert [t.replies[0].text for t in await asyncio.gather(*first)] == ["answered"] * 3
    assert (await client.send("c9", "hello?")).replies[0].text == "answered"  # room again
    await client.close()


async def test_a_full_replica_is_passed_over_for_one_with_room() -> None:
    held, free = HeldRasa(), HeldRasa()
    free.go.set()

    async def handler(request: httpx.Request) -> httpx.Response:
        return await (held if request.url.host == "rasa-a" else free).handler(request)

    urls = ["http://rasa-a:5005", "http://rasa-b:5005"]
    client = RasaClient(
        urls, timeout=5, transport=httpx.MockTransport(handler), concurrency=1, queue=0
    )
    on_a = [f"c{n}" for n in range(50) if preference(f"c{n}", urls)[0] == 0]
    blocking = asyncio.create_task(client.send(on_a[0], "hi"))
    await until(lambda: held.turns == 1)
    turn = await client.send(on_a[1], "hi")  # its replica is full: the other one answers
    assert turn.replies[0].text == "answered" and free.turns == 1
    held.go.set()
    await blocking
    await client.close()

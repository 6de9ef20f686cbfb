"""The handoff API end to end through a running gateway (fake Rasa, real database)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import connect

from tests.connectors.webchat.test_socket import next_frame
from tests.harness import RunningGateway


async def customer(gateway: RunningGateway) -> tuple[str, dict[str, str]]:
    cid, token = await gateway.new_conversation()
    return cid, {"Authorization": f"Bearer {token}"}


async def send(
    gateway: RunningGateway, cid: str, auth: dict[str, str], text: str
) -> dict[str, Any]:
    response = await gateway.http.post(
        f"/api/conversations/{cid}/messages", json={"text": text}, headers=auth
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_handoff_claim_reply_and_resolve_with_the_bot_silent_throughout(
    gateway: RunningGateway,
) -> None:
    dana = await gateway.add_agent("dana")
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "hi")
    await send(gateway, cid, auth, "I want a human, this is maria")

    queues = (await gateway.http.get("/api/handoff/queues", headers=dana)).json()
    waiting = [w for q in queues for w in q["waiting"]]
    assert [w["conversation_id"] for w in waiting] == [cid] and waiting[0]["position"] == 1

    detail = (await gateway.http.get(f"/api/handoff/conversations/{cid}", headers=dana)).json()
    packet = detail["packet"]
    assert packet["reason"] == "customer_request"
    assert packet["identity"] == {"name": "Maria Lopez", "email": "maria@example.com"}
    assert [t["nlu"]["intent"] for t in packet["nlu_trail"]] == ["greet", "request_human"]
    assert "human" in packet["summary"]
    assert packet["transcript"][0]["text"] == "hi"

    claimed = await gateway.http.post(f"/api/handoff/conversations/{cid}/claim", headers=dana)
    assert claimed.status_code == 200 and claimed.json()["owner"] == "assigned"

    _, token = auth["Authorization"].split(" ")
    async with connect(f"{gateway.ws_url}?token={token}") as ws:
        await next_frame(ws, "ready")
        reply = await gateway.http.post(
            f"/api/handoff/conversations/{cid}/messages",
            json={"text": "Hi Maria, Dana here."},
            headers=dana,
        )
        assert reply.status_code == 200
        frame = await next_frame(ws, "message")
        assert frame["message"]["sender"] == "agent" and frame["message"]["agent_name"] == "Dana"

    received_before = list(gateway.rasa.state.received)
    assert (await send(gateway, cid, auth, "thanks, my order is late"))["replies"] == []
    assert gateway.rasa.state.received == received_before  # the bot never saw it

    resolved = await gateway.http.post(
        f"/api/handoff/conversations/{cid}/resolve",
        json={"note": "sent tracking link"},
        headers=dana,
    )
    assert resolved.json()["owner"] == "resolved"
    after = await send(gateway, cid, auth, "hi")  # the customer comes back: the bot answers again
    assert after["replies"][0]["text"] == "Hi! How can I help?"


async def test_hand_back_resumes_the_bot_and_tells_the_customer(gateway: RunningGateway) -> None:
    dana = await gateway.add_agent("dana")
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "human please")
    await gateway.http.post(f"/api/handoff/conversations/{cid}/claim", headers=dana)
    back = await gateway.http.post(f"/api/handoff/conversations/{cid}/hand-back", headers=dana)
    assert back.json()["owner"] == "bot"
    assert (cid, "event:resume") in gateway.rasa.state.received
    transcript = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()
    assert "back with the virtual assistant" in transcript["messages"][-1]["text"]
    assert (await send(gateway, cid, auth, "hello again"))["replies"][0][
        "text"
    ] == "You said: hello again"


async def test_an_available_agent_with_the_skill_gets_the_conversation_pushed(
    gateway: RunningGateway,
) -> None:
    busy = await gateway.add_agent("amir", skills=["general"])
    free = await gateway.add_agent("dana", skills=["general"])
    await gateway.http.put("/api/handoff/me/presence", json={"presence": "available"}, headers=free)
    await gateway.http.put("/api/handoff/me/presence", json={"presence": "busy"}, headers=busy)
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "human please")
    detail = (await gateway.http.get(f"/api/handoff/conversations/{cid}", headers=free)).json()
    assert (
        detail["conversation"]["owner"] == "assigned"
        and detail["conversation"]["agent_id"] == "dana"
    )


async def test_pick_takes_the_most_urgent_then_longest_waiting(gateway: RunningGateway) -> None:
    agent = await gateway.add_agent("dana")
    first, auth_first = await customer(gateway)
    second, auth_second = await customer(gateway)
    await send(gateway, first, auth_first, "human please")
    await send(gateway, second, auth_second, "human please")
    picked = (await gateway.http.post("/api/handoff/pick", headers=agent)).json()
    assert picked["id"] == first
    assert (await gateway.http.post("/api/handoff/pick", headers=agent)).json()["id"] == second
    assert (await gateway.http.post("/api/handoff/pick", headers=agent)).status_code == 204


async def test_many_concurrent_claims_have_exactly_one_winner(gateway: RunningGateway) -> None:
    agents = [await gateway.add_agent(f"agent{i}") for i in range(10)]
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "human please")
    results = await asyncio.gather(
        *(gateway.http.post(f"/api/handoff/conversations/{cid}/claim", headers=a) for a in agents)
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200] + [409] * 9
    loser = next(r for r in results if r.status_code == 409).json()
    assert loser["error"]["code"] == "claim_conflict" and "assigned" in loser["error"]["message"]


async def test_low_confidence_turns_trigger_a_handoff_with_that_reason(
    gateway: RunningGateway,
) -> None:
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "? blorp")
    second = await send(gateway, cid, auth, "? glarb")
    assert "Let me get you someone from the team." in [r["text"] for r in second["replies"]]
    transcript = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()
    assert transcript["owner"] == "queued" and transcript["handoff_reason"] == "low_confidence"


async def test_an_always_human_intent_hands_off_at_once(gateway: RunningGateway) -> None:
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "this service is terrible, I am furious")
    transcript = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()
    assert transcript["owner"] == "queued" and transcript["handoff_reason"] == "complaint"


async def test_a_knowledge_answer_turned_down_twice_hands_off(gateway: RunningGateway) -> None:
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "what is your refund policy?")
    await send(gateway, cid, auth, "no, that does not help")
    transcript = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()
    assert transcript["owner"] == "bot"  # once is not enough

    await send(gateway, cid, auth, "and the policy for cancelled orders?")
    await send(gateway, cid, auth, "no, that does not help either")

    transcript = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()
    assert transcript["owner"] == "queued"
    assert transcript["handoff_reason"] == "knowledge_rejected"


async def test_events_can_be_replayed_after_a_reconnect_without_gaps(
    gateway: RunningGateway,
) -> None:
    # the whole log, the bot's conversations too: what a supervisor sees
    await gateway.add_user("sam", role="supervisor")
    agent = await gateway.sign_in("sam")
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "hi")
    everything = (await gateway.http.get("/api/handoff/events", headers=agent)).json()
    seqs = [e["seq"] for e in everything]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    await send(gateway, cid, auth, "human please")
    newer = (await gateway.http.get(f"/api/handoff/events?after={seqs[-1]}", headers=agent)).json()
    assert newer[0]["seq"] == seqs[-1] + 1
    assert {"message", "owner", "handoff"} <= {e["type"] for e in newer}


async def test_bad_requests_change_nothing_and_say_why(gateway: RunningGateway) -> None:
    dana = await gateway.add_agent("dana")
    amir = await gateway.add_agent("amir")
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "human please")
    await gateway.http.post(f"/api/handoff/conversations/{cid}/claim", headers=dana)
    url = f"/api/handoff/conversations/{cid}"

    forged = {"Authorization": "Bearer forged"}
    cases: list[tuple[str, str, dict[str, Any] | None, dict[str, str], int, str]] = [
        (
            "post",
            "/api/handoff/conversations/nope/claim",
            None,
            dana,
            404,
            "conversation_not_found",
        ),
        ("post", f"{url}/messages", {"text": "hi"}, amir, 403, "not_owner"),
        ("post", f"{url}/transfer", {"to_queue": "nowhere"}, dana, 404, "queue_not_found"),
        ("post", f"{url}/transfer", {"to_agent": "ghost"}, dana, 404, "agent_not_found"),
        ("post", f"{url}/transfer", {}, dana, 422, "invalid_request"),
        ("post", f"{url}/claim", None, amir, 409, "claim_conflict"),
        ("get", "/api/handoff/queues", None, forged, 401, "invalid_token"),
    ]
    for method, path, body, headers, status, code in cases:
        response = await gateway.http.request(method, path, json=body, headers=headers)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), path

    await gateway.http.post(f"{url}/resolve", json={}, headers=dana)
    again = await gateway.http.post(f"{url}/claim", headers=amir)
    assert again.status_code == 409  # a resolved conversation cannot be claimed
    detail = (await gateway.http.get(url, headers=dana)).json()
    assert (
        detail["conversation"]["owner"] == "resolved" and detail["conversation"]["agent_id"] is None
    )
    agent_messages = [m for m in detail["transcript"] if m["sender"] == "agent"]
    assert agent_messages == []


async def test_transfers_keep_the_whole_history(gateway: RunningGateway) -> None:
    dana = await gateway.add_agent("dana")
    amir = await gateway.add_agent("amir")
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "human please")
    await gateway.http.post(f"/api/handoff/conversations/{cid}/claim", headers=dana)
    await gateway.http.post(
        f"/api/handoff/conversations/{cid}/messages", json={"text": "Dana here"}, headers=dana
    )
    moved = await gateway.http.post(
        f"/api/handoff/conversations/{cid}/transfer", json={"to_agent": "amir"}, headers=dana
    )
    assert moved.json()["agent_id"] == "amir"
    queued = await gateway.http.post(
        f"/api/handoff/conversations/{cid}/transfer", json={"to_queue": "billing"}, headers=amir
    )
    assert queued.json()["owner"] == "queued" and queued.json()["queue"] == "billing"
    detail = (await gateway.http.get(f"/api/handoff/conversations/{cid}", headers=amir)).json()
    assert [m["text"] for m in detail["transcript"]][-1] == "Dana here"
    assert json.dumps(detail["packet"])  # the original packet stays available

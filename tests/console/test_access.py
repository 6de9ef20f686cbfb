"""Who may see which conversation, per role, through a running gateway (fake Rasa, a real
database): an agent of another queue is refused with the reason, their own queue's, their
own and those transferred to them are served, a supervisor sees all, a knowledge owner
nothing of the desk but the review inbox. On SQLite and on PostgreSQL + Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect

from agent_console.access import DeskUser, Seen, judge
from agent_console.auth import Role
from handoff.database import create_engine
from handoff.models import Base
from handoff.records import Agent, Presence
from tests.connectors.webchat.test_socket import next_frame
from tests.console.test_handoff_api import customer, send
from tests.harness import RunningGateway, running_gateway
from tests.services import redis_url

# what an agent reads of one conversation
READS = ("", "/notes", "/suggestions", "/history")


async def empty_postgres(database_url: str) -> None:
    """Empty the shared PostgreSQL test database's tables after a gateway test."""
    engine = create_engine(database_url)
    kept = {"event_sequence", "queues"}  # they come with the migrations
    names = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name not in kept)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} CASCADE"))
    await engine.dispose()


@pytest.fixture
async def desk(database_url: str, tmp_path: Path) -> AsyncIterator[RunningGateway]:
    on_postgres = database_url.startswith("postgresql")
    async with running_gateway(
        tmp_path, database_url=database_url, redis_url=redis_url() if on_postgres else None
    ) as gateway:
        try:
            yield gateway
        finally:
            if on_postgres:
                await empty_postgres(database_url)


async def handed_off(gateway: RunningGateway) -> str:
    """A conversation waiting in the general queue (the demo's default)."""
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "human please, this is maria")
    return cid


async def waiting_customer(gateway: RunningGateway) -> tuple[str, dict[str, str]]:
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "human please")
    return cid, auth


async def reads(gateway: RunningGateway, cid: str, who: dict[str, str]) -> list[Any]:
    return [
        await gateway.http.get(f"/api/handoff/conversations/{cid}{path}", headers=who)
        for path in READS
    ]


def refused_for(response: Any, reason: str) -> bool:
    error = response.json()["error"]
    return (
        response.status_code == 403
        and error["code"] == "conversation_forbidden"
        and error["reason"] == reason
    )


async def test_an_agent_of_another_queue_reads_nothing_of_it_and_is_told_why(
    desk: RunningGateway,
) -> None:
    billing = await desk.add_agent("ana", skills=["billing"])
    cid = await handed_off(desk)

    for response in await reads(desk, cid, billing):
        assert refused_for(response, "queue_not_served"), response.text
        assert "general queue" in response.json()["error"]["message"]
    events = await desk.http.get(f"/api/handoff/events?conversation_id={cid}", headers=billing)
    assert refused_for(events, "queue_not_served")
    # nor can she make it hers, end it, or find it in the queue view and the event log
    for action in ("claim", "resolve", "hand-back"):
        response = await desk.http.post(
            f"/api/handoff/conversations/{cid}/{action}", headers=billing, json={}
        )
        assert refused_for(response, "queue_not_served"), action
    queues = (await desk.http.get("/api/handoff/queues", headers=billing)).json()
    assert [w for q in queues for w in q["waiting"]] == []
    log = (await desk.http.get("/api/handoff/events", headers=billing)).json()
    assert cid not in {e["conversation_id"] for e in log}
    detail = (await desk.http.get(f"/api/handoff/conversations/{cid}", headers=billing)).json()
    assert "maria" not in str(detail).lower()


async def test_an_agent_reads_their_queues_conversations_and_their_own(
    desk: RunningGateway,
) -> None:
    general = await desk.add_agent("dana", skills=["general"])
    cid = await handed_off(desk)

    assert [r.status_code for r in await reads(desk, cid, general)] == [200] * len(READS)
    queues = (await desk.http.get("/api/handoff/queues", headers=general)).json()
    assert [w["conversation_id"] for q in queues for w in q["waiting"]] == [cid]
    log = (await desk.http.get("/api/handoff/events", headers=general)).json()
    assert {"owner", "handoff"} <= {e["type"] for e in log if e["conversation_id"] == cid}

    claimed = await desk.http.post(f"/api/handoff/conversations/{cid}/claim", headers=general)
    assert claimed.status_code == 200
    assert [r.status_code for r in await reads(desk, cid, general)] == [200] * len(READS)


async def test_a_conversation_transferred_to_an_agent_of_another_queue_is_theirs_to_read(
    desk: RunningGateway,
) -> None:
    dana = await desk.add_agent("dana", skills=["general"])
    ana = await desk.add_agent("ana", skills=["billing"])
    eli = await desk.add_agent("eli", skills=["billing"])
    cid = await handed_off(desk)
    await desk.http.post(f"/api/handoff/conversations/{cid}/claim", headers=dana)
    transfer = await desk.http.post(
        f"/api/handoff/conversations/{cid}/transfer", json={"to_agent": "ana"}, headers=dana
    )
    assert transfer.status_code == 200 and transfer.json()["agent_id"] == "ana"

    assert [r.status_code for r in await reads(desk, cid, ana)] == [200] * len(READS)
    # her colleague of the same queue was not given it
    assert all(refused_for(r, "queue_not_served") for r in await reads(desk, cid, eli))

    resolved = await desk.http.post(
        f"/api/handoff/conversations/{cid}/resolve", json={}, headers=ana
    )
    assert resolved.status_code == 200
    # what she handled stays readable to her after it ended
    assert [r.status_code for r in await reads(desk, cid, ana)] == [200] * len(READS)


async def test_a_supervisor_reads_every_conversation_even_the_bots(desk: RunningGateway) -> None:
    await desk.add_user("sam", role="supervisor")
    sam = await desk.sign_in("sam")
    queued = await handed_off(desk)
    bots, auth = await customer(desk)
    await send(desk, bots, auth, "hi")
    agent = await desk.add_agent("dana", skills=["general"])

    for cid in (queued, bots):
        assert [r.status_code for r in await reads(desk, cid, sam)] == [200] * len(READS)
    # an agent does not see the bot's conversations: nobody handed them to a queue
    assert all(refused_for(r, "not_handed_off") for r in await reads(desk, bots, agent))
    log = (await desk.http.get("/api/handoff/events", headers=sam)).json()
    assert {queued, bots} <= {e["conversation_id"] for e in log}
    live = await desk.http.get("/console/supervisor/live", headers=sam)
    assert live.status_code == 200 and live.json()["open"]["queued"] == 1


async def test_a_knowledge_owner_gets_the_review_inbox_and_nothing_of_the_desk(
    desk: RunningGateway,
) -> None:
    await desk.add_user("kim", role="knowledge_owner")
    kim = await desk.sign_in("kim")
    cid = await handed_off(desk)

    for response in [
        *(await reads(desk, cid, kim)),
        await desk.http.get("/api/handoff/queues", headers=kim),
        await desk.http.get("/api/handoff/events", headers=kim),
        await desk.http.get("/console/supervisor/live", headers=kim),
    ]:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "wrong_role"
        assert "knowledge_owner role" in response.json()["error"]["message"]
    async with connect(
        desk.url.replace("http://", "ws://") + "/ws/desk", additional_headers=kim
    ) as ws:
        assert (await next_frame(ws))["code"] == "wrong_role"
    assert (await desk.http.get("/api/review/inbox", headers=kim)).status_code == 200


async def test_the_supervisor_views_are_for_supervisors_only(desk: RunningGateway) -> None:
    await desk.add_user("dana", role="agent")
    dana = await desk.sign_in("dana")
    await desk.add_user("sam", role="supervisor")
    sam = await desk.sign_in("sam")
    for path in ("/console/supervisor/live", "/console/supervisor/export.csv"):
        refused = await desk.http.get(path, headers=dana)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "wrong_role"
        assert (await desk.http.get(path, headers=sam)).status_code == 200


async def test_the_desk_stream_carries_only_the_conversations_an_agent_may_see(
    desk: RunningGateway,
) -> None:
    dana = await desk.add_agent("dana", skills=["general"])
    ana = await desk.add_agent("ana", skills=["billing"])
    seen_by = {}
    for name, header in (("dana", dana), ("ana", ana)):
        token = header["Authorization"].split()[1]
        seen_by[name] = desk.url.replace("http://", "ws://") + f"/ws/desk?token={token}&after=0"
    cid, auth = await waiting_customer(desk)
    async with connect(seen_by["dana"]) as dana_ws, connect(seen_by["ana"]) as ana_ws:
        for ws in (dana_ws, ana_ws):
            await next_frame(ws, "caught_up")
        # live: the customer writes again, then Ana's presence changes (a desk event both get)
        await send(desk, cid, auth, "still there?")
        await desk.http.put("/api/handoff/me/presence", json={"presence": "busy"}, headers=ana)
        dana_frames = await _until_presence(dana_ws)
        ana_frames = await _until_presence(ana_ws)
    assert cid in {f.get("conversation_id") for f in dana_frames}
    assert cid not in {f.get("conversation_id") for f in ana_frames}

    # the catch-up from the log follows the same rule
    async with connect(seen_by["ana"]) as ws:
        backlog = []
        while (frame := await next_frame(ws))["type"] != "caught_up":
            backlog.append(frame)
    assert backlog and cid not in {f.get("conversation_id") for f in backlog}


async def _until_presence(ws: Any) -> list[dict[str, Any]]:
    frames = []
    while (frame := await next_frame(ws))["type"] != "presence":
        frames.append(frame)
    return frames


def _desk_user(role: Role, skills: list[str], agent_id: str = "dana") -> DeskUser:
    return DeskUser(Agent(agent_id, agent_id, skills, 3, Presence.AVAILABLE), role)


@pytest.mark.parametrize(
    ("role", "owner", "queue", "agent_id", "held", "refusal"),
    [
        (Role.AGENT, "queued", "general", None, False, None),  # a queue she serves
        (Role.AGENT, "queued", "billing", None, False, "queue_not_served"),
        (Role.AGENT, "assigned", "billing", "dana", False, None),  # hers now
        (Role.AGENT, "resolved", "billing", None, True, None),  # she had it
        (Role.AGENT, "assigned", "billing", "eli", False, "queue_not_served"),
        (Role.AGENT, "bot", None, None, False, "not_handed_off"),
        (Role.AGENT, "bot", None, None, True, None),  # reopened after she helped
        (Role.SUPERVISOR, "bot", None, None, False, None),
        (Role.SUPERVISOR, "assigned", "billing", "eli", False, None),
    ],
)
def test_the_rule(
    role: Role,
    owner: str,
    queue: str | None,
    agent_id: str | None,
    held: bool,
    refusal: str | None,
) -> None:
    found = judge(_desk_user(role, ["general"]), Seen("c1", owner, queue, agent_id), held=held)
    assert (found.reason if found is not None else None) == refusal


def test_a_refusal_names_the_queue() -> None:
    refused = judge(
        _desk_user(Role.AGENT, ["general"]), Seen("c1", "queued", "billing", None), held=False
    )
    assert refused is not None and refused.status == 403
    assert "billing queue" in refused.message and refused.details == {"reason": "queue_not_served"}

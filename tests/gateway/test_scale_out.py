"""Several gateways on one PostgreSQL database and one Redis: one queue, one event stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect

from handoff.database import create_engine
from tests.connectors.webchat.test_socket import next_frame
from tests.harness import RunningGateway, running_gateway
from tests.services import redis_url


@contextlib.asynccontextmanager
async def two_gateways(
    tmp_path: Path, database_url: str
) -> AsyncIterator[tuple[RunningGateway, RunningGateway]]:
    shared = {"database_url": database_url, "redis_url": redis_url()}
    async with (
        running_gateway(tmp_path / "a", **shared) as a,
        running_gateway(tmp_path / "b", **shared) as b,
    ):
        yield a, b


@pytest.fixture
async def postgres(postgres_url: str) -> AsyncIterator[str]:
    yield postgres_url
    engine = create_engine(postgres_url)
    async with engine.begin() as connection:
        await connection.execute(
            text("TRUNCATE messages, events, handoffs, conversations, agents CASCADE")
        )
    await engine.dispose()


async def test_a_hundred_claim_races_across_two_gateways_have_one_owner_each(
    tmp_path: Path, postgres: str
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with two_gateways(tmp_path, postgres) as (a, b):
        agents = [await a.add_agent(f"agent{i}", capacity=100) for i in range(4)]
        conversations = []
        for _ in range(100):
            cid, token = await a.new_conversation()
            await a.http.post(
                f"/api/conversations/{cid}/messages",
                json={"text": "human please"},
                headers={"Authorization": f"Bearer {token}"},
            )
            conversations.append(cid)

        async def race(cid: str) -> list[int]:
            attempts = [
                (gateway.http.post(f"/api/handoff/conversations/{cid}/claim", headers=agent))
                for agent in agents
                for gateway in (a, b)
            ]
            random.shuffle(attempts)
            return [r.status_code for r in await asyncio.gather(*attempts)]

        results: list[list[int]] = []
        for start in range(0, len(conversations), 10):  # 10 races (80 claims) in flight at once
            results += await asyncio.gather(
                *(race(cid) for cid in conversations[start : start + 10])
            )
        for codes in results:
            assert sorted(codes) == [200] + [409] * 7
        owners = [
            (await b.http.get(f"/api/handoff/conversations/{cid}", headers=agents[0])).json()[
                "conversation"
            ]
            for cid in conversations
        ]
        assert all(o["owner"] == "assigned" and o["agent_id"] for o in owners)


async def test_an_event_on_one_gateway_reaches_a_console_on_the_other(
    tmp_path: Path, postgres: str
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with two_gateways(tmp_path, postgres) as (a, b):
        header = await a.add_agent("dana")
        token = header["Authorization"].split()[1]
        cid, customer = await a.new_conversation()
        desk = b.url.replace("http://", "ws://") + f"/ws/desk?token={token}&after=0"
        async with connect(desk) as ws:
            while (await next_frame(ws))["type"] != "caught_up":
                pass
            await a.http.post(
                f"/api/conversations/{cid}/messages",
                json={"text": "human please"},
                headers={"Authorization": f"Bearer {customer}"},
            )
            kinds = set()
            while "handoff" not in kinds:
                kinds.add((await next_frame(ws))["type"])
        assert {"message", "owner", "handoff"} <= kinds


async def test_a_gateway_restart_between_handoff_and_claim_loses_nothing(
    tmp_path: Path, postgres: str
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with running_gateway(tmp_path / "a", database_url=postgres) as first:
        header = await first.add_agent("dana")
        cid, token = await first.new_conversation()
        auth = {"Authorization": f"Bearer {token}"}
        await first.http.post(
            f"/api/conversations/{cid}/messages", json={"text": "human please, maria"}, headers=auth
        )
    async with running_gateway(tmp_path / "b", database_url=postgres) as second:
        claimed = await second.http.post(f"/api/handoff/conversations/{cid}/claim", headers=header)
        assert claimed.status_code == 200
        detail = (await second.http.get(f"/api/handoff/conversations/{cid}", headers=header)).json()
        assert detail["packet"]["identity"]["name"] == "Maria Lopez"
        assert detail["transcript"][0]["text"] == "human please, maria"


async def test_messages_racing_the_handoff_are_stored_once_in_order_and_never_reach_the_bot(
    gateway: RunningGateway,
) -> None:
    cid, token = await gateway.new_conversation()
    texts = ["human please"] + [f"follow-up {i}" for i in range(8)]
    async with connect(f"{gateway.ws_url}?token={token}") as ws:
        await next_frame(ws, "ready")
        # back to back, without waiting for replies, then every one redelivered
        for i, message in enumerate(texts + texts):
            await ws.send(
                json.dumps({"type": "message", "text": message, "client_id": f"k{i % len(texts)}"})
            )
        echoed = []
        while len(echoed) < len(texts):
            frame = await next_frame(ws, "message")
            if frame["message"]["sender"] == "customer":
                echoed.append(frame["message"]["text"])
        await ws.send(json.dumps({"type": "ping"}))
        await next_frame(ws, "pong")  # every frame before the ping has been handled
    transcript = (
        await gateway.http.get(
            f"/api/conversations/{cid}", headers={"Authorization": f"Bearer {token}"}
        )
    ).json()
    assert echoed == texts
    assert [m["text"] for m in transcript["messages"] if m["sender"] == "customer"] == texts
    assert transcript["owner"] == "queued"
    assert [t for _, t in gateway.rasa.state.received] == ["human please"]

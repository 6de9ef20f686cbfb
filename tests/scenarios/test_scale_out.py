"""``baton run --scale 2,2,2``: the demo on two Rasa servers, two action servers behind the
balancer and two gateways sharing one port, on a PostgreSQL cluster and a Redis server of
the test's own. A conversation goes across the replicas as if there were one of each, and
one conversation's turns stay in order whichever gateway and Rasa server take them."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.connectors.webchat.test_socket import next_frame
from tests.scenarios.conftest import Stack
from tests.scenarios.test_handoff_with_rasa import message_from, texts
from tests.scenarios.test_webchat_with_rasa import say
from tests.stack import Services, own_services, scaled_stack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
async def services(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Services]:
    with own_services(tmp_path_factory.mktemp("services")) as started:
        yield started


@pytest.fixture(scope="module")
async def stack(
    tmp_path_factory: pytest.TempPathFactory, services: Services
) -> AsyncIterator[Stack]:
    async with scaled_stack(tmp_path_factory.mktemp("scaled"), services) as running:
        yield running


def test_every_process_runs_twice_and_the_gateways_share_one_port(stack: Stack) -> None:
    kinds = sorted(stack.running)
    assert kinds == [
        "actions", "actions-2", "balancer", "gateway", "gateway-2", "rasa", "rasa-2",
    ]  # fmt: skip
    assert {r.spec.shared_port for n, r in stack.running.items() if "gateway" in n} == {
        stack.settings.port
    }


async def test_a_conversation_goes_across_gateways_and_replicas_as_if_there_were_one(
    stack: Stack,
) -> None:
    agent = stack.add_agent("maria")
    cid, token = await stack.new_conversation()
    first, second = stack.gateway_url(0), stack.gateway_url(1)
    # the customer is on the first gateway, the agent's API calls go to the second
    async with (
        connect(f"{first.replace('http', 'ws')}/ws/chat?token={token}") as ws,
        httpx.AsyncClient(base_url=second, timeout=30, headers=agent) as desk,
    ):
        await next_frame(ws, "ready")
        assert "12345" in texts(await say(ws, "where is my order 12345"))  # a custom action
        await say(ws, "I want to talk to a person")
        await say(ws, "Sam Carter")
        assert "in line" in texts(await say(ws, "sam.carter@example.com"))

        await desk.put("/api/handoff/me/presence", json={"presence": "available"})
        detail = (await desk.get(f"/api/handoff/conversations/{cid}")).json()
        assert detail["conversation"]["owner"] == "assigned"
        assert detail["packet"]["identity"]["order_number"] == "12345"
        reply = await desk.post(
            f"/api/handoff/conversations/{cid}/messages", json={"text": "Hi Sam, Maria here."}
        )
        assert reply.status_code == 200, reply.text
        # written on the second gateway, delivered on the first (the Redis stream)
        assert (await message_from(ws, "agent"))["text"] == "Hi Sam, Maria here."
        back = await desk.post(f"/api/handoff/conversations/{cid}/hand-back")
        assert back.status_code == 200, back.text
        assert "back with" in (await message_from(ws, "bot"))["text"]
        assert "12345" in texts(await say(ws, "where is my order?"))


async def test_fifty_messages_at_once_on_one_conversation_are_fifty_turns_in_order(
    stack: Stack,
) -> None:
    cid, token = await stack.new_conversation()
    sent = [f"hello number {n}" for n in range(50)]

    async def send(n: int, text: str) -> dict[str, Any]:
        # every other message through the other gateway, all at once
        async with httpx.AsyncClient(base_url=stack.gateway_url(n % 2), timeout=60) as http:
            response = await http.post(
                f"/api/conversations/{cid}/messages",
                json={"text": text, "client_id": uuid.uuid4().hex},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    answers = await asyncio.gather(*(send(n, text) for n, text in enumerate(sent)))
    assert all(a["replies"] for a in answers)  # each got the bot's answer

    events = (await stack.rasa_tracker(cid))["events"]
    turns: list[str] = []
    open_turn = False
    for event in events:
        if event["event"] == "user":
            # a turn starts only after the previous one listened again: never two at once
            assert not open_turn, f"a turn started inside another: {event.get('text')!r}"
            turns.append(event.get("text") or "")
            open_turn = True
        elif event["event"] == "action" and event.get("name") == "action_listen":
            open_turn = False
    assert sorted(turns) == sorted(sent)  # every message once: none lost, none twice
    assert not open_turn


async def test_either_action_server_serves_the_custom_actions_while_the_other_is_down(
    stack: Stack,
) -> None:
    async def order_status(n: int) -> str:
        chat = await stack.new_conversation()
        return " ".join(r["text"] for r in await stack.say(chat, f"where is my order 4{n:04d}"))

    for down in ("actions", "actions-2"):
        stopped = stack.running[down]
        os.killpg(stopped.process.pid, signal.SIGKILL)  # the server and its Sanic worker
        await stopped.process.wait()
        try:
            for n in range(4):  # the balancer leaves the stopped one out
                assert f"4{n:04d}" in await order_status(n), f"with {down} down"
        finally:
            await stack.restart(down)

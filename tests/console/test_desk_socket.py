"""The desk stream consoles follow: catch-up from the log, then live, each event once."""

from __future__ import annotations

import asyncio
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from agent_console.desk_socket import InOrderEvents
from tests.connectors.webchat.test_socket import next_frame
from tests.harness import RunningGateway


def desk_url(gateway: RunningGateway, token: str, after: int = 0) -> str:
    return gateway.url.replace("http://", "ws://") + f"/ws/desk?token={token}&after={after}"


async def supervisor(gateway: RunningGateway) -> dict[str, str]:
    """A signed-in supervisor's console headers: the whole stream, the bot's conversations
    too (an agent sees only those of their queues)."""
    await gateway.add_user("sam", role="supervisor")
    return await gateway.sign_in("sam")


async def logged_frames(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    frames = []
    while len(frames) < count:
        frame = await next_frame(ws)
        if "seq" in frame and frame["type"] != "caught_up":
            frames.append(frame)
    return frames


async def test_a_console_catches_up_then_follows_live_without_gaps_or_duplicates(
    gateway: RunningGateway,
) -> None:
    console = await supervisor(gateway)
    cid, customer_token = await gateway.new_conversation()
    auth = {"Authorization": f"Bearer {customer_token}"}
    for text in ("hi", "one", "two"):
        await gateway.http.post(
            f"/api/conversations/{cid}/messages", json={"text": text}, headers=auth
        )

    async with connect(desk_url(gateway, "", after=0), additional_headers=console) as ws:
        backlog = []
        while (frame := await next_frame(ws))["type"] != "caught_up":
            backlog.append(frame)
        assert [f["message"]["text"] for f in backlog if f["type"] == "message"] == [
            "hi", "Hi! How can I help?", "one", "You said: one", "two", "You said: two",
        ]  # fmt: skip
        # many writers at once: the stream still arrives complete and in order
        await asyncio.gather(
            *(
                gateway.http.post(
                    f"/api/conversations/{cid}/messages", json={"text": f"n{i}"}, headers=auth
                )
                for i in range(10)
            )
        )
        live = await logged_frames(ws, 30)  # 10 x (customer message, its NLU, the bot reply)
    seqs = [f["seq"] for f in backlog + live]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


async def test_a_reconnecting_console_resumes_after_its_last_seq(gateway: RunningGateway) -> None:
    console = await supervisor(gateway)
    cid, customer_token = await gateway.new_conversation()
    auth = {"Authorization": f"Bearer {customer_token}"}
    await gateway.http.post(f"/api/conversations/{cid}/messages", json={"text": "hi"}, headers=auth)
    async with connect(desk_url(gateway, ""), additional_headers=console) as ws:
        first = []
        while (frame := await next_frame(ws))["type"] != "caught_up":
            first.append(frame)
    last = first[-1]["seq"]
    await gateway.http.post(
        f"/api/conversations/{cid}/messages", json={"text": "while away"}, headers=auth
    )
    async with connect(desk_url(gateway, "", after=last), additional_headers=console) as ws:
        missed = []
        while (frame := await next_frame(ws))["type"] != "caught_up":
            missed.append(frame)
    assert missed[0]["seq"] == last + 1
    assert missed[0]["message"]["text"] == "while away"


async def test_the_desk_stream_refuses_an_unknown_token(gateway: RunningGateway) -> None:
    async with connect(desk_url(gateway, "forged")) as ws:
        assert (await next_frame(ws))["code"] == "invalid_token"


async def test_out_of_order_live_events_are_released_in_order_once() -> None:
    ordered = InOrderEvents(last=10)
    for seq in (12, 13, 12, 10, 9):
        ordered.add({"seq": seq})
    assert ordered.release() == []
    assert ordered.patience() is not None  # waiting for 11

    ordered.add({"seq": 11})

    assert [f["seq"] for f in ordered.release()] == [11, 12, 13]
    assert ordered.patience() is None


async def test_a_number_missing_from_the_log_too_is_skipped() -> None:
    ordered = InOrderEvents(last=0)
    ordered.add({"seq": 701})
    assert ordered.release() == []
    assert ordered.gap_size() == 700

    ordered.give_up_gap()  # the log held none of 1..700 (pruned)

    assert [f["seq"] for f in ordered.release()] == [701]

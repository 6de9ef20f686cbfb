"""Two Rasa servers of the demo behind one gateway, as ``baton run`` starts them with
``BATON_RASA_REPLICAS=2``: one tracker store on PostgreSQL (a database of its own) and a lock
store on Redis. Conversations spread over both; a replica killed in the middle of a
conversation loses nothing (the other one carries on from the same tracker: the form it was
in, the slots it had), no customer message reaches the bot twice, the gateway's health says
which replica is down, and the replica serves again once it is back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import psycopg
import pytest

from baton.processes import stop
from gateway.rasa import preference
from tests.services import POSTGRES_URL, redis_url, scratch_database, service_missing
from tests.stack import Stack, running_stack, words

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    locks = redis_url()
    try:
        tracker = scratch_database(POSTGRES_URL, "baton_rasa_tracker")
        url = tracker.__enter__()
    except psycopg.OperationalError as exc:
        service_missing(f"PostgreSQL at {POSTGRES_URL}", exc)
        raise
    try:
        async with running_stack(
            tmp_path_factory.mktemp("replicas"),
            rasa_replicas=2,
            rasa_tracker_store_url=url,
            rasa_lock_store_url=locks,
        ) as running:
            yield running
    finally:
        tracker.__exit__(None, None, None)


def replica_urls(stack: Stack) -> list[str]:
    first = stack.settings.rasa_port
    return [f"http://127.0.0.1:{first}", f"http://127.0.0.1:{first + 1}"]


def replica_of(stack: Stack, conversation_id: str) -> str:
    """The process name of the replica the gateway sends this conversation to."""
    return ["rasa", "rasa-2"][preference(conversation_id, replica_urls(stack))[0]]


async def replicas_health(stack: Stack, until: dict[str, str]) -> dict[str, str]:
    """The gateway's view of each replica, once it is ``until`` (its probe asks every
    second) or after ten seconds."""
    for _ in range(20):
        seen: dict[str, str] = (await stack.http.get("/health/ready")).json()["rasa_replicas"]
        if seen == until:
            break
        await asyncio.sleep(0.5)
    return seen


async def test_conversations_spread_over_both_replicas_and_each_is_answered(stack: Stack) -> None:
    both = dict.fromkeys(replica_urls(stack), "ok")
    assert await replicas_health(stack, both) == both

    chats = [await stack.new_conversation() for _ in range(16)]
    greetings = await asyncio.gather(*(stack.say(chat, "hello") for chat in chats))
    assert all("Voltify" in words(replies) for replies in greetings)
    assert {replica_of(stack, cid) for cid, _ in chats} == {"rasa", "rasa-2"}


async def test_a_replica_killed_mid_conversation_loses_nothing(stack: Stack) -> None:
    chat = await stack.new_conversation()
    cid = chat[0]
    asked = words(await stack.say(chat, "where is my order"))
    assert "order number" in asked.lower()  # the order form is active in the shared tracker

    home = replica_of(stack, cid)
    other = "rasa-2" if home == "rasa" else "rasa"
    await stop(stack.running[home])

    # the other replica reads the same tracker: the form goes on where it was
    status = words(await stack.say(chat, "55012"))
    assert "55012" in status and "21 February 2025" in status, status
    assert await stack.rasa_user_texts(cid, replica=other) == ["where is my order", "55012"]

    ready = (await stack.http.get("/health/ready")).json()
    assert ready["status"] == "ready" and ready["rasa"] == "ok"
    urls = replica_urls(stack)
    down = urls[["rasa", "rasa-2"].index(home)]
    assert ready["rasa_replicas"][down] == "unavailable"

    # back: the gateway's probe sees it, and its conversations are its own again
    await stack.restart(home)
    both = dict.fromkeys(urls, "ok")
    assert await replicas_health(stack, both) == both
    thanks = await stack.say(chat, "thanks")
    assert thanks, "answered once the replica is back"
    assert await stack.rasa_user_texts(cid, replica=home) == [
        "where is my order",
        "55012",
        "thanks",
    ]

"""The channel stores on SQLite and PostgreSQL: outbox claims across replicas, order per
address, inbox de-duplication, one-time codes."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import update

from connectors.inbox import Inbox
from connectors.links import CODE_TTL, Links
from connectors.models import CodeRow
from connectors.outbox import Outbox, backoff
from handoff.models import ConversationRow, utcnow
from handoff.store import ConversationStore


def _address() -> str:
    return f"chat-{uuid.uuid4().hex[:10]}"


async def test_of_two_replicas_claiming_at_once_exactly_one_gets_each_message(
    store: ConversationStore,
) -> None:
    address = _address()
    first, second = Outbox(store.sessions, "replica-a"), Outbox(store.sessions, "replica-b")
    key = f"message:{uuid.uuid4().hex}"
    assert await first.enqueue(key, channel="telegram", address=address, target={}, body={})
    assert not await second.enqueue(key, channel="telegram", address=address, target={}, body={})
    claims = await asyncio.gather(*(o.claim_due() for o in (first, second, first, second)))
    mine = [item for batch in claims for item in batch if item.address == address]
    assert len(mine) == 1


async def test_a_later_message_waits_until_the_earlier_one_to_the_same_address_is_done(
    store: ConversationStore,
) -> None:
    address, other = _address(), _address()
    outbox = Outbox(store.sessions, "replica-a")
    for n in (1, 2):
        await outbox.enqueue(f"m:{address}:{n}", channel="slack", address=address, target={},
                             body={"n": n})  # fmt: skip
    await outbox.enqueue(f"m:{other}:1", channel="slack", address=other, target={}, body={})
    claimed = [i for i in await outbox.claim_due() if i.address in (address, other)]
    assert sorted((i.address, i.body.get("n")) for i in claimed) == sorted(
        [(address, 1), (other, None)]
    )
    head = next(i for i in claimed if i.address == address)
    # a transient failure keeps the order: the second still waits for the first
    await outbox.retry_later(head.id, 1, timedelta(0), "429")
    again = [i for i in await outbox.claim_due() if i.address == address]
    assert [i.body["n"] for i in again] == [1]
    await outbox.sent(again[0].id)
    after = [i for i in await outbox.claim_due() if i.address == address]
    assert [i.body["n"] for i in after] == [2]


async def test_only_the_claiming_replica_can_mark_a_message(store: ConversationStore) -> None:
    address = _address()
    a, b = Outbox(store.sessions, "replica-a"), Outbox(store.sessions, "replica-b")
    await a.enqueue(f"m:{address}", channel="telegram", address=address, target={}, body={})
    (item,) = [i for i in await a.claim_due() if i.address == address]
    await b.sent(item.id)  # not b's claim: nothing changes
    assert [i.id for i in await a.unsent() if i.address == address] == [item.id]
    await a.sent(item.id)
    assert [i.id for i in await a.unsent() if i.address == address] == []


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == timedelta(minutes=5)


async def test_the_inbox_takes_a_delivery_once_and_hands_it_to_one_worker(
    store: ConversationStore,
) -> None:
    inbox = Inbox(store.sessions)
    delivery_id = uuid.uuid4().hex
    ids = await asyncio.gather(*(inbox.record("slack", delivery_id, {"n": 1}) for _ in range(5)))
    stored = [i for i in ids if i is not None]
    assert len(stored) == 1
    claims = await asyncio.gather(*(inbox.claim(stored[0]) for _ in range(3)))
    assert len([c for c in claims if c is not None]) == 1
    await inbox.done(stored[0])
    assert await inbox.claim(stored[0]) is None
    # the same id on another channel is another delivery
    assert await inbox.record("telegram", delivery_id, {}) is not None


async def test_a_code_works_once_only_for_its_channel_and_not_after_it_expires(
    store: ConversationStore,
) -> None:
    links = Links(store.sessions)
    conversation = await store.create_conversation("web")
    code = await links.issue_code(conversation.id, "telegram")
    assert await links.redeem_code(code, "web") is None  # issued for Telegram
    results = await asyncio.gather(*(links.redeem_code(code, "telegram") for _ in range(3)))
    assert results.count(conversation.id) == 1 and results.count(None) == 2
    late = await links.issue_code(conversation.id, "telegram")
    async with store.sessions.begin() as session:
        await session.execute(update(CodeRow).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert await links.redeem_code(late, "telegram") is None
    assert CODE_TTL == timedelta(minutes=15)


async def test_a_new_chat_racing_itself_gets_one_conversation(store: ConversationStore) -> None:
    links = Links(store.sessions)
    address = _address()
    results = await asyncio.gather(
        *(links.conversation_for("telegram", address, {"chat_id": 1}) for _ in range(4))
    )
    assert len({link.conversation_id for link, _ in results}) == 1
    assert [created for _, created in results].count(True) == 1


async def test_attaching_moves_the_customer_and_the_conversations_channel(
    store: ConversationStore,
) -> None:
    links = Links(store.sessions)
    web = await store.create_conversation("web")
    address = _address()
    await links.conversation_for("telegram", address, {"chat_id": 9})
    await links.attach(web.id, "telegram", address, {"chat_id": 9})
    link = await links.find("telegram", address)
    assert link is not None and link.conversation_id == web.id
    async with store.sessions() as session:
        row = await session.get(ConversationRow, web.id)
        assert row is not None and row.channel == "telegram"

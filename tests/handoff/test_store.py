"""The conversation store and its event log, on SQLite and on the running PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from handoff.errors import ConversationNotFound
from handoff.ownership import Owner
from handoff.records import Nlu, Sender
from handoff.store import ConversationStore


async def say(store: ConversationStore, cid: str, text: str, **kw: object):  # type: ignore[no-untyped-def]
    return await store.add_message(cid, channel="web", sender=Sender.CUSTOMER, text=text, **kw)  # type: ignore[arg-type]


async def test_a_new_conversation_is_owned_by_the_bot(store: ConversationStore) -> None:
    conversation = await store.create_conversation("web", token_hash="a" * 64)
    assert conversation.owner is Owner.BOT
    assert (await store.get_conversation(conversation.id)).channel == "web"
    assert (await store.find_by_token_hash("a" * 64)) == conversation
    assert await store.find_by_token_hash("b" * 64) is None


async def test_messages_are_kept_in_order_with_sender_and_channel(store: ConversationStore) -> None:
    conversation = await store.create_conversation("web")
    first = (await say(store, conversation.id, "hi")).message
    reply = (
        await store.add_message(
            conversation.id,
            channel="web",
            sender=Sender.BOT,
            text="Hello!",
            buttons=[{"title": "Track my order", "payload": "/order_status"}],
            reply_to_id=first.id,
        )
    ).message
    transcript = await store.transcript(conversation.id)
    assert [(m.sender, m.text) for m in transcript] == [
        (Sender.CUSTOMER, "hi"),
        (Sender.BOT, "Hello!"),
    ]
    assert transcript[1].buttons == [{"title": "Track my order", "payload": "/order_status"}]
    assert await store.replies_to(first.id) == [reply]


async def test_a_redelivered_client_message_is_stored_once(store: ConversationStore) -> None:
    conversation = await store.create_conversation("web")
    first = await say(store, conversation.id, "hello", client_id="c-1")
    again = await say(store, conversation.id, "hello", client_id="c-1")
    assert first.created and not again.created and again.event is None
    assert again.message.id == first.message.id
    assert len(await store.transcript(conversation.id)) == 1
    assert [e.type for e in await store.events.since(0, conversation_id=conversation.id)] == [
        "message"
    ]


async def test_the_same_client_id_in_two_conversations_is_two_messages(
    store: ConversationStore,
) -> None:
    one = await store.create_conversation("web")
    two = await store.create_conversation("web")
    assert (await say(store, one.id, "x", client_id="c")).created
    assert (await say(store, two.id, "x", client_id="c")).created


async def test_the_nlu_trail_is_stored_with_the_customer_message(store: ConversationStore) -> None:
    conversation = await store.create_conversation("web")
    message = (await say(store, conversation.id, "where is my order 12345")).message
    nlu = Nlu(
        intent="order_status",
        confidence=0.97,
        entities=[{"entity": "order_number", "value": "12345", "start": 18, "end": 23}],
    )
    event = await store.set_nlu(message, nlu)
    (stored,) = await store.transcript(conversation.id)
    assert stored.nlu == nlu
    assert event.type == "nlu" and event.data["message_id"] == message.id


async def test_unicode_and_long_texts_round_trip(store: ConversationStore) -> None:
    conversation = await store.create_conversation("web")
    text = "Grüße 👋 — " + "x" * 3990
    await say(store, conversation.id, text)
    (stored,) = await store.transcript(conversation.id)
    assert stored.text == text


async def test_a_message_for_an_unknown_conversation_is_refused(store: ConversationStore) -> None:
    with pytest.raises(Exception):  # noqa: B017 - the database's integrity error, engine-specific
        await say(store, "no-such-id", "hi")
    with pytest.raises(ConversationNotFound):
        await store.get_conversation("no-such-id")


async def test_identity_is_merged_never_erased(store: ConversationStore) -> None:
    conversation = await store.create_conversation("web")
    await store.update_identity(conversation.id, {"name": "Maria", "email": "m@example.com"})
    merged, event = await store.update_identity(
        conversation.id, {"email": "", "order_number": "12345"}
    )
    assert merged == {"name": "Maria", "email": "m@example.com", "order_number": "12345"}
    assert (await store.get_conversation(conversation.id)).identity == merged
    assert event.data == {"identity": merged}


async def test_concurrent_writers_get_gapless_increasing_event_numbers(
    store: ConversationStore,
) -> None:
    conversations = [await store.create_conversation("web") for _ in range(5)]
    start = await store.events.last_seq()
    await asyncio.gather(*(say(store, c.id, f"m{i}") for i in range(8) for c in conversations))
    events = await store.events.since(start)
    assert [e.seq for e in events] == list(range(start + 1, start + 41))


async def test_a_reader_resuming_after_a_number_gets_exactly_the_rest(
    store: ConversationStore,
) -> None:
    conversation = await store.create_conversation("web")
    for i in range(6):
        await say(store, conversation.id, f"m{i}")
    events = await store.events.since(0, conversation_id=conversation.id)
    resumed = await store.events.since(events[2].seq, conversation_id=conversation.id)
    assert [e.data["message"]["text"] for e in resumed] == ["m3", "m4", "m5"]

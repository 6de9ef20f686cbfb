"""The handoff desk on a real database (SQLite and the running PostgreSQL): where a handoff
waits and how urgently, claims with one winner, transfers, hand-back, resolution, reopening,
and moves the ownership table refuses, which leave the conversation as it was."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from baton import paths
from baton.project import load_project
from handoff.agents import AgentDirectory
from handoff.desk import HandoffDesk, Moved
from handoff.errors import ClaimConflict, HandoffError, IllegalTransition, NotOwner, QueueNotFound
from handoff.models import HandoffRow
from handoff.ownership import Owner
from handoff.records import Identity, Nlu, Sender
from handoff.settings import HandoffSettings
from handoff.store import ConversationStore

# the Voltify demo's baton.yml: its queues by topic, complaint priority 1, its topicless intents
DEMO = HandoffSettings(vip_emails=["vip@example.com"]).for_contract(
    load_project(paths.DEMO).contract
)
ASKED = "customer_request"


@pytest.fixture
async def desk(store: ConversationStore) -> HandoffDesk:
    directory = AgentDirectory(store.sessions)
    for agent_id in ("dana", "eli"):
        await directory.add(agent_id, agent_id.title(), ["general", "orders", "billing"])
    return HandoffDesk(store.sessions, DEMO)


async def conversation_saying(store: ConversationStore, *intents: str) -> str:
    """A bot-owned conversation whose customer messages had these intents, in this order."""
    conversation = await store.create_conversation("webchat")
    for intent in intents:
        stored = await store.add_message(
            conversation.id, channel="webchat", sender=Sender.CUSTOMER, text=f"({intent})"
        )
        await store.set_nlu(stored.message, Nlu(intent, 0.9))
    return conversation.id


async def owned_by(store: ConversationStore, desk: HandoffDesk, owner: Owner) -> str:
    """A conversation brought to ``owner`` by the desk's own moves (assigned: to dana)."""
    cid = await conversation_saying(store, "order_status")
    if owner is Owner.BOT:
        return cid
    await desk.request_handoff(cid, reason=ASKED)
    if owner is Owner.QUEUED:
        return cid
    await desk.claim(cid, "dana")
    if owner is Owner.RESOLVED:
        await desk.resolve(cid, "dana")
    return cid


async def outcomes(store: ConversationStore, cid: str) -> list[str | None]:
    async with store.sessions() as session:
        rows = await session.scalars(
            select(HandoffRow.outcome)
            .where(HandoffRow.conversation_id == cid)
            .order_by(HandoffRow.id)
        )
        return list(rows)


# -- where a handoff waits, and how urgently ----------------------------------------------


@pytest.mark.parametrize(
    ("intents", "reason", "email", "queue", "priority"),
    [
        (["order_status"], ASKED, None, "orders", 0),
        # the topicless intents of the demo's contract are passed over
        (["refund_status", "request_human", "affirm", "inform"], ASKED, None, "billing", 0),
        (["warranty", "deny", "thanks", "nlu_fallback"], "low_confidence", None, "technical", 0),
        # the last topic counts, not the first
        (["warranty", "order_status"], ASKED, None, "orders", 0),
        # no topic at all: the default queue
        (["greet", "request_human"], ASKED, None, "general", 0),
        ([], ASKED, None, "general", 0),
        # a topical intent without a queue of its own (complaint) goes to the default queue
        (["order_status", "complaint"], "complaint", None, "general", 1),
        (["returns"], "negative_sentiment", None, "billing", 1),
        # a VIP is served before everyone else, whatever the reason; emails match in any case
        (["returns"], ASKED, "VIP@Example.com", "billing", 2),
        (["complaint"], "complaint", "vip@example.com", "general", 2),
        (["returns"], ASKED, "someone@example.com", "billing", 0),
    ],
)
async def test_a_handoff_waits_in_the_queue_of_the_last_topic_with_the_priority_of_its_reason(
    store: ConversationStore,
    desk: HandoffDesk,
    intents: list[str],
    reason: str,
    email: str | None,
    queue: str,
    priority: int,
) -> None:
    cid = await conversation_saying(store, *intents)
    identity: Identity = {"email": email} if email else {}
    handoff = await desk.request_handoff(cid, reason=reason, identity=identity)
    assert (handoff.conversation.queue, handoff.conversation.priority) == (queue, priority)
    assert handoff.conversation.owner is Owner.QUEUED
    assert handoff.conversation.handoff_reason == reason
    assert (handoff.packet["queue"], handoff.packet["priority"]) == (queue, priority)
    assert [e.type for e in handoff.events] == ["owner", "handoff"]
    assert handoff.events[0].data["owner"] == "queued"
    stored = await store.get_conversation(cid)
    assert (stored.owner, stored.queue, stored.priority) == (Owner.QUEUED, queue, priority)


async def test_the_topicless_intents_are_the_assistants_own(store: ConversationStore) -> None:
    settings = HandoffSettings(
        intent_queues={"invoice": "billing", "chitchat": "orders"},
        topicless_intents=frozenset({"chitchat"}),
    )
    desk = HandoffDesk(store.sessions, settings)
    cid = await conversation_saying(store, "invoice", "chitchat")
    handoff = await desk.request_handoff(cid, reason=ASKED)
    assert handoff.conversation.queue == "billing"


async def test_a_handoff_keeps_the_identity_the_bot_gathered_and_gives_a_place_in_line(
    store: ConversationStore, desk: HandoffDesk
) -> None:
    first = await conversation_saying(store, "order_status")
    second = await conversation_saying(store, "cancel_order")
    await store.update_identity(second, {"name": "Sam"})
    assert (await desk.request_handoff(first, reason=ASKED)).position == 1
    handoff = await desk.request_handoff(
        second, reason=ASKED, identity={"email": "sam@example.com"}
    )
    assert handoff.position == 2
    assert handoff.conversation.identity == {"name": "Sam", "email": "sam@example.com"}
    assert handoff.estimated_wait_seconds == 2 * DEMO.default_wait_seconds


# -- agents take conversations --------------------------------------------------------------


async def test_of_two_agents_claiming_at_once_exactly_one_wins(
    store: ConversationStore, desk: HandoffDesk
) -> None:
    cid = await owned_by(store, desk, Owner.QUEUED)
    results = await asyncio.gather(
        desk.claim(cid, "dana"), desk.claim(cid, "eli"), return_exceptions=True
    )
    [won] = [r for r in results if isinstance(r, Moved)]
    [lost] = [r for r in results if not isinstance(r, Moved)]
    winner = won.conversation.agent_id
    assert winner in ("dana", "eli") and won.conversation.owner is Owner.ASSIGNED
    assert isinstance(lost, ClaimConflict)
    assert (lost.owner, lost.agent_id) == ("assigned", winner)
    stored = await store.get_conversation(cid)
    assert (stored.owner, stored.agent_id) == (Owner.ASSIGNED, winner)
    owner_events = [
        e for e in await store.events.since(0, conversation_id=cid) if e.type == "owner"
    ]
    assert [e.data["owner"] for e in owner_events] == ["queued", "assigned"]


async def test_a_claim_records_who_took_the_stay_and_when(
    store: ConversationStore, desk: HandoffDesk
) -> None:
    cid = await owned_by(store, desk, Owner.QUEUED)
    moved = await desk.claim(cid, "dana")
    assert (moved.events[0].data["owner"], moved.events[0].data["agent_name"]) == (
        "assigned",
        "Dana",
    )
    async with store.sessions() as session:
        stay = await session.scalar(select(HandoffRow).where(HandoffRow.conversation_id == cid))
    assert stay is not None and stay.agent_id == "dana" and stay.assigned_at is not None


# -- agents act on their conversations ----------------------------------------------------


async def test_a_transfer_to_a_queue_puts_the_conversation_back_in_line_there(
    store: ConversationStore, desk: HandoffDesk
) -> None:
    cid = await owned_by(store, desk, Owner.ASSIGNED)
    moved = await desk.transfer_to_queue(cid, "dana", "billing")
    assert (moved.conversation.owner, moved.conversation.queue) == (Owner.QUEUED, "billing")
    assert moved.conversation.agent_id is None and moved.conversation.queued_at is not None
    assert moved.events[0].data["transferred_from"] == "dana"
    assert [w.conversation_id for w in await desk.waiting(queues=["billing"])] == [cid]
    # and from there any agent can take it again
    assert (await desk.claim(cid, "eli")).conversation.agent_id == "eli"


async def test_a_transfer_to_an_agent_keeps_it_assigned(
    store: ConversationStore, desk: HandoffDesk
) -> None:
    cid = await owned_by(store, desk, Owner.ASSIGNED)
    moved = await desk.transfer_to_agent(cid, "dana", "eli")
    assert (moved.conversation.owner, moved.conversation.agent_id) == (Owner.ASSIGNED, "eli")
    assert moved.events[0].data["agent_name"] == "Eli"
    assert moved.events[0].data["transferred_from"] == "dana"


@pytest.mark.parametrize("start", [Owner.QUEUED, Owner.ASSIGNED])
async def test_handing_back_gives_the_conversation_to_the_bot(
    store: ConversationStore, desk: HandoffDesk, start: Owner
) -> None:
    cid = await owned_by(store, desk, start)
    moved = await desk.hand_back(cid, "dana")
    assert (moved.conversation.owner, moved.conversation.agent_id) == (Owner.BOT, None)
    assert moved.events[0].data["outcome"] == "handed_back"
    assert await outcomes(store, cid) == ["handed_back"]


async def test_resolving_ends_the_stay_and_a_new_message_reopens_it_for_the_bot(
    store: ConversationStore, desk: HandoffDesk
) -> None:
    cid = await owned_by(store, desk, Owner.ASSIGNED)
    resolved = await desk.resolve(cid, "dana", note="refund sent")
    assert (resolved.conversation.owner, resolved.conversation.agent_id) == (Owner.RESOLVED, None)
    assert resolved.events[0].data["outcome"] == "resolved"
    assert await outcomes(store, cid) == ["resolved"]

    reopened = await desk.reopen(cid)
    assert reopened.conversation.owner is Owner.BOT
    assert (reopened.conversation.queue, reopened.conversation.queued_at) == (None, None)
    # and it can be handed off again: a second stay
    again = await desk.request_handoff(cid, reason=ASKED)
    assert again.conversation.owner is Owner.QUEUED
    assert await outcomes(store, cid) == ["resolved", None]


# -- moves that are refused ---------------------------------------------------------------

Attempt = Callable[[HandoffDesk, str], Awaitable[object]]


def _handoff(desk: HandoffDesk, cid: str) -> Awaitable[object]:
    return desk.request_handoff(cid, reason=ASKED)


@pytest.mark.parametrize(
    ("owner", "attempt", "error"),
    [
        (Owner.BOT, lambda d, c: d.claim(c, "eli"), ClaimConflict),
        (Owner.BOT, lambda d, c: d.hand_back(c, "dana"), IllegalTransition),
        (Owner.BOT, lambda d, c: d.reopen(c), IllegalTransition),
        (Owner.BOT, lambda d, c: d.transfer_to_queue(c, "dana", "billing"), NotOwner),
        (Owner.QUEUED, _handoff, IllegalTransition),
        (Owner.QUEUED, lambda d, c: d.reopen(c), IllegalTransition),
        (Owner.QUEUED, lambda d, c: d.transfer_to_agent(c, "dana", "eli"), NotOwner),
        (Owner.QUEUED, lambda d, c: d.reply(c, "dana", "hello"), NotOwner),
        (Owner.ASSIGNED, _handoff, IllegalTransition),
        (Owner.ASSIGNED, lambda d, c: d.claim(c, "eli"), ClaimConflict),
        (Owner.ASSIGNED, lambda d, c: d.reopen(c), IllegalTransition),
        (Owner.ASSIGNED, lambda d, c: d.resolve(c, "eli"), NotOwner),  # not eli's
        (Owner.ASSIGNED, lambda d, c: d.hand_back(c, "eli"), NotOwner),
        (Owner.ASSIGNED, lambda d, c: d.transfer_to_queue(c, "eli", "billing"), NotOwner),
        (Owner.ASSIGNED, lambda d, c: d.transfer_to_queue(c, "dana", "nowhere"), QueueNotFound),
        (Owner.RESOLVED, _handoff, IllegalTransition),
        (Owner.RESOLVED, lambda d, c: d.claim(c, "eli"), ClaimConflict),
        (Owner.RESOLVED, lambda d, c: d.hand_back(c, "dana"), IllegalTransition),
        (Owner.RESOLVED, lambda d, c: d.resolve(c, "dana"), IllegalTransition),
    ],
)
async def test_a_refused_move_raises_its_typed_error_and_changes_nothing(
    store: ConversationStore,
    desk: HandoffDesk,
    owner: Owner,
    attempt: Attempt,
    error: type[HandoffError],
) -> None:
    cid = await owned_by(store, desk, owner)
    before = await store.get_conversation(cid)
    seq = await store.events.last_seq()
    with pytest.raises(error):
        await attempt(desk, cid)
    assert await store.get_conversation(cid) == before
    assert await store.events.since(seq, conversation_id=cid) == []

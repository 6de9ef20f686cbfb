"""A person's data on every channel: found, exported as one JSON document, or erased.

Who a person is: the ID an operator gives (:func:`parse_subject`) — a conversation id, an
e-mail address, a phone number, or a channel user id (``telegram:<chat id>``,
``slack:<user id>`` or ``slack:<team>:<channel>[:<thread>]``, ``webchat:<visitor>``) —
names some conversations; every conversation whose identity carries the same e-mail or
phone is the same person's too, on any channel (followed until nothing new turns up).

What is theirs: each conversation's messages, identity, notes, handoff records, events,
survey answers, AI suggestions, remembered replies, knowledge owners' labels of their
messages, channel links and one-time codes, the platform deliveries (inbox) and pending
sends (outbox) of their chats, Rasa's tracker of the conversation
(:mod:`handoff.rasa_tracker`) and the entries of the Redis event stream, when there is one.

Logs are not rewritten: they carry conversation ids only, never a name, address, number
or message text (``gateway.logging``; a test greps captured records for them). After an
erasure the conversation's id names nothing any more (see :func:`erase`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase

from analytics.models import SurveyRow
from connectors.models import ChannelLinkRow, CodeRow, InboxRow, OutboxRow
from handoff import rasa_tracker
from handoff.models import (
    ConversationRow,
    ErasureRow,
    EventRow,
    HandoffRow,
    MessageRow,
    NoteRow,
    ReplyMemoryRow,
    SuggestionRow,
    utcnow,
)
from handoff.ownership import Owner
from handoff.rasa_tracker import TrackerStore
from handoff.records import contact_columns
from retraining.models import ArticleDraftRow, ReviewLabelRow

SCHEMA = "baton.customer-export"
SCHEMA_VERSION = 1
REDIS_STREAM = "baton:events"  # gateway.bus.RedisBus.STREAM
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_PHONE = re.compile(r"^\+?[\d ()./-]{6,}$")
# channels whose user ids name a customer: the prefix an operator writes -> channels
_PREFIXES = {
    "telegram": ("telegram",),
    "slack": ("slack",),
    "webchat": ("web", "rasa_rest", "rasa_socketio"),
    "web": ("web",),
    "rasa_rest": ("rasa_rest",),
    "rasa_socketio": ("rasa_socketio",),
}
# message meta the figures read (analytics.queries, analytics.live); the rest goes
_FIGURE_META = ("article", "survey", "survey_answer", "sentiment", "notice", "internal")


class SubjectError(ValueError):
    """The ID names nobody Baton can look for."""


class WithAPerson(RuntimeError):
    """A conversation of the person is queued or with an agent: it is resolved (or handed
    back) first, so no agent is left answering a conversation that no longer exists."""

    def __init__(self, count: int) -> None:
        super().__init__(
            f"{count} conversation(s) of this customer are queued or with an agent: "
            "resolve or hand them back, then erase"
        )
        self.count = count


@dataclass(frozen=True, slots=True)
class Subject:
    """What identifies the person, normalised: ``kind`` is conversation, email, phone or
    channel_user (then ``channel`` is the prefix, e.g. telegram)."""

    kind: str
    value: str
    channel: str | None = None

    @property
    def hash(self) -> str:
        """A one-way hash that recognises the same request again without storing the ID."""
        return hashlib.sha256(f"{self.kind}:{self.channel or ''}:{self.value}".encode()).hexdigest()


def parse_subject(raw: str) -> Subject:
    """The person an operator names; raises SubjectError with what is accepted."""
    value = raw.strip()
    try:
        value.encode("utf-8")  # a lone surrogate names nobody (and no database takes it)
    except UnicodeEncodeError:
        value = ""
    if not value or any(ord(ch) < 32 for ch in value):
        raise SubjectError(f"{raw!r} is not an ID: it is empty or holds control characters")
    prefix, sep, rest = value.partition(":")
    if sep and prefix.lower() in _PREFIXES and rest.strip():
        return Subject("channel_user", rest.strip(), prefix.lower())
    if _UUID.match(value):
        return Subject("conversation", value.lower())
    if "@" in value and " " not in value:
        email = contact_columns({"email": value})["contact_email"]
        if email:
            return Subject("email", email)
    if _PHONE.match(value):
        phone = contact_columns({"phone": value})["contact_phone"]
        if phone and len(phone) >= 6:
            return Subject("phone", phone)
    raise SubjectError(
        f"{raw!r} is not a conversation id, an e-mail address, a phone number or a channel "
        "user id (telegram:<id>, slack:<user id>, webchat:<visitor>)"
    )


@dataclass
class Person:
    """Everything found of one person: their conversations and their chats' deliveries."""

    subject: Subject
    conversation_ids: set[str] = field(default_factory=set)
    links: set[tuple[str, str]] = field(default_factory=set)  # (channel, address)
    inbox_ids: set[int] = field(default_factory=set)


# -- finding ---------------------------------------------------------------------------------


def _walk(value: Any, key: str | None = None) -> Iterable[tuple[str | None, Any]]:
    """Every (key, value) of a JSON document, depth first."""
    yield key, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)


def inbox_marks(channel: str, body: dict[str, Any]) -> set[str]:
    """Who and where a platform delivery is from, as the person's link addresses and user
    ids read: Telegram chat and user ids; Slack user ids and conversation addresses."""
    marks: set[str] = set()
    if channel == "telegram":
        for key, value in _walk(body):
            if key in ("chat", "from") and isinstance(value, dict) and "id" in value:
                marks.add(str(value["id"]))
    elif channel == "slack":
        from connectors.slack.events import Ignored, classify_action, classify_event

        action = (
            classify_action(body) if body.get("type") == "block_actions" else classify_event(body)
        )
        if not isinstance(action, Ignored):
            marks.update({action.place.address, action.user})
        for key, value in _walk(body):
            if key == "user" and isinstance(value, str):
                marks.add(value)
            elif key == "user" and isinstance(value, dict) and isinstance(value.get("id"), str):
                marks.add(value["id"])
    return marks


async def _inbox_of(
    session: AsyncSession, channel: str, marks: set[str]
) -> tuple[set[int], set[str]]:
    """Inbox rows of ``channel`` bearing any of ``marks``, and all the marks they bear."""
    found: set[int] = set()
    seen = set(marks)
    if not marks:
        return found, seen
    result = await session.stream(
        select(InboxRow.id, InboxRow.body).where(InboxRow.channel == channel).order_by(InboxRow.id)
    )
    async for row in result:
        bears = inbox_marks(channel, row.body if isinstance(row.body, dict) else {})
        if bears & marks:
            found.add(row.id)
            seen |= bears
    return found, seen


async def _ids(session: AsyncSession, query: Any) -> set[str]:
    return set(await session.scalars(query))


async def find_person(session: AsyncSession, subject: Subject) -> Person:
    """Every conversation (not yet erased) and platform delivery of the person."""
    person = Person(subject)
    conversations = select(ConversationRow.id).where(ConversationRow.erased_at.is_(None))
    linked = select(ChannelLinkRow.conversation_id)
    if subject.kind == "conversation":
        seeds = await _ids(session, conversations.where(ConversationRow.id == subject.value))
    elif subject.kind == "email":
        by_email = conversations.where(ConversationRow.contact_email == subject.value)
        seeds = await _ids(session, by_email)
    elif subject.kind == "phone":
        # written with or without the country code: one number ends the other (8+ digits)
        tail = subject.value[-8:]
        candidates = await session.execute(
            select(ConversationRow.id, ConversationRow.contact_phone).where(
                ConversationRow.erased_at.is_(None), ConversationRow.contact_phone.endswith(tail)
            )
        )
        seeds = {
            row.id
            for row in candidates
            if row.contact_phone.endswith(subject.value)
            or subject.value.endswith(row.contact_phone)
        }
    else:
        channels = _PREFIXES[subject.channel or ""]
        # a Slack team:channel names its DM and every thread under it
        addressed = or_(
            ChannelLinkRow.address == subject.value,
            ChannelLinkRow.address.startswith(subject.value + ":"),
        )
        seeds = await _ids(session, linked.where(ChannelLinkRow.channel.in_(channels), addressed))
        if "web" in channels:  # a web chat visitor is their conversation
            seeds |= await _ids(session, conversations.where(ConversationRow.id == subject.value))
        for channel in sorted(set(channels) & {"telegram", "slack"}):
            # a Slack user id is only in the deliveries: they name the DMs and threads
            inbox, marks = await _inbox_of(session, channel, {subject.value})
            person.inbox_ids |= inbox
            where = (ChannelLinkRow.channel == channel, ChannelLinkRow.address.in_(marks))
            seeds |= await _ids(session, linked.where(*where))
    person.conversation_ids = await _same_person(session, seeds)
    await add_places(session, person)
    return person


async def add_places(session: AsyncSession, person: Person) -> None:
    """Where the person's conversations are on the platforms, and the deliveries from there."""
    if person.conversation_ids:
        links = await session.execute(
            select(ChannelLinkRow.channel, ChannelLinkRow.address).where(
                ChannelLinkRow.conversation_id.in_(person.conversation_ids)
            )
        )
        person.links |= {(row.channel, row.address) for row in links}
    for channel in ("telegram", "slack"):
        addresses = {address for ch, address in person.links if ch == channel}
        inbox, _ = await _inbox_of(session, channel, addresses)
        person.inbox_ids |= inbox


async def _same_person(session: AsyncSession, seeds: set[str]) -> set[str]:
    """``seeds`` and every conversation sharing an e-mail or phone with one of them, on any
    channel, followed until nothing new turns up."""
    found: set[str] = set()
    emails: set[str] = set()
    phones: set[str] = set()
    new = set(seeds)
    while new:
        found |= new
        rows = await session.execute(
            select(ConversationRow.contact_email, ConversationRow.contact_phone).where(
                ConversationRow.id.in_(new)
            )
        )
        for row in rows:
            emails |= {row.contact_email} - {None}
            phones |= {row.contact_phone} - {None}
        if not emails and not phones:
            break
        linked = await session.scalars(
            select(ConversationRow.id).where(
                ConversationRow.erased_at.is_(None),
                or_(
                    ConversationRow.contact_email.in_(emails),
                    ConversationRow.contact_phone.in_(phones),
                ),
            )
        )
        new = set(linked) - found
    return found


# -- exporting -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _row(row: DeclarativeBase, leave_out: Sequence[str] = ()) -> dict[str, Any]:
    return {
        column.key: _plain(getattr(row, column.key))
        for column in row.__table__.columns  # type: ignore[attr-defined]
        if column.key not in leave_out
    }


async def _rows(
    session: AsyncSession, model: type[DeclarativeBase], *where: Any, order: Any
) -> list[Any]:
    return list(await session.scalars(select(model).where(*where).order_by(order)))


# what each conversation's export holds: key, table, order, columns left out (hashes, vectors)
_PER_CONVERSATION: Sequence[tuple[str, Any, Any, tuple[str, ...]]] = (
    ("messages", MessageRow, MessageRow.id, ()),
    ("notes", NoteRow, NoteRow.id, ()),
    ("handoffs", HandoffRow, HandoffRow.id, ()),
    ("events", EventRow, EventRow.seq, ()),
    ("surveys", SurveyRow, SurveyRow.id, ()),
    ("suggestions", SuggestionRow, SuggestionRow.id, ()),
    ("reply_memory", ReplyMemoryRow, ReplyMemoryRow.id, ("vector",)),
    ("review_labels", ReviewLabelRow, ReviewLabelRow.id, ()),
    ("article_drafts", ArticleDraftRow, ArticleDraftRow.id, ()),
    ("channel_links", ChannelLinkRow, ChannelLinkRow.id, ()),
    ("channel_codes", CodeRow, CodeRow.created_at, ("code_hash",)),
)


def erasure_out(row: ErasureRow) -> dict[str, Any]:
    """An erasure record as exports and the API show it."""
    return {
        "id": row.id,
        "kind": row.kind,
        "subject_kind": row.subject_kind,
        "requested_by": row.requested_by,
        "requested_at": row.requested_at.isoformat(),
        "counts": dict(row.counts),
    }


async def export(
    sessions: async_sessionmaker[AsyncSession],
    subject: Subject,
    *,
    tracker: TrackerStore,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One JSON-ready document of everything stored of the person (schema ``SCHEMA``,
    version ``SCHEMA_VERSION``; ISO 8601 UTC timestamps), with the erasures already done
    for the same ID."""
    async with sessions() as session:
        person = await find_person(session, subject)
        ids = sorted(person.conversation_ids)
        conversations = []
        for cid in ids:
            conversation = await session.get(ConversationRow, cid)
            if conversation is None:
                continue
            item = _row(conversation, leave_out=("token_hash", "erased_at"))
            for key, model, order, leave_out in _PER_CONVERSATION:
                rows = await _rows(session, model, model.conversation_id == cid, order=order)
                item[key] = [_row(r, leave_out) for r in rows]
            conversations.append(item)
        outbox = await _rows(session, OutboxRow, _outbox_of(person), order=OutboxRow.id)
        inbox = await _rows(session, InboxRow, InboxRow.id.in_(person.inbox_ids), order=InboxRow.id)
        erasures = await _rows(
            session, ErasureRow, ErasureRow.subject_hash == subject.hash, order=ErasureRow.id
        )
    events = await asyncio.to_thread(rasa_tracker.read_events, tracker, ids)
    for item in conversations:
        item["rasa_tracker"] = events.get(item["id"], [])
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "exported_at": (now or utcnow()).isoformat(),
        "subject": {"kind": subject.kind, "channel": subject.channel},
        "conversations": conversations,
        "inbox": [_row(r) for r in inbox],
        "outbox": [_row(r) for r in outbox],
        "rasa_tracker_store": {"kind": tracker.kind, "note": tracker.note},
        "logs": "Logs carry conversation ids only, never personal data; they are not exported.",
        "erasures": [erasure_out(r) for r in erasures],
    }


def _outbox_of(person: Person) -> Any:
    places = [
        and_(OutboxRow.channel == channel, OutboxRow.address == address)
        for channel, address in sorted(person.links)
    ]
    return or_(OutboxRow.conversation_id.in_(person.conversation_ids), *places)


# -- erasing ---------------------------------------------------------------------------------


async def _anonymise(session: AsyncSession, cid: str, now: datetime, counts: Counter[str]) -> None:
    """Keep what the figures count of one conversation, under a fresh id, without a word
    of text or identity: the conversation (channel, owner, queue, times, language), its
    messages (sender, time, intent, the figures' flags), handoffs (reason, queue, times,
    outcome) and survey scores. The old id is gone, so nothing — a log line included —
    leads back from the person to what remains."""
    row = await session.get(ConversationRow, cid)
    if row is None:
        return
    new_id = str(uuid.uuid4())
    session.add(
        ConversationRow(
            id=new_id, channel=row.channel, token_hash=None, owner=row.owner,
            handoff_reason=row.handoff_reason, queue=row.queue, priority=row.priority,
            agent_id=row.agent_id, queued_at=row.queued_at, identity=None, contact_email=None,
            contact_phone=None, language=row.language, created_at=row.created_at,
            updated_at=row.updated_at, erased_at=now,
        )
    )  # fmt: skip
    await session.flush()
    counts["conversations"] += 1
    counts["identities"] += 1 if row.identity else 0
    for message in await session.scalars(
        select(MessageRow).where(MessageRow.conversation_id == cid)
    ):
        meta = {k: v for k, v in (message.meta or {}).items() if k in _FIGURE_META}
        message.conversation_id = new_id
        message.text, message.buttons, message.client_id = "", None, None
        message.entities, message.meta = None, meta or None
        counts["messages"] += 1
    counts["handoffs"] += count(await session.execute(
        update(HandoffRow).where(HandoffRow.conversation_id == cid)
        .values(conversation_id=new_id, packet={}, resolution_note=None)))  # fmt: skip
    counts["surveys"] += count(await session.execute(
        update(SurveyRow).where(SurveyRow.conversation_id == cid)
        .values(conversation_id=new_id)))  # fmt: skip
    await session.flush()
    await session.execute(delete(ConversationRow).where(ConversationRow.id == cid))


def count(result: Any) -> int:
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


async def erase_rows(session: AsyncSession, person: Person, now: datetime) -> Counter[str]:
    """Everything of the person in Baton's database, in the caller's transaction.

    Deleted: what is text about them and counts for no figure — notes, AI suggestions,
    remembered replies, knowledge owners' labels of their messages, the event log's entries,
    channel links and codes, their platform deliveries and sends. Anonymised (see
    :func:`_anonymise`): the conversation with its messages, handoffs and survey answers,
    because containment, handoff rate, CSAT and the other figures of past periods count
    them, and erasing a person must not rewrite last quarter's report. Article drafts
    written from their conversation stay (staff wrote them) but no longer point at it.
    """
    ids = sorted(person.conversation_ids)
    counts: Counter[str] = Counter()
    by_conversation: Sequence[tuple[Any, str]] = (
        (SuggestionRow, "suggestions"),
        (NoteRow, "notes"),
        (ReplyMemoryRow, "reply_memory"),
        (ReviewLabelRow, "review_labels"),
        (EventRow, "events"),
        (ChannelLinkRow, "channel_links"),
        (CodeRow, "channel_codes"),
    )
    if ids:
        for model, label in by_conversation:
            counts[label] += count(
                await session.execute(delete(model).where(model.conversation_id.in_(ids)))
            )
        counts["article_drafts_unlinked"] += count(await session.execute(
            update(ArticleDraftRow).where(ArticleDraftRow.conversation_id.in_(ids))
            .values(conversation_id=None)))  # fmt: skip
    if ids or person.links:
        counts["outbox"] += count(
            await session.execute(delete(OutboxRow).where(_outbox_of(person)))
        )
    if person.inbox_ids:
        counts["inbox"] += count(
            await session.execute(delete(InboxRow).where(InboxRow.id.in_(person.inbox_ids)))
        )
    for cid in ids:
        await _anonymise(session, cid, now, counts)
    return counts


async def _erase_redis(redis_url: str | None, ids: Sequence[str]) -> int:
    """Entries of the Redis event stream about these conversations (to their sockets, or
    to the desk naming them)."""
    if not redis_url or not ids:
        return 0
    from redis import asyncio as aioredis

    wanted = set(ids)
    client = aioredis.from_url(redis_url)
    try:
        doomed: list[Any] = []
        start: Any = "-"
        while True:
            entries: Any = await client.xrange(REDIS_STREAM, min=start, count=1000)
            for entry_id, fields in entries:
                topic = fields.get(b"topic", b"").decode(errors="replace")
                try:
                    about = json.loads(fields.get(b"data", b"{}")).get("conversation_id")
                except (ValueError, AttributeError):
                    about = None
                if topic in wanted or about in wanted:
                    doomed.append(entry_id)
            if len(entries) < 1000:
                break
            start = b"(" + entries[-1][0]
        for chunk in range(0, len(doomed), 500):
            await client.xdel(REDIS_STREAM, *doomed[chunk : chunk + 500])
        return len(doomed)
    finally:
        await client.aclose()


async def erase_elsewhere(
    ids: Sequence[str], tracker: TrackerStore, redis_url: str | None, counts: Counter[str]
) -> None:
    """Rasa's trackers (one transaction in its database) and the Redis event stream."""
    counts["rasa_tracker_events"] += await asyncio.to_thread(
        rasa_tracker.delete_events, tracker, ids
    )
    counts["redis_events"] += await _erase_redis(redis_url, ids)


@dataclass(frozen=True, slots=True)
class Erased:
    record: dict[str, Any]  # the erasure record as stored (erasure_out)
    tracker: TrackerStore  # where Rasa's trackers were (an in-memory store is said here)
    # the conversation ids that name nothing any more: for this process's caches, never stored
    conversation_ids: tuple[str, ...] = ()


async def erase(
    sessions: async_sessionmaker[AsyncSession],
    subject: Subject,
    *,
    requested_by: str,
    tracker: TrackerStore,
    redis_url: str | None = None,
    now: datetime | None = None,
) -> Erased:
    """Erase everything of the person (see :func:`erase_rows` for what is deleted and what
    anonymised), Rasa's trackers and the Redis stream included, and record that it happened:
    what was asked (the kind of ID and its hash), by whom, when, how many of each kind.
    Baton's database changes in one transaction; so does Rasa's."""
    now = now or utcnow()
    async with sessions.begin() as session:
        person = await find_person(session, subject)
        busy = await session.scalar(
            select(func.count()).where(
                ConversationRow.id.in_(person.conversation_ids),
                ConversationRow.owner.in_([Owner.QUEUED.value, Owner.ASSIGNED.value]),
            )
        )
        if busy:
            raise WithAPerson(int(busy))
        counts: Counter[str] = Counter()
        await erase_elsewhere(sorted(person.conversation_ids), tracker, redis_url, counts)
        counts.update(await erase_rows(session, person, now))
        record = ErasureRow(
            kind="request", subject_kind=subject.kind, subject_hash=subject.hash,
            requested_by=requested_by, requested_at=now, counts=clean_counts(counts),
        )  # fmt: skip
        session.add(record)
        await session.flush()
        return Erased(erasure_out(record), tracker, tuple(sorted(person.conversation_ids)))


def clean_counts(counts: Counter[str]) -> dict[str, int]:
    return {key: int(value) for key, value in sorted(counts.items())}

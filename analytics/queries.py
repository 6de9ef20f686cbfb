"""Loading conversation records for the figures, in a few set-based queries (SQLite and
PostgreSQL alike): conversations of a period, then their messages, handoffs and surveys by
chunks of ids. Only agent messages' texts are read (the re-ask detector needs them)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, literal, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analytics.errors import BadPeriod
from analytics.metrics import Definitions, Facts, all_facts
from analytics.models import SurveyRow
from analytics.records import ConversationRecord, Stay, SurveyAnswer, Turn, contact_keys
from handoff.models import ConversationRow, HandoffRow, MessageRow
from handoff.records import Sender, as_identity

_CHUNK = 500  # ids per IN (...) list: well inside SQLite's and PostgreSQL's limits
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Period:
    """Whole UTC days, ``first`` to ``last`` inclusive."""

    first: date
    last: date

    @classmethod
    def parse(
        cls, first: str | None, last: str | None, *, today: date, default_days: int = 14
    ) -> Period:
        try:
            end = date.fromisoformat(last) if last else today
            start = date.fromisoformat(first) if first else end - timedelta(days=default_days - 1)
        except ValueError:
            raise BadPeriod("dates are written YYYY-MM-DD, e.g. 2026-11-29") from None
        if start > end:
            raise BadPeriod(f"the period starts ({start}) after it ends ({end})")
        if (end - start).days + 1 > MAX_DAYS:
            raise BadPeriod(f"at most {MAX_DAYS} days at once")
        return cls(start, end)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """Exclusive."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UTC)

    def days(self) -> list[str]:
        return [
            (self.first + timedelta(days=n)).isoformat()
            for n in range((self.last - self.first).days + 1)
        ]


@dataclass(frozen=True, slots=True)
class Filters:
    channel: str | None = None
    queue: str | None = None
    intent: str | None = None
    language: str | None = None  # a two-letter code, or metrics.UNKNOWN_LANGUAGE

    def keep(self, facts: Facts) -> bool:
        return (
            (self.channel is None or facts.channel == self.channel)
            and (self.queue is None or facts.queue == self.queue)
            and (self.intent is None or facts.intent == self.intent)
            and (self.language is None or facts.language == self.language)
        )


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _turn(row: Any) -> Turn:
    meta = row.meta or {}
    return Turn(
        id=row.id,
        sender=Sender(row.sender),
        at=row.created_at,
        intent=row.intent,
        text=row.text or "",
        reply_to_id=row.reply_to_id,
        article=isinstance(meta.get("article"), dict),
        survey_answer=bool(meta.get("survey_answer")),
        survey_question=bool(meta.get("survey")),
    )


def _entity_contacts(entities: Any) -> set[str]:
    """Emails and phones the NLU recognised in a customer message."""
    keys: set[str] = set()
    for entity in entities or []:
        if not isinstance(entity, dict) or not entity.get("value"):
            continue
        if entity.get("entity") == "email":
            keys |= contact_keys(str(entity["value"]), None)
        elif entity.get("entity") == "phone":
            keys |= contact_keys(None, str(entity["value"]))
    return keys


async def load_records(
    session: AsyncSession, start: datetime, end: datetime, channel: str | None = None
) -> list[ConversationRecord]:
    """Every conversation started in [start, end) with its messages, handoffs and surveys."""
    query = (
        select(
            ConversationRow.id,
            ConversationRow.channel,
            ConversationRow.language,
            ConversationRow.created_at,
            ConversationRow.contact_email,
            ConversationRow.contact_phone,
        )
        .where(ConversationRow.created_at >= start, ConversationRow.created_at < end)
        .order_by(ConversationRow.created_at, ConversationRow.id)
    )
    if channel is not None:
        query = query.where(ConversationRow.channel == channel)
    conversations = (await session.execute(query)).all()
    ids = [c.id for c in conversations]
    turns: dict[str, list[Turn]] = defaultdict(list)
    contacts: dict[str, set[str]] = defaultdict(set)
    stays: dict[str, list[Stay]] = defaultdict(list)
    surveys: dict[str, list[SurveyAnswer]] = defaultdict(list)
    for chunk in _chunks(ids):
        messages = await session.execute(
            select(
                MessageRow.id,
                MessageRow.conversation_id,
                MessageRow.sender,
                MessageRow.created_at,
                MessageRow.intent,
                MessageRow.reply_to_id,
                MessageRow.meta,
                case(
                    (MessageRow.sender == Sender.AGENT.value, MessageRow.text), else_=literal("")
                ).label("text"),
                case(
                    (MessageRow.sender == Sender.CUSTOMER.value, MessageRow.entities),
                    else_=None,
                ).label("entities"),
            )
            .where(MessageRow.conversation_id.in_(chunk))
            .order_by(MessageRow.conversation_id, MessageRow.id)
        )
        for row in messages:
            turns[row.conversation_id].append(_turn(row))
            if row.entities:
                contacts[row.conversation_id] |= _entity_contacts(row.entities)
        handoffs = await session.execute(
            select(
                HandoffRow.id,
                HandoffRow.conversation_id,
                HandoffRow.reason,
                HandoffRow.queue,
                HandoffRow.created_at,
                HandoffRow.agent_id,
                HandoffRow.assigned_at,
                HandoffRow.first_reply_at,
                HandoffRow.ended_at,
                HandoffRow.outcome,
                HandoffRow.packet["identity"].label("identity"),
            )
            .where(HandoffRow.conversation_id.in_(chunk))
            .order_by(HandoffRow.conversation_id, HandoffRow.id)
        )
        for row in handoffs:
            stays[row.conversation_id].append(
                Stay(
                    id=row.id,
                    reason=row.reason,
                    queue=row.queue,
                    created_at=row.created_at,
                    identity=as_identity(row.identity if isinstance(row.identity, dict) else None),
                    agent_id=row.agent_id,
                    assigned_at=row.assigned_at,
                    first_reply_at=row.first_reply_at,
                    ended_at=row.ended_at,
                    outcome=row.outcome,
                )
            )
        for survey in await session.scalars(
            select(SurveyRow)
            .where(SurveyRow.conversation_id.in_(chunk))
            .order_by(SurveyRow.conversation_id, SurveyRow.id)
        ):
            surveys[survey.conversation_id].append(
                SurveyAnswer(
                    kind=survey.kind,
                    after=survey.after,
                    sent_at=survey.sent_at,
                    score=survey.score,
                    answered_at=survey.answered_at,
                )
            )
    return [
        ConversationRecord(
            id=c.id,
            channel=c.channel,
            language=c.language,
            created_at=c.created_at,
            contacts=contact_keys(c.contact_email, c.contact_phone) | frozenset(contacts[c.id]),
            turns=tuple(turns[c.id]),
            stays=tuple(stays[c.id]),
            surveys=tuple(surveys[c.id]),
        )
        for c in conversations
    ]


async def period_facts(
    sessions: async_sessionmaker[AsyncSession],
    period: Period,
    definitions: Definitions,
    filters: Filters = Filters(),
    now: datetime | None = None,
) -> list[Facts]:
    """Facts of the conversations started in ``period`` that pass ``filters``.

    Conversations started up to one re-contact window after the period are read too: they
    may be re-contacts of the period's conversations (on any channel, so the channel filter
    applies afterwards)."""
    now = now or datetime.now(UTC)
    async with sessions() as session:
        records = await load_records(
            session,
            period.start,
            min(period.end + definitions.recontact_window, now + timedelta(seconds=1)),
        )
    facts = all_facts(records, now, definitions)
    return [f for f in facts if period.start <= _started(f) < period.end and filters.keep(f)]


def _started(facts: Facts) -> datetime:
    return datetime.fromisoformat(facts.day).replace(tzinfo=UTC)

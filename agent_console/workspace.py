"""What the console keeps beside the transcript: internal notes, the AI's suggestions and what
became of each, and a customer's earlier conversations.

Each write appends its event to the event log in the same transaction (as the conversation
store does), so a console that reconnects catches up on notes and suggestions too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from handoff.events import Event, append_event
from handoff.models import ConversationRow, HandoffRow, MessageRow, NoteRow, SuggestionRow
from handoff.store import load_conversation

if TYPE_CHECKING:
    from agent_console.assist import Suggestion


class Outcome(StrEnum):
    USED = "used"  # sent as suggested
    EDITED = "edited"  # inserted, changed, then sent
    IGNORED = "ignored"  # the agent answered (or ended) without it


class NoteOut(TypedDict):
    id: int
    author_id: str
    author_name: str
    text: str
    created_at: str


class SuggestionOut(TypedDict):
    id: int
    message_id: int  # the customer message it answers
    kind: str  # "knowledge" | "bot" | "memory"
    text: str
    score: float
    source: dict[str, Any]
    outcome: str | None


class EarlierConversation(TypedDict):
    id: str
    channel: str
    started_at: str
    messages: int
    first_message: str | None  # the customer's first words
    outcome: str  # "contained" (the bot alone) | "resolved" | "handed_back" | "abandoned" | "open"
    reason: str | None  # why it was handed off
    resolution_note: str | None
    agent_id: str | None


def note_out(row: NoteRow) -> NoteOut:
    return {
        "id": row.id,
        "author_id": row.author_id,
        "author_name": row.author_name,
        "text": row.text,
        "created_at": row.created_at.isoformat(),
    }


def suggestion_out(row: SuggestionRow) -> SuggestionOut:
    return {
        "id": row.id,
        "message_id": row.message_id,
        "kind": row.kind,
        "text": row.text,
        "score": round(row.score, 4),
        "source": dict(row.source or {}),
        "outcome": row.outcome,
    }


def judge(suggested: str, sent: str) -> Outcome:
    """Used if sent as suggested (whitespace aside), edited otherwise."""
    return Outcome.USED if " ".join(suggested.split()) == " ".join(sent.split()) else Outcome.EDITED


@dataclass(frozen=True, slots=True)
class Settled:
    outcomes: dict[int, str]  # suggestion id -> outcome
    event: Event | None


class UnknownSuggestion(LookupError):
    def __init__(self, suggestion_id: int) -> None:
        super().__init__(f"suggestion {suggestion_id} is not one of this conversation's")
        self.suggestion_id = suggestion_id


class Workspace:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # -- internal notes

    async def add_note(
        self, conversation_id: str, author_id: str, author_name: str, text: str
    ) -> tuple[NoteOut, Event]:
        async with self._sessions.begin() as session:
            await load_conversation(session, conversation_id)
            row = NoteRow(
                conversation_id=conversation_id,
                author_id=author_id,
                author_name=author_name,
                text=text,
            )
            session.add(row)
            await session.flush()
            note = note_out(row)
            event = await append_event(session, conversation_id, "note", {"note": dict(note)})
            return note, event

    async def notes(self, conversation_id: str) -> list[NoteOut]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(NoteRow)
                .where(NoteRow.conversation_id == conversation_id)
                .order_by(NoteRow.id)
            )
            return [note_out(row) for row in rows]

    # -- AI suggestions

    async def save_suggestions(
        self, conversation_id: str, message_id: int, suggestions: Sequence[Suggestion]
    ) -> tuple[list[SuggestionOut], Event]:
        async with self._sessions.begin() as session:
            rows = [
                SuggestionRow(
                    conversation_id=conversation_id,
                    message_id=message_id,
                    kind=s.kind,
                    text=s.text,
                    score=float(s.score),
                    source=dict(s.source),
                )
                for s in suggestions
            ]
            session.add_all(rows)
            await session.flush()
            out = [suggestion_out(row) for row in rows]
            event = await append_event(
                session,
                conversation_id,
                "suggestions",
                {"message_id": message_id, "suggestions": [dict(s) for s in out]},
            )
            return out, event

    async def suggestions(self, conversation_id: str, limit: int = 30) -> list[SuggestionOut]:
        """The latest suggestions of a conversation, oldest first."""
        async with self._sessions() as session:
            rows = list(
                await session.scalars(
                    select(SuggestionRow)
                    .where(SuggestionRow.conversation_id == conversation_id)
                    .order_by(SuggestionRow.id.desc())
                    .limit(limit)
                )
            )
            return [suggestion_out(row) for row in reversed(rows)]

    async def has_suggestion(self, conversation_id: str, suggestion_id: int) -> bool:
        async with self._sessions() as session:
            row = await session.get(SuggestionRow, suggestion_id)
            return row is not None and row.conversation_id == conversation_id

    async def settle(
        self,
        conversation_id: str,
        *,
        reply_id: int | None,
        sent: str | None = None,
        suggestion_id: int | None = None,
    ) -> Settled:
        """After an agent's reply (or the end of their stay): the suggestion they inserted is
        used or edited, every other open one is ignored."""
        async with self._sessions.begin() as session:
            outcomes: dict[int, str] = {}
            if suggestion_id is not None:
                row = await session.get(SuggestionRow, suggestion_id)
                if row is None or row.conversation_id != conversation_id:
                    raise UnknownSuggestion(suggestion_id)
                outcome = judge(row.text, sent or "")
                row.outcome, row.reply_id = outcome.value, reply_id
                outcomes[row.id] = outcome.value
            ignored = list(
                await session.scalars(
                    select(SuggestionRow.id).where(
                        SuggestionRow.conversation_id == conversation_id,
                        SuggestionRow.outcome.is_(None),
                    )
                )
            )
            if ignored:
                await session.execute(
                    update(SuggestionRow)
                    .where(SuggestionRow.id.in_(ignored))
                    .values(outcome=Outcome.IGNORED.value)
                )
                outcomes |= {i: Outcome.IGNORED.value for i in ignored}
            if not outcomes:
                return Settled({}, None)
            event = await append_event(
                session,
                conversation_id,
                "suggestion_outcomes",
                {"outcomes": {str(k): v for k, v in outcomes.items()}},
            )
            return Settled(outcomes, event)

    async def suggestion_usage(self) -> dict[str, dict[str, int]]:
        """Per kind, how many suggestions were used, edited, ignored or are still open."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(SuggestionRow.kind, SuggestionRow.outcome, func.count()).group_by(
                    SuggestionRow.kind, SuggestionRow.outcome
                )
            )
            usage: dict[str, dict[str, int]] = {}
            for kind, outcome, count in rows:
                usage.setdefault(kind, {})[outcome or "open"] = int(count)
            return usage

    # -- the customer's earlier conversations

    async def earlier_conversations(
        self, conversation_id: str, limit: int = 20
    ) -> list[EarlierConversation]:
        """This customer's other conversations on every channel (matched by email or phone),
        newest first, with how each ended."""
        async with self._sessions() as session:
            current = await load_conversation(session, conversation_id)
            matches = []
            if current.contact_email:
                matches.append(ConversationRow.contact_email == current.contact_email)
            if current.contact_phone:
                matches.append(ConversationRow.contact_phone == current.contact_phone)
            if not matches:
                return []
            rows = list(
                await session.scalars(
                    select(ConversationRow)
                    .where(or_(*matches), ConversationRow.id != conversation_id)
                    .order_by(ConversationRow.created_at.desc())
                    .limit(limit)
                )
            )
            ids = [row.id for row in rows]
            counts = dict(
                (
                    await session.execute(
                        select(MessageRow.conversation_id, func.count())
                        .where(MessageRow.conversation_id.in_(ids))
                        .group_by(MessageRow.conversation_id)
                    )
                ).all()
            )
            first_ids = (
                select(func.min(MessageRow.id))
                .where(MessageRow.conversation_id.in_(ids), MessageRow.sender == "customer")
                .group_by(MessageRow.conversation_id)
            )
            first = dict(
                (
                    await session.execute(
                        select(MessageRow.conversation_id, MessageRow.text).where(
                            MessageRow.id.in_(first_ids)
                        )
                    )
                ).all()
            )
            stays: dict[str, HandoffRow] = {}
            for stay in await session.scalars(
                select(HandoffRow)
                .where(HandoffRow.conversation_id.in_(ids))
                .order_by(HandoffRow.id)
            ):
                stays[stay.conversation_id] = stay  # the latest stay of each
            result: list[EarlierConversation] = []
            for row in rows:
                latest = stays.get(row.id)
                result.append(
                    {
                        "id": row.id,
                        "channel": row.channel,
                        "started_at": row.created_at.isoformat(),
                        "messages": int(counts.get(row.id, 0)),
                        "first_message": first.get(row.id),
                        "outcome": (latest.outcome or "open") if latest else "contained",
                        "reason": latest.reason if latest else None,
                        "resolution_note": latest.resolution_note if latest else None,
                        "agent_id": latest.agent_id if latest else None,
                    }
                )
            return result

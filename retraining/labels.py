"""Labels of failed customer messages: written to the database first (one per message, so
of two owners labelling the same message at once exactly one wins), then the reviewed YAML
files are regenerated from the database."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff.models import MessageRow
from handoff.records import Message
from handoff.store import to_message
from retraining.errors import LabelConflict, MessagesNotFound, RetrainingError
from retraining.export import Example, deduplicated, write_reviewed
from retraining.failures import Source, conversation_languages, failures, is_served
from retraining.intents import OUT_OF_SCOPE, check_intent_name
from retraining.models import ReviewLabelRow
from retraining.new_intents import new_intents, write_new_intents
from retraining.project import bot_examples


class Action(StrEnum):
    INTENT = "intent"  # an existing or a new intent
    OUT_OF_SCOPE = "out_of_scope"  # trained as the out_of_scope intent
    ARTICLE = "article"  # answered by a help-centre article drafted from it (no NLU example)


@dataclass(frozen=True, slots=True)
class Label:
    id: int
    message_id: int
    conversation_id: str
    text: str
    source: str
    action: Action
    intent: str | None
    labelled_by: str
    created_at: datetime


def _label(row: ReviewLabelRow) -> Label:
    return Label(
        row.id,
        row.message_id,
        row.conversation_id,
        row.text,
        row.source,
        Action(row.action),
        row.intent,
        row.labelled_by,
        row.created_at,
    )


class LabelBook:
    """Labels in the database and their projection as Rasa YAML under ``bot_dir``."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bot_dir: Path,
        *,
        low_confidence: float,
        rejection_intents: Sequence[str] = ("deny",),
        declined_intents: Sequence[str] = (),
        languages: Sequence[str] = (),
    ) -> None:
        self._sessions = sessions
        self._bot_dir = bot_dir
        self._low_confidence = low_confidence
        self._rejection_intents = tuple(rejection_intents)
        self._declined = frozenset(declined_intents)
        self._languages = frozenset(languages)
        self._export_lock = asyncio.Lock()

    async def label(
        self,
        message_ids: Sequence[int],
        action: Action,
        user_id: str,
        intent: str | None = None,
        draft_id: int | None = None,
    ) -> list[Label]:
        """Label every message of ``message_ids`` at once, or none of them (LabelConflict
        when another owner got to one first)."""
        if action is Action.INTENT:
            intent = check_intent_name(intent or "")
        elif action is Action.OUT_OF_SCOPE:
            intent = OUT_OF_SCOPE
        else:
            intent = None
        ids = sorted(set(message_ids))
        if not ids:
            raise RetrainingError("no messages were given to label.")
        messages = await self._customer_messages(ids)
        missing = [i for i in ids if i not in messages]
        if missing:
            raise MessagesNotFound(missing)
        sources = await self._sources(list(messages.values()))
        rows = [
            ReviewLabelRow(
                message_id=m.id,
                conversation_id=m.conversation_id,
                text=m.text,
                source=sources.get(m.id, Source.FALLBACK).value,
                action=action.value,
                intent=intent,
                entities=list(m.nlu.entities) if m.nlu is not None else None,
                draft_id=draft_id,
                labelled_by=user_id,
            )
            for m in messages.values()
        ]
        try:
            async with self._sessions.begin() as session:
                session.add_all(rows)
        except IntegrityError:
            raise await self._conflict(ids) from None
        await self.export()
        return [_label(row) for row in rows]

    async def _conflict(self, ids: list[int]) -> LabelConflict:
        async with self._sessions() as session:
            taken = (
                await session.execute(
                    select(ReviewLabelRow.message_id, ReviewLabelRow.labelled_by).where(
                        ReviewLabelRow.message_id.in_(ids)
                    )
                )
            ).all()
        return LabelConflict([m for m, _ in taken], ", ".join(sorted({b for _, b in taken})))

    async def _customer_messages(self, ids: list[int]) -> dict[int, Message]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(MessageRow).where(MessageRow.id.in_(ids), MessageRow.sender == "customer")
            )
            return {row.id: to_message(row) for row in rows}

    async def _sources(self, messages: list[Message]) -> dict[int, Source]:
        """Why each message failed, judged on its conversation as it stands now."""
        conversations = sorted({m.conversation_id for m in messages})
        async with self._sessions() as session:
            rows = await session.scalars(
                select(MessageRow)
                .where(MessageRow.conversation_id.in_(conversations))
                .order_by(MessageRow.id)
            )
            by_conversation: dict[str, list[Message]] = {}
            for row in rows:
                by_conversation.setdefault(row.conversation_id, []).append(to_message(row))
            languages = await conversation_languages(session, by_conversation)
        found: dict[int, Source] = {}
        for conversation_id, transcript in by_conversation.items():
            for failure in failures(
                transcript,
                low_confidence=self._low_confidence,
                rejection_intents=self._rejection_intents,
                declined_intents=self._declined,
                served=is_served(languages.get(conversation_id), self._languages),
            ):
                found[failure.message.id] = failure.source
        return found

    async def remove(self, label_id: int) -> bool:
        """Take a label back (the message returns to the inbox); False if there was none."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(ReviewLabelRow).where(ReviewLabelRow.id == label_id)
            )
        await self.export()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def recent(self, limit: int = 50) -> list[Label]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ReviewLabelRow).order_by(ReviewLabelRow.id.desc()).limit(limit)
            )
            return [_label(row) for row in rows]

    async def count(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count(ReviewLabelRow.id))) or 0)

    async def labelled_ids(self, since_message_id: int) -> set[int]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ReviewLabelRow.message_id).where(
                    ReviewLabelRow.message_id >= since_message_id
                )
            )
            return set(rows)

    async def examples(self) -> list[Example]:
        """Every label that is a training example (an intent or out of scope), oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ReviewLabelRow)
                .where(ReviewLabelRow.intent.is_not(None))
                .order_by(ReviewLabelRow.id)
            )
            return [
                Example(row.id, row.text, row.intent or "", row.source, tuple(row.entities or ()))
                for row in rows
            ]

    async def export(self) -> list[Path]:
        """Regenerate the reviewed YAML files from the database (the files that changed)."""
        async with self._export_lock:
            examples = await self.examples()
            return await asyncio.to_thread(self._write, examples)

    def _write(self, examples: list[Example]) -> list[Path]:
        known = bot_examples(self._bot_dir)
        changed = write_reviewed(self._bot_dir, examples, known)
        written = deduplicated(examples, known)
        return changed + write_new_intents(self._bot_dir, new_intents(self._bot_dir, written))

"""The knowledge owner's inbox: the customer messages the bot failed on and nobody labelled
yet, grouped by meaning (MiniLM) so that a hundred alike messages are one row.

Vectors are cached by message id, so a refresh embeds only the failures that arrived since
the last one; the grouping itself is recomputed (milliseconds) and is stable for the same
messages.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff.models import MessageRow
from handoff.records import Message
from handoff.store import to_message
from retraining.clustering import centroid, cluster
from retraining.export import normalise
from retraining.failures import (
    FALLBACK_INTENT,
    Failure,
    conversation_languages,
    failures,
    is_served,
)
from retraining.labels import LabelBook
from retraining.project import bot_examples_by_intent

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> Vectors: ...


@dataclass(frozen=True, slots=True)
class Member:
    message_id: int
    conversation_id: str
    text: str
    source: str
    intent: str | None  # what the NLU made of it
    confidence: float | None
    language: str | None = None  # the conversation's language, None while unknown


@dataclass(frozen=True, slots=True)
class Cluster:
    id: int  # the oldest member's message id: stable while that message is unlabelled
    members: list[Member]
    sources: dict[str, int]
    suggested_intent: str | None  # nearest intent by its examples
    suggestion_score: float  # cosine of the cluster to that intent's nearest example
    nlu_intent: str | None  # the NLU's most frequent guess (not a fallback), if any
    examples: list[str] = field(default_factory=list)  # distinct texts, up to a few
    language: str | None = None  # every member's conversation is in it (None: unknown)

    @property
    def size(self) -> int:
        return len(self.members)


class Inbox:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        labels: LabelBook,
        embedder: Callable[[], Embedder],
        bot_dir: Path,
        *,
        low_confidence: float,
        similarity: float,
        scan: int,
        rejection_intents: Sequence[str] = ("deny",),
        declined_intents: Sequence[str] = (),
        languages: Sequence[str] = (),
    ) -> None:
        self._sessions = sessions
        self._labels = labels
        # out-of-scope answers and unserved languages are failures for the knowledge owners
        self._declined = frozenset(declined_intents)
        self._languages = frozenset(languages)
        self._language_of: dict[int, str | None] = {}
        self._load_embedder = embedder
        self._embedder: Embedder | None = None
        self._bot_dir = bot_dir
        self._low_confidence = low_confidence
        self._similarity = similarity
        self._scan = scan
        self._rejection_intents = tuple(rejection_intents)
        self._vectors: dict[int, Vectors] = {}
        self._intent_index: tuple[str, list[str], Vectors] | None = None
        self._example_vectors: dict[str, Vectors] = {}  # each example text embedded once
        self._lock = asyncio.Lock()

    async def failures(self) -> list[Failure]:
        """Unlabelled failed customer messages among the latest ``scan`` ones, oldest first."""
        async with self._sessions() as session:
            newest = (
                select(MessageRow.id)
                .where(MessageRow.sender == "customer")
                .order_by(MessageRow.id.desc())
                .limit(self._scan)
                .subquery()
            )
            first = await session.scalar(select(func.min(newest.c.id)))
            if first is None:
                return []
            rows = await session.scalars(
                select(MessageRow).where(MessageRow.id >= first).order_by(MessageRow.id)
            )
            transcripts: dict[str, list[Message]] = {}
            for row in rows:
                transcripts.setdefault(row.conversation_id, []).append(to_message(row))
            languages = await conversation_languages(session, transcripts)
        labelled = await self._labels.labelled_ids(first)
        found = [
            f
            for conversation_id, transcript in transcripts.items()
            for f in failures(
                transcript,
                low_confidence=self._low_confidence,
                rejection_intents=self._rejection_intents,
                declined_intents=self._declined,
                served=is_served(languages.get(conversation_id), self._languages),
            )
            if f.message.id not in labelled
        ]
        self._language_of = {f.message.id: languages.get(f.message.conversation_id) for f in found}
        return sorted(found, key=lambda f: f.message.id)

    async def clusters(self) -> list[Cluster]:
        found = await self.failures()
        if not found:
            return []
        async with self._lock:  # one refresh embeds at a time; the next reuses its vectors
            vectors = await self._vectors_of(found)
            index = await self._intent_examples()
        # grouped within each language: a Polish and a Swedish message are labelled apart
        by_language: dict[str | None, list[int]] = {}
        for position, failure in enumerate(found):
            by_language.setdefault(self._language_of.get(failure.message.id), []).append(position)
        described = []
        for rows in by_language.values():
            groups = await asyncio.to_thread(cluster, vectors[rows], self._similarity)
            for members in groups:
                described.append(self._describe(found, vectors, [rows[m] for m in members], index))
        return sorted(described, key=lambda c: (-c.size, c.id))

    async def _embedder_loaded(self) -> Embedder:
        if self._embedder is None:
            self._embedder = await asyncio.to_thread(self._load_embedder)
        return self._embedder

    async def _vectors_of(self, found: list[Failure]) -> Vectors:
        missing = [f.message for f in found if f.message.id not in self._vectors]
        if missing:
            embedder = await self._embedder_loaded()
            fresh = await asyncio.to_thread(embedder.embed, [m.text for m in missing])
            self._vectors.update(zip([m.id for m in missing], fresh, strict=True))
        wanted = {f.message.id for f in found}
        for stale in [i for i in self._vectors if i not in wanted]:
            del self._vectors[stale]  # labelled or scrolled out of the scan window
        return np.vstack([self._vectors[f.message.id] for f in found]).astype(np.float32)

    async def _intent_examples(self) -> tuple[str, list[str], Vectors]:
        """Every known example (the bot's and the reviewed ones) with its intent, embedded;
        redone only when the examples change."""
        by_intent = await asyncio.to_thread(bot_examples_by_intent, self._bot_dir)
        for example in await self._labels.examples():
            by_intent.setdefault(example.intent, set()).add(example.text)
        pairs = sorted((intent, text) for intent, texts in by_intent.items() for text in texts)
        key = hashlib.sha256(repr(pairs).encode()).hexdigest()
        if self._intent_index is None or self._intent_index[0] != key:
            # only the texts not embedded before: a label adds a few examples to thousands
            missing = sorted({text for _, text in pairs} - self._example_vectors.keys())
            if missing:
                embedder = await self._embedder_loaded()
                fresh = await asyncio.to_thread(embedder.embed, missing)
                self._example_vectors.update(zip(missing, fresh, strict=True))
            if pairs:
                rows = [self._example_vectors[text] for _, text in pairs]
                vectors = np.vstack(rows).astype(np.float32)
            else:  # nothing to compare with: the embedder's own empty shape
                embedder = await self._embedder_loaded()
                vectors = await asyncio.to_thread(embedder.embed, [])
            self._intent_index = (key, [intent for intent, _ in pairs], vectors)
        return self._intent_index

    def _describe(
        self,
        found: list[Failure],
        vectors: Vectors,
        members: list[int],
        index: tuple[str, list[str], Vectors],
    ) -> Cluster:
        picked = [found[i] for i in members]
        people = [
            Member(
                f.message.id,
                f.message.conversation_id,
                f.message.text,
                f.source.value,
                f.message.nlu.intent if f.message.nlu else None,
                f.message.nlu.confidence if f.message.nlu else None,
                self._language_of.get(f.message.id),
            )
            for f in picked
        ]
        _, intents, known = index
        suggested, score = None, 0.0
        if len(intents):
            similarity = known @ centroid(vectors, members)
            best = int(np.argmax(similarity))
            suggested, score = intents[best], float(similarity[best])
        guesses = Counter(m.intent for m in people if m.intent and m.intent != FALLBACK_INTENT)
        examples: list[str] = []
        seen: set[str] = set()
        for m in people:
            if normalise(m.text) not in seen and len(examples) < 5:
                seen.add(normalise(m.text))
                examples.append(m.text)
        return Cluster(
            id=people[0].message_id,
            members=people,
            sources=dict(Counter(m.source for m in people).most_common()),
            suggested_intent=suggested,
            suggestion_score=round(score, 3),
            nlu_intent=guesses.most_common(1)[0][0] if guesses else None,
            examples=examples,
            language=people[0].language,
        )

"""The memory of agents' replies: what an agent answered to what a customer said, in
resolved conversations, searched by meaning to suggest the answer again.

Pairs live in the ``reply_memory`` table (vector included, so a restart embeds nothing);
in memory they are a FAISS inner-product index over normalised vectors.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import faiss
import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff.models import ReplyMemoryRow
from handoff.records import Message, Sender

# an agent message shorter than this says nothing worth suggesting again ("ok", "one moment")
MIN_REPLY_WORDS = 4


@dataclass(frozen=True, slots=True)
class Pair:
    customer_text: str  # what the customer wrote since the agent's previous message
    reply_text: str


@dataclass(frozen=True, slots=True)
class Recalled:
    score: float  # cosine similarity of the customer's texts
    pair: Pair
    conversation_id: str


def reply_pairs(transcript: Sequence[Message]) -> list[Pair]:
    """For each agent answer, the customer messages since the previous answer (the bot's or
    an agent's)."""
    pairs: list[Pair] = []
    waiting: list[str] = []
    seen: set[tuple[str, str]] = set()
    for message in transcript:
        if message.sender is Sender.CUSTOMER:
            waiting.append(message.text.strip())
        elif message.sender is Sender.BOT:
            waiting = []  # the bot answered those
        elif message.sender is Sender.AGENT:
            reply = message.text.strip()
            if len(reply.split()) < MIN_REPLY_WORDS:
                continue  # "ok", "one moment": the real answer is still to come
            asked = " ".join(t for t in waiting if t)
            waiting = []
            if asked and (asked, reply) not in seen:
                seen.add((asked, reply))
                pairs.append(Pair(asked, reply))
    return pairs


class ReplyMemory:
    """Thread-safe: searched from worker threads while a resolve adds pairs."""

    def __init__(self, dimension: int, model: str) -> None:
        self.dimension = dimension
        self.model = model
        self._lock = threading.Lock()
        self._index = faiss.IndexFlatIP(dimension)
        self._pairs: list[Pair] = []
        self._conversations: list[str] = []

    def __len__(self) -> int:
        return len(self._pairs)

    async def load(self, sessions: async_sessionmaker[AsyncSession]) -> int:
        """Every stored pair made with this model; pairs of another model are left out."""
        async with sessions() as session:
            rows = list(
                await session.scalars(
                    select(ReplyMemoryRow)
                    .where(ReplyMemoryRow.model == self.model)
                    .order_by(ReplyMemoryRow.id)
                )
            )
        usable = [r for r in rows if len(r.vector) == self.dimension * 4]
        vectors = (
            np.vstack([np.frombuffer(r.vector, dtype=np.float32) for r in usable])
            if usable
            else np.zeros((0, self.dimension), dtype=np.float32)
        )
        with self._lock:
            self._index.reset()
            self._index.add(vectors)
            self._pairs = [Pair(r.customer_text, r.reply_text) for r in usable]
            self._conversations = [r.conversation_id for r in usable]
        return len(usable)

    async def replace(
        self,
        sessions: async_sessionmaker[AsyncSession],
        conversation_id: str,
        pairs: Sequence[Pair],
        vectors: npt.NDArray[np.float32],
    ) -> None:
        """Store a conversation's pairs, replacing what it stored before (a conversation
        resolved twice is remembered once, as it ended)."""
        async with sessions.begin() as session:
            await session.execute(
                delete(ReplyMemoryRow).where(ReplyMemoryRow.conversation_id == conversation_id)
            )
            session.add_all(
                ReplyMemoryRow(
                    conversation_id=conversation_id,
                    customer_text=pair.customer_text,
                    reply_text=pair.reply_text,
                    model=self.model,
                    vector=np.ascontiguousarray(vector, dtype=np.float32).tobytes(),
                )
                for pair, vector in zip(pairs, vectors, strict=True)
            )
        with self._lock:
            keep = [i for i, c in enumerate(self._conversations) if c != conversation_id]
            if len(keep) != len(self._conversations):
                kept = (
                    np.vstack([self._index.reconstruct(i) for i in keep])
                    if keep
                    else np.zeros((0, self.dimension), dtype=np.float32)
                )
                self._index.reset()
                self._index.add(kept)
                self._pairs = [self._pairs[i] for i in keep]
                self._conversations = [self._conversations[i] for i in keep]
            if len(pairs):
                self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))
                self._pairs += list(pairs)
                self._conversations += [conversation_id] * len(pairs)

    def search(self, vector: npt.NDArray[np.float32], k: int = 3) -> list[Recalled]:
        with self._lock:
            if not self._pairs:
                return []
            scores, ids = self._index.search(vector[None, :].astype(np.float32), k)
            return [
                Recalled(float(score), self._pairs[i], self._conversations[i])
                for score, i in zip(scores[0], ids[0], strict=True)
                if i >= 0
            ]

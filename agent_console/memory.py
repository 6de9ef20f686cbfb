"""The memory of agents' replies: what an agent answered to what a customer said, in
resolved conversations, searched by meaning to suggest the answer again.

Pairs live in the ``reply_memory`` table (vector included, so a restart embeds nothing); in
memory they are a FAISS inner-product index over the normalised vectors, keyed by row id.
The customer's own details (name, email, order and phone numbers) and the agent's name are
stored as placeholders, ``{name}`` or ``{agent}``: a past reply never carries one customer's
data to another, and the console fills the placeholders from the current conversation.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import faiss
import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff.models import ConversationRow, ReplyMemoryRow
from handoff.records import Message, Sender

# an agent message shorter than this says nothing worth suggesting again ("ok", "one moment")
MIN_REPLY_WORDS = 4
# a customer message shorter than this answers a question ("no", "Anna", "4829301") rather
# than asks one: left out of what the agent replied to, unless there is nothing else
MIN_ASK_WORDS = 3
IDENTITY_SLOTS = ("name", "email", "order_number", "phone")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NUMBER = re.compile(r"(?<![\w])\d[\d -]{3,}\d(?![\w])")  # order and phone numbers


@dataclass(frozen=True, slots=True)
class Pair:
    customer_text: str  # what the customer wrote since the agent's previous message
    reply_text: str  # the agent's reply to it


@dataclass(frozen=True, slots=True)
class Recalled:
    score: float  # cosine similarity of the customer's texts
    pair: Pair
    conversation_id: str
    language: str | None = None  # the conversation's, when it was known


def personal_values(
    transcript: Sequence[Message], identity: Mapping[str, object] | None = None
) -> dict[str, str]:
    """value -> placeholder for the details of this conversation's people: the identity,
    the entities the NLU found in the customer's messages, the emails and numbers the
    customer typed, the agents' names."""
    values: dict[str, str] = {}

    def add(slot: str, value: object) -> None:
        text = " ".join(str(value or "").split())
        if len(text) < 2 or text.lower() == "none":
            return
        values.setdefault(text, slot)
        if slot in ("name", "agent"):
            for word in text.split():  # "Hi Anna", "Mrs Schmidt"
                if len(word) >= 2:
                    values.setdefault(word, slot)

    for slot in IDENTITY_SLOTS:
        add(slot, (identity or {}).get(slot))
    for message in transcript:
        if message.sender is Sender.CUSTOMER:
            for entity in (message.nlu.entities if message.nlu else None) or []:
                if entity.get("entity") in IDENTITY_SLOTS:
                    add(str(entity["entity"]), entity.get("value"))
            for email in _EMAIL.findall(message.text):
                add("email", email)
            for number in _NUMBER.findall(message.text):
                add("order_number" if len(number) <= 8 else "phone", number.strip())
        elif message.sender is Sender.AGENT:
            add("agent", message.meta.get("agent_name"))
    return values


def mask(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each of ``values`` (longest first, whole words) as its placeholder."""
    for value in sorted(values, key=len, reverse=True):
        # names as written ("Will" the name, not "will"); emails and numbers in any case
        flags = 0 if values[value] in ("name", "agent") else re.IGNORECASE
        pattern = rf"(?<![\w@.]){re.escape(value)}(?![\w@])"
        text = re.sub(pattern, f"{{{values[value]}}}", text, flags=flags)
    return text


def reply_pairs(
    transcript: Sequence[Message], identity: Mapping[str, object] | None = None
) -> list[Pair]:
    """For each agent reply, the customer's messages since the agent's previous reply (one
    text), personal details masked. Replies in a row share the messages before them; the
    bot's messages in between are passed over (its answers did not settle the request, or
    the conversation would not have reached an agent). Trivial replies and repeated pairs
    are left out."""
    personal = personal_values(transcript, identity)
    pairs: list[Pair] = []
    seen: set[Pair] = set()
    asked: list[str] = []
    answered = False
    for message in transcript:
        text = " ".join(message.text.split())
        if message.sender is Sender.CUSTOMER and text:
            if answered:
                asked, answered = [], False
            asked.append(text)
        elif message.sender is Sender.AGENT:
            if len(text.split()) < MIN_REPLY_WORDS:
                continue  # "ok", "one moment": the real answer is still to come
            answered = True
            requests = [t for t in asked if len(t.split()) >= MIN_ASK_WORDS] or asked
            pair = Pair(mask(" ".join(requests), personal), mask(text, personal))
            if pair.customer_text and pair not in seen:
                seen.add(pair)
                pairs.append(pair)
    return pairs


class ReplyMemory:
    """The pairs of one embedding model (``model``, the embedder's identity). Thread-safe:
    searched from worker threads while a resolve adds pairs."""

    def __init__(self, model: str, dimension: int | None = None) -> None:
        self.model = model
        self.dimension = dimension  # None: learnt from the first vectors
        self._lock = threading.Lock()
        self._index: faiss.IndexIDMap2 | None = None
        # row id -> pair, conversation id, the conversation's language
        self._rows: dict[int, tuple[Pair, str, str | None]] = {}
        self._of_conversation: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def _vectors_index(self, dimension: int) -> faiss.IndexIDMap2:
        if self._index is None:
            self.dimension = self.dimension or dimension
            self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))
        return self._index

    def _add(
        self,
        rows: Sequence[ReplyMemoryRow],
        vectors: npt.NDArray[np.float32],
        languages: Sequence[str | None],
    ) -> None:
        if not rows:
            return
        ids = np.array([row.id for row in rows], dtype=np.int64)
        self._vectors_index(vectors.shape[1]).add_with_ids(vectors, ids)
        for row, language in zip(rows, languages, strict=True):
            pair = Pair(row.customer_text, row.reply_text)
            self._rows[row.id] = (pair, row.conversation_id, language)
            self._of_conversation.setdefault(row.conversation_id, []).append(row.id)

    async def load(self, sessions: async_sessionmaker[AsyncSession]) -> int:
        """Every stored pair made with this model (rows of another model are left out)."""
        async with sessions() as session:
            found = (
                await session.execute(
                    select(ReplyMemoryRow, ConversationRow.language)
                    .outerjoin(
                        ConversationRow, ReplyMemoryRow.conversation_id == ConversationRow.id
                    )
                    .where(ReplyMemoryRow.model == self.model)
                    .order_by(ReplyMemoryRow.id)
                )
            ).all()
        size = self.dimension * 4 if self.dimension else None
        if size is None and found:
            size = Counter(len(row.vector) for row, _ in found).most_common(1)[0][0]
        usable = [(row, language) for row, language in found if len(row.vector) == size and size]
        with self._lock:
            self._index = None
            self._rows.clear()
            self._of_conversation.clear()
            if usable:
                rows = [row for row, _ in usable]
                vectors = np.frombuffer(b"".join(r.vector for r in rows), dtype=np.float32)
                self._add(rows, vectors.reshape(len(rows), -1), [lang for _, lang in usable])
        return len(usable)

    async def replace(
        self,
        sessions: async_sessionmaker[AsyncSession],
        conversation_id: str,
        pairs: Sequence[Pair],
        vectors: npt.NDArray[np.float32],
        language: str | None = None,
    ) -> None:
        """Store a conversation's pairs, replacing what it stored before (a conversation
        resolved twice is remembered once, as it ended); ``language``: the conversation's."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(pairs) and (vectors.ndim != 2 or vectors.shape[0] != len(pairs)):
            raise ValueError(f"{len(pairs)} pairs but vectors of shape {vectors.shape}")
        if len(pairs) and self.dimension and vectors.shape[1] != self.dimension:
            raise ValueError(f"{vectors.shape[1]}-dimensional vectors, not {self.dimension}")
        async with sessions.begin() as session:
            await session.execute(
                delete(ReplyMemoryRow).where(ReplyMemoryRow.conversation_id == conversation_id)
            )
            rows = [
                ReplyMemoryRow(
                    conversation_id=conversation_id,
                    customer_text=pair.customer_text,
                    reply_text=pair.reply_text,
                    model=self.model,
                    vector=vector.tobytes(),
                )
                for pair, vector in zip(pairs, vectors, strict=True)
            ]
            session.add_all(rows)
            await session.flush()  # the row ids key the vectors
        with self._lock:
            old = self._of_conversation.pop(conversation_id, [])
            if old and self._index is not None:
                # faiss's Python wrapper takes the ids as an array (its stubs say a selector)
                self._index.remove_ids(np.array(old, dtype=np.int64))  # type: ignore[arg-type]
            for row_id in old:
                del self._rows[row_id]
            self._add(rows, vectors, [language] * len(rows))

    def search(
        self, vector: npt.NDArray[np.float32], k: int = 3, language: str | None = None
    ) -> list[Recalled]:
        """The ``k`` most similar past customer texts with their replies, best first, each
        reply once. Of the replies an agent sent in a row to the same words, the longest
        (the answer, rather than "let me check"). With a ``language``: only replies from
        conversations in it (or whose language was never known): a Polish customer is not
        offered an answer an agent wrote in Swedish."""
        with self._lock:
            if self._index is None or not self._rows or vector.shape[-1] != self.dimension:
                return []
            # room for the replies dropped below (more when other languages' are skipped)
            wanted = min(len(self._rows), k * (4 if language is None else 16))
            scores, ids = self._index.search(vector.reshape(1, -1).astype(np.float32), wanted)
            found = [
                Recalled(float(score), *self._rows[int(row_id)])
                for score, row_id in zip(scores[0], ids[0], strict=True)
                if row_id >= 0
            ]
        if language is not None:
            found = [r for r in found if r.language in (None, language)]
        longest: dict[tuple[str, str], Recalled] = {}
        for recalled in found:
            key = (recalled.conversation_id, recalled.pair.customer_text)
            kept = longest.get(key)
            if kept is None or len(recalled.pair.reply_text) > len(kept.pair.reply_text):
                longest[key] = recalled
        result: list[Recalled] = []
        replies: set[str] = set()
        for recalled in sorted(longest.values(), key=lambda r: -r.score):
            reply = " ".join(recalled.pair.reply_text.lower().split())
            if reply not in replies:
                replies.add(reply)
                result.append(recalled)
        return result[:k]

"""AI assist: up to three suggested replies for the agent on every customer message.

Three sources, at most one suggestion each, best score first:
- ``knowledge``: the best help-centre passage, worded as the bot words its answers, only
  above the knowledge index's calibrated threshold (the bot's own bar for answering);
- ``bot``: the response the bot's rules give the intent the NLU recognised;
- ``memory``: what an agent answered to the most similar message in a resolved conversation.

The customer's text is embedded once (MiniLM) for the knowledge and memory searches, in a
worker thread. The embedder and the index load in the background when the gateway starts
(about 4 s); a new ``baton index`` build is picked up without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_console.memory import ReplyMemory, reply_pairs
from agent_console.responses import BotResponses
from handoff.records import Message

log = logging.getLogger(__name__)

# Cosine similarity of MiniLM vectors above which a past customer message counts as the same
# request. Measured on the demo bot's 352 NLU examples of 17 request intents (each example's
# nearest other example): at 0.7, 42 % get a match but 10.8 % of matches are another intent;
# at 0.75, 27 % and 8.3 %; at 0.8, 15 % and none wrong. A wrong past reply costs the agent
# more than a missing one, so 0.8.
MEMORY_MIN_SIMILARITY = 0.8
# below this NLU confidence the bot's response for the intent is not suggested
BOT_MIN_CONFIDENCE = 0.5
# the customer's words that are embedded (MiniLM reads 256 word pieces at most anyway)
MAX_TEXT_CHARS = 2_000

Kind = Literal["knowledge", "bot", "memory"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    kind: Kind
    text: str  # ready to insert in the agent's reply box
    score: float
    source: dict[str, Any] = field(default_factory=dict)


class Assistant:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        responses: BotResponses,
        index_dir: Path,
        embedder: Any = None,
    ) -> None:
        self._sessions = sessions
        self._responses = responses
        self._index_dir = index_dir
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="assist")
        self._embedder_future: Future[Any] = (
            self._executor.submit(lambda: embedder)
            if embedder
            else self._executor.submit(_load_embedder)
        )
        self._index: Any = None
        self._index_build: str | None = None
        self._index_loading: Future[Any] | None = None
        self.memory: ReplyMemory | None = None

    @classmethod
    def create(
        cls, sessions: async_sessionmaker[AsyncSession], bot_dir: Path, index_dir: Path
    ) -> Assistant:
        """Cheap: the model and the index load in the background."""
        assistant = cls(sessions, BotResponses.load(bot_dir), index_dir)
        assistant._refresh_index()
        return assistant

    async def start(self) -> None:
        """Load the reply memory once the embedder is there (in the background)."""
        asyncio.get_running_loop().create_task(self._load_memory())

    async def _load_memory(self) -> ReplyMemory:
        embedder = await asyncio.wrap_future(self._embedder_future)
        if self.memory is None:
            memory = ReplyMemory(embedder.dimension, embedder.identity)
            count = await memory.load(self._sessions)
            log.info("reply memory: %d agent replies", count)
            self.memory = memory
        return self.memory

    def _refresh_index(self) -> None:
        """Start loading the current knowledge build if it is not the one loaded."""
        try:
            build = os.readlink(self._index_dir / "current")
        except OSError:
            return
        if build == self._index_build or (
            self._index_loading is not None and not self._index_loading.done()
        ):
            return
        self._index_build = build
        self._index_loading = self._executor.submit(self._load_index)

    def _load_index(self) -> Any:
        from knowledge_index import KnowledgeIndex

        embedder = self._embedder_future.result()
        try:
            index = KnowledgeIndex.load(self._index_dir, embedder)
        except Exception as exc:
            log.error("AI assist: no knowledge suggestions (%s)", exc)
            return None
        self._index = index
        log.info("AI assist: knowledge index loaded (%d chunks)", len(index.chunks))
        return index

    async def suggest(
        self,
        text: str,
        *,
        intent: str | None,
        confidence: float | None,
        identity: Mapping[str, Any],
    ) -> list[Suggestion]:
        """At most three suggestions for the customer's ``text``, best first."""
        self._refresh_index()
        if self._index is None and self._index_loading is not None:
            await asyncio.wrap_future(self._index_loading)  # only the first time
        memory = await self._load_memory()
        suggestions: list[Suggestion] = []
        if intent and (confidence or 0) >= BOT_MIN_CONFIDENCE:
            response = self._responses.for_intent(intent, identity)
            if response is not None:
                suggestions.append(
                    Suggestion(
                        "bot",
                        response.text,
                        float(confidence or 0),
                        {"intent": intent, "response": response.action},
                    )
                )
        query = text.strip()[:MAX_TEXT_CHARS]
        if any(ch.isalnum() for ch in query):
            loop = asyncio.get_running_loop()
            found = await loop.run_in_executor(
                self._executor, self._search, query, self._index, memory
            )
            suggestions += found
        return sorted(suggestions, key=lambda s: -s.score)[:3]

    def _search(self, query: str, index: Any, memory: ReplyMemory) -> list[Suggestion]:
        """Worker thread: one embedding, the knowledge and the memory searches."""
        from actions.knowledge import short_answer
        from actions.texts import knowledge_answer
        from knowledge_index.search import best_per_article

        embedder = self._embedder_future.result()
        vector: npt.NDArray[np.float32] = embedder.embed([query])[0]
        found: list[Suggestion] = []
        if index is not None and index.threshold is not None:
            hits = best_per_article(index.search_vector(query, vector, k=5))
            if hits and hits[0].score >= index.threshold:
                chunk = hits[0].chunk
                first, rest = short_answer(chunk.text)
                found.append(
                    Suggestion(
                        "knowledge",
                        knowledge_answer(first, rest, chunk.title, chunk.link),
                        hits[0].score,
                        {"article_id": chunk.article_id, "title": chunk.title, "url": chunk.link},
                    )
                )
        for recalled in memory.search(vector, k=1):
            if recalled.score >= MEMORY_MIN_SIMILARITY:
                found.append(
                    Suggestion(
                        "memory",
                        recalled.pair.reply_text,
                        recalled.score,
                        {
                            "conversation_id": recalled.conversation_id,
                            "customer_text": recalled.pair.customer_text,
                        },
                    )
                )
        return found

    async def remember(self, conversation_id: str, transcript: Sequence[Message]) -> int:
        """Keep a resolved conversation's agent replies for similar messages later."""
        memory = await self._load_memory()
        pairs = reply_pairs(transcript)
        embedder = self._embedder_future.result()
        vectors = (
            await asyncio.get_running_loop().run_in_executor(
                self._executor, embedder.embed, [p.customer_text[:MAX_TEXT_CHARS] for p in pairs]
            )
            if pairs
            else np.zeros((0, memory.dimension), dtype=np.float32)
        )
        await memory.replace(self._sessions, conversation_id, pairs, vectors)
        return len(pairs)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _load_embedder() -> Any:
    from knowledge_index import load_embedder

    embedder = load_embedder()
    embedder.embed(["warm up"])  # the first call pays for lazy initialisation
    return embedder

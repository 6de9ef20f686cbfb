"""AI assist: up to three suggested replies for the agent on every customer message.

Three sources:
- ``knowledge``: the best help-centre passages, worded as the bot words its answers;
- ``bot``: the response the bot's rules give the intent the NLU recognised (responses.py);
- ``memory``: what agents answered to the most similar messages in resolved conversations
  (memory.py).

Each source has a bar below which it suggests nothing, and a level above which the
measurements below saw no wrong suggestion; a suggestion's score is 0.5 at its source's bar
and 0.9 at that level, so the three sources rank on one scale. At most one suggestion per
source, unless a source has nothing: then the next best of the others fill its place.

The customer's text is embedded once (MiniLM) for the knowledge and the memory searches, in
a worker thread. The embedder and the knowledge index load in the background from
``create`` (about 4 s); a new ``baton index`` build is picked up without a restart, and
without an index there are no knowledge suggestions, the other two still come.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_console.memory import ReplyMemory, reply_pairs
from agent_console.responses import BotResponses, fill
from baton.knowledge import ONNX_DIR
from handoff.records import Message
from knowledge_index import (
    Chunk,
    Encoded,
    KnowledgeIndex,
    LiveIndex,
    TextEmbedder,
    best_per_article,
)
from knowledge_index.embedder import fingerprint, model_path
from knowledge_index.onnx_embedder import load_fast_embedder
from knowledge_index.search import MAX_QUERY_CHARS

log = logging.getLogger(__name__)

# The thresholds, measured on 2 cores with the demo bot, its help centre and hand-written
# messages (held-out questions, the chatter agents get: "ok", "are you still there?", "it's
# 4829301", paraphrases and near misses of past requests).
#
# knowledge: the index's calibrated threshold (0.327 for help_centre/, where 5 % of the
# bot's out-of-scope and small-talk examples score above it) plus a margin. At the threshold
# itself 5 of 40 chatter messages got an article, 4 of them unrelated at 0.330-0.347 ("how
# long will this take?" -> refunds); at +0.05 one remains ("the order number is 4829301" ->
# order tracking, 0.59), while all 27 of 30 held-out questions whose best article was the
# right one kept it (the lowest at 0.411). At +0.27 (0.60) and above, no wrong article was
# seen (the highest: 0.570).
KNOWLEDGE_MARGIN = 0.05
KNOWLEDGE_SURE_MARGIN = 0.27
# bot: the NLU confidence of the intent. On 74 hand-written messages (22 for the four
# intents with an agent-worthy response, many near misses: "cancel my newsletter") a floor
# of 0.5 let 4 wrong responses through of 24, 0.7 one of 20 (and 19 of the 22 right ones),
# 0.8 none of 16.
BOT_MIN_CONFIDENCE = 0.7
BOT_SURE_CONFIDENCE = 0.8
# memory: cosine similarity of the customer's text and a past one. On the bot's 332 NLU
# examples of 16 request intents (each example's nearest other), 9 % of neighbours at 0.75
# or more were another intent's, none at 0.8 or more (16 % found one). Of 30 hand-written
# pairs, 3 of 13 paraphrases passed 0.8 (0.88-0.90) and one of 17 near misses did, at 0.84
# ("can the courier leave my parcel with a neighbour" ~ "the courier left my parcel with a
# neighbour but they don't have it"): a wrong reply costs the agent more than a missing one.
MEMORY_MIN_SIMILARITY = 0.8
MEMORY_SURE_SIMILARITY = 0.9
MAX_SUGGESTIONS = 3

Kind = Literal["knowledge", "bot", "memory"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    kind: Kind
    text: str  # ready to insert in the agent's reply box
    score: float  # 0.5 at the source's bar, 0.9 where no wrong suggestion was measured
    # knowledge: {"article_id", "title", "url"}; bot: {"intent", "response"};
    # memory: {"conversation_id", "customer_text"}
    source: dict[str, Any]


def scaled(raw: float, bar: float, sure: float) -> float:
    """A source's own score on the common scale: 0.5 at ``bar``, 0.9 at ``sure``, towards
    1 above (no ties among the best)."""
    return 1.0 - 0.5 * 0.2 ** ((raw - bar) / (sure - bar))


class Assistant:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        responses: BotResponses,
        index_dir: Path,
        embedder: TextEmbedder | None = None,
    ) -> None:
        """Loads nothing; ``create`` starts the loading. ``embedder``: one already loaded
        (tests, benchmarks); by default MiniLM loads in the background on one thread, so the
        embeddings leave a core to Rasa and the gateway."""
        self._sessions = sessions
        self._responses = responses
        self._live = LiveIndex(
            index_dir, embedder=embedder, load=functools.partial(load_fast_embedder, ONNX_DIR)
        )
        # the embedder's identity without loading it: the reply memory loads at once
        self._model = embedder.identity if embedder is not None else fingerprint(model_path())
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="assist")
        self._batcher = EmbeddingBatcher(self._live.embedder_future, self._executor)
        self._memory_loading: asyncio.Task[ReplyMemory] | None = None
        self._imports: Future[Any] | None = None

    @classmethod
    def create(
        cls,
        sessions: async_sessionmaker[AsyncSession],
        bot_dir: Path,
        index_dir: Path,
        declines: frozenset[str] = frozenset(),
    ) -> Assistant:
        """Cheap: the model and the index load in the background. ``declines``: the bot's
        out-of-scope intents, whose responses are never suggested."""
        assistant = cls(sessions, BotResponses.load(bot_dir, declines), index_dir)
        assistant._live.warm()
        assistant._imports = assistant._executor.submit(
            importlib.import_module, "baton_actions.knowledge"
        )  # see below
        return assistant

    async def warmed(self) -> None:
        """Returns once what ``create`` started loading in the background has loaded or
        failed (failures are logged where they happen, and retried on use)."""
        with contextlib.suppress(Exception):
            await asyncio.wrap_future(self._live.embedder_future())
        await self._live.settled()
        if self._imports is not None:
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(self._imports)

    async def start(self) -> None:
        """Load the reply memory from the database (no embedding: the vectors are stored)."""
        memory = await self._memory()
        log.info("AI assist: %d past agent replies in memory", len(memory))

    async def _memory(self) -> ReplyMemory:
        loading = self._memory_loading
        if loading is None or (
            loading.done() and (loading.cancelled() or loading.exception() is not None)
        ):  # the first use, or the last load failed (the database was away): load again
            loading = self._memory_loading = asyncio.create_task(self._load_memory())
        return await asyncio.shield(loading)

    async def _load_memory(self) -> ReplyMemory:
        memory = ReplyMemory(self._model)
        await memory.load(self._sessions)
        return memory

    async def _index(self) -> KnowledgeIndex | None:
        """The newest knowledge index; waits only for a first load in progress."""
        self._live.warm()
        index = self._live.loaded()
        return index if index is not None else await self._live.settled()

    async def suggest(
        self,
        text: str,
        *,
        intent: str | None,
        confidence: float | None,
        identity: Mapping[str, object],
        language: str | None = None,
    ) -> list[Suggestion]:
        """At most three suggestions for the customer's ``text``, best first, in the
        conversation's ``language`` where the bot and the help centre have it."""
        found = await self.search(text, identity=identity, language=language)
        return self.best([*self.from_bot(intent, confidence, identity, language), *found])

    @staticmethod
    def best(suggestions: Sequence[Suggestion]) -> list[Suggestion]:
        """At most three, best first: the best of each source, then, for a source with
        nothing, the next best of the others. The same text is suggested once."""
        ranked = sorted(suggestions, key=lambda s: -s.score)
        chosen: list[Suggestion] = []
        texts: set[str] = set()
        for runners_up in (False, True):
            kinds = {s.kind for s in chosen}
            for suggestion in ranked:
                text = " ".join(suggestion.text.split())
                if len(chosen) == MAX_SUGGESTIONS:
                    break
                if text not in texts and (runners_up or suggestion.kind not in kinds):
                    chosen.append(suggestion)
                    texts.add(text)
                    kinds.add(suggestion.kind)
        return sorted(chosen, key=lambda s: -s.score)

    def from_bot(
        self,
        intent: str | None,
        confidence: float | None,
        identity: Mapping[str, object],
        language: str | None = None,
    ) -> list[Suggestion]:
        """The bot's own response to the recognised intent (none, or one), in ``language``."""
        if not intent or confidence is None or confidence < BOT_MIN_CONFIDENCE:
            return []
        response = self._responses.for_intent(intent, identity, language)
        if response is None:
            return []
        score = scaled(confidence, BOT_MIN_CONFIDENCE, BOT_SURE_CONFIDENCE)
        source = {"intent": intent, "response": response.action}
        return [Suggestion("bot", response.text, score, source)]

    async def search(
        self,
        text: str,
        *,
        identity: Mapping[str, object] | None = None,
        language: str | None = None,
    ) -> list[Suggestion]:
        """The knowledge and memory suggestions, up to three of each, best first: they need
        no NLU, so the caller can run this while Rasa parses the message. Past replies get
        the ``identity``'s values in their placeholders (the console fills the rest)."""
        query = text.strip()[:MAX_QUERY_CHARS]
        if not any(ch.isalnum() for ch in query):
            return []
        memory = await self._memory()
        index = await self._index()
        loop = asyncio.get_running_loop()
        if index is not None:  # as the bot's own search reads it (off the loop: a long
            # message with many misspellings takes milliseconds)
            query = await loop.run_in_executor(self._executor, index.corrected, query, language)
        encoded = await self._batcher.encode(query)
        return await loop.run_in_executor(
            self._executor,
            self._search,
            query,
            encoded,
            index,
            memory,
            dict(identity or {}),
            language,
        )

    def _search(
        self,
        query: str,
        encoded: Encoded,
        index: KnowledgeIndex | None,
        memory: ReplyMemory,
        identity: Mapping[str, object],
        language: str | None = None,
    ) -> list[Suggestion]:
        """Worker thread: the knowledge and the memory searches (a millisecond or two); the
        articles in ``language`` when the help centre has some in it."""
        found: list[Suggestion] = []
        threshold = index.threshold_for(language) if index is not None else None
        if index is not None and threshold is not None:
            bar = threshold + KNOWLEDGE_MARGIN
            sure = threshold + KNOWLEDGE_SURE_MARGIN
            own = {language} if language in index.languages else None
            hits = best_per_article(index.search_encoded(query, encoded, k=8, languages=own))
            for hit in hits[:MAX_SUGGESTIONS]:
                if hit.score < bar:  # ranked by relevance: a later one may still be sure
                    continue
                chunk = hit.chunk
                found.append(
                    Suggestion(
                        "knowledge",
                        knowledge_text(chunk),
                        scaled(hit.score, bar, sure),
                        {"article_id": chunk.article_id, "title": chunk.title, "url": chunk.link},
                    )
                )
        for recalled in memory.search(encoded.vector, k=MAX_SUGGESTIONS, language=language):
            if recalled.score < MEMORY_MIN_SIMILARITY:
                break
            reply = recalled.pair.reply_text
            found.append(
                Suggestion(
                    "memory",
                    _fill_known(reply, identity),
                    scaled(recalled.score, MEMORY_MIN_SIMILARITY, MEMORY_SURE_SIMILARITY),
                    {
                        "conversation_id": recalled.conversation_id,
                        "customer_text": recalled.pair.customer_text,
                    },
                )
            )
        return found

    async def remember(
        self,
        conversation_id: str,
        transcript: Sequence[Message],
        identity: Mapping[str, object] | None = None,
        language: str | None = None,
    ) -> int:
        """Keep a resolved conversation's agent replies for similar messages later, in place
        of what it left before; the pairs stored. ``identity``: details to keep out of the
        memory besides those found in the transcript; ``language``: the conversation's (its
        replies are suggested in conversations of that language only)."""
        memory = await self._memory()
        pairs = reply_pairs(transcript, identity)
        vectors = np.zeros((0, memory.dimension or 0), dtype=np.float32)
        if pairs:
            embedder = await self._live.embedder()
            texts = [p.customer_text[:MAX_QUERY_CHARS] for p in pairs]
            vectors = await asyncio.get_running_loop().run_in_executor(
                self._executor, embedder.embed, texts
            )
        await memory.replace(self._sessions, conversation_id, pairs, vectors, language)
        return len(pairs)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._live.close()


def knowledge_text(chunk: Chunk) -> str:
    """A passage as the bot answers with it: the short answer, the rest, the article (in
    the article's language)."""
    # imported here: the actions package brings spaCy (about 2 s and 60 MB), which nothing
    # else in the gateway needs; ``create`` imports it in the background
    from baton_actions.knowledge import short_answer
    from baton_actions.texts import knowledge_answer

    first, rest = short_answer(chunk.text)
    return knowledge_answer(first, rest, chunk.title, chunk.link, chunk.language)


def _fill_known(text: str, identity: Mapping[str, object]) -> str:
    """``text`` with the placeholders ``identity`` has values for filled, the others kept."""
    for slot, value in identity.items():
        filled = fill(f"{{{slot}}}", {slot: value})
        if filled is not None:
            text = text.replace(f"{{{slot}}}", filled)
    return text


class EmbeddingBatcher:
    """Embeds one text at a time when the desk is quiet; under load, the texts that arrived
    while the previous batch was embedding go together (one model call for many messages,
    and one core left to Rasa and the gateway)."""

    MAX_BATCH = 32

    def __init__(
        self, embedder: Callable[[], Future[TextEmbedder]], executor: ThreadPoolExecutor
    ) -> None:
        self._embedder = embedder  # starts loading the model on the first call
        self._executor = executor
        self._waiting: list[tuple[str, asyncio.Future[Encoded]]] = []
        self._draining = False
        self._task: asyncio.Task[None] | None = None

    async def encode(self, text: str) -> Encoded:
        loop = asyncio.get_running_loop()
        result: asyncio.Future[Encoded] = loop.create_future()
        self._waiting.append((text, result))
        if not self._draining:
            self._draining = True
            self._task = loop.create_task(self._drain())
        return await result

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                batch = self._waiting[: self.MAX_BATCH]
                del self._waiting[: self.MAX_BATCH]
                try:
                    embedder = await asyncio.wrap_future(self._embedder())
                    encoded = await loop.run_in_executor(
                        self._executor, embedder.encode, [text for text, _ in batch]
                    )
                except Exception as exc:  # the model did not load, or failed on a text
                    for _, result in batch:
                        if not result.done():
                            result.set_exception(exc)
                    continue
                for (_, result), item in zip(batch, encoded, strict=True):
                    if not result.done():
                        result.set_result(item)
        finally:
            self._draining = False

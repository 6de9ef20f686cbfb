"""Conversation events (new message, typing, owner change) fanned out to live sockets.

In-process by default; with Redis, every gateway replica appends to and reads one Redis
stream, so a socket on one replica sees a message handled on another.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

import redis.asyncio as aioredis

log = logging.getLogger(__name__)

Event = dict[str, Any]

# the topic every console follows: all logged events of all conversations
DESK_TOPIC = "*desk"

# A slow socket must not make publishers wait or grow memory without bound.
_QUEUE_LIMIT = 256


class EventBus(Protocol):
    async def publish(self, conversation_id: str, event: Event) -> None: ...

    async def publish_all(self, items: Sequence[tuple[str, Event]]) -> None:
        """Publish (topic, event) pairs in this order, in one round trip where there is one."""
        ...

    def subscribe(
        self, conversation_id: str
    ) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[Event]]: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class _LocalFanout:
    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[Event]]] = defaultdict(set)

    def deliver(self, conversation_id: str, event: Event) -> None:
        for queue in list(self._queues.get(conversation_id, ())):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning(
                    "dropping event for a slow subscriber",
                    extra={"conversation_id": conversation_id},
                )

    @contextlib.asynccontextmanager
    async def subscribe(self, conversation_id: str) -> AsyncIterator[asyncio.Queue[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=_QUEUE_LIMIT)
        self._queues[conversation_id].add(queue)
        try:
            yield queue
        finally:
            subscribers = self._queues.get(conversation_id)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._queues[conversation_id]


class InProcessBus(_LocalFanout):
    """Events stay in this process: the embedded default."""

    async def publish(self, conversation_id: str, event: Event) -> None:
        self.deliver(conversation_id, event)

    async def publish_all(self, items: Sequence[tuple[str, Event]]) -> None:
        for conversation_id, event in items:
            self.deliver(conversation_id, event)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisBus(_LocalFanout):
    """Events go through one Redis stream that every gateway replica reads.

    A stream rather than pub/sub: a reader that loses its connection resumes from the
    last entry id it saw instead of missing what was published meanwhile.
    """

    STREAM = "baton:events"
    MAX_LENGTH = 100_000  # approximate cap; the database event log is the durable record
    # a blocking read waits at most this long: well inside redis-py's 5 s socket timeout,
    # and the longest `close` waits for the reader to notice it should stop
    BLOCK_MS = 500

    def __init__(self, url: str) -> None:
        super().__init__()
        self._redis = aioredis.from_url(url)
        self._reader: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        await self._redis.ping()  # fail at start, not on the first message
        newest: Any = await self._redis.xrevrange(self.STREAM, count=1)
        last_id = newest[0][0] if newest else b"0-0"
        self._reader = asyncio.create_task(self._read(last_id), name="redis-bus-reader")

    async def _read(self, last_id: Any) -> None:
        while not self._stopping:
            try:
                batches: Any = await self._redis.xread(
                    {self.STREAM: last_id}, block=self.BLOCK_MS, count=500
                )
            except (aioredis.ConnectionError, aioredis.TimeoutError):
                if self._stopping:
                    return
                log.warning("Redis event stream unreachable; retrying")
                await asyncio.sleep(1)
                continue
            for _, entries in batches:
                for entry_id, fields in entries:
                    last_id = entry_id
                    try:
                        event = json.loads(fields[b"data"])
                    except (KeyError, ValueError):
                        log.warning("ignoring a malformed entry %s on %s", entry_id, self.STREAM)
                        continue
                    self.deliver(fields[b"topic"].decode(), event)

    async def publish(self, conversation_id: str, event: Event) -> None:
        await self.publish_all([(conversation_id, event)])

    async def publish_all(self, items: Sequence[tuple[str, Event]]) -> None:
        if not items:
            return
        # one round trip for all of them (an event goes to its conversation and to the desk)
        async with self._redis.pipeline(transaction=False) as pipe:
            for conversation_id, event in items:
                pipe.xadd(
                    self.STREAM,
                    {"topic": conversation_id, "data": json.dumps(event)},
                    maxlen=self.MAX_LENGTH,
                    approximate=True,
                )
            await pipe.execute()

    async def close(self) -> None:
        # The reader is asked to stop and finishes its current blocking read: redis-py 8
        # can leave a task cancelled in the middle of XREAD waiting forever.
        self._stopping = True
        if self._reader is not None:
            done, _ = await asyncio.wait({self._reader}, timeout=self.BLOCK_MS / 1000 + 5)
            if not done:
                log.warning("the Redis event reader did not stop; abandoning it")
                self._reader.cancel()
        await self._redis.aclose()


def create_bus(redis_url: str | None) -> EventBus:
    return RedisBus(redis_url) if redis_url else InProcessBus()

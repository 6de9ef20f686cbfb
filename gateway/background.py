"""Work the gateway does after answering: listening to agent-owned conversations, warming
models. A failure is logged, never raised into a request; stopping waits for what runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

CLOSE_SECONDS = 5.0


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping = asyncio.Event()

    def spawn(self, work: Awaitable[Any], what: str) -> None:
        """Run ``work`` in the background; a failure is logged with ``what`` it was doing."""

        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("%s failed", what)

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def every(self, seconds: float, work: Callable[[], Awaitable[Any]], what: str) -> None:
        """Run ``work`` now and then every ``seconds`` until the gateway stops; a failed
        round is logged and the next one comes as usual."""

        async def rounds() -> None:
            while not self._stopping.is_set():
                try:
                    await work()
                except Exception:
                    log.exception("%s failed", what)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), seconds)

        self.spawn(rounds(), what)

    async def close(self) -> None:
        """Let background work still under way finish (the gateway is stopping), for at
        most ``CLOSE_SECONDS``; repeated work stops after its current round."""
        self._stopping.set()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=CLOSE_SECONDS)

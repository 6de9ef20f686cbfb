"""A gate in front of the Rasa server: while the model is swapped, new calls wait here (the
customer's message is stored and simply answered a little later) and the swap waits for the
calls already in flight, so no message meets a server in the middle of loading a model."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class GateTimeout(Exception):
    """The calls in flight did not finish in time; the gate was opened again."""


class TrafficGate:
    def __init__(self) -> None:
        self._open = asyncio.Event()
        self._open.set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._in_flight = 0
        self._closing = asyncio.Lock()
        self.held = 0  # calls waiting at the gate now
        self.held_last_close = 0  # calls that waited during the latest closure

    @property
    def is_open(self) -> bool:
        return self._open.is_set()

    @contextlib.asynccontextmanager
    async def passage(self) -> AsyncIterator[None]:
        """Around one call to Rasa: waits while the gate is closed."""
        if not self._open.is_set():
            self.held += 1
            self.held_last_close += 1
            try:
                await self._open.wait()
            finally:
                self.held -= 1
        # no await between the check above and this count: a closing gate sees this call
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    @contextlib.asynccontextmanager
    async def closed(self, drain_seconds: float = 30) -> AsyncIterator[None]:
        """Hold new calls and wait for those in flight; opens again when the block ends."""
        async with self._closing:
            self.held_last_close = 0
            self._open.clear()
            try:
                try:
                    await asyncio.wait_for(self._idle.wait(), drain_seconds)
                except TimeoutError:
                    raise GateTimeout(
                        f"calls to Rasa still under way after {drain_seconds:.0f} s"
                    ) from None
                yield
            finally:
                self._open.set()

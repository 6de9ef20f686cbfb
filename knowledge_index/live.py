"""The knowledge index of a long-running process (the action server, the gateway's AI assist):
loaded in a background thread, and reloaded when ``baton index`` switches ``current``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from knowledge_index.embedder import TextEmbedder, load_embedder
from knowledge_index.search import KnowledgeIndex

log = logging.getLogger(__name__)


def current_build(folder: Path) -> str | None:
    """Which build ``current`` points at (None: no index yet)."""
    try:
        return os.readlink(folder / "current")
    except OSError:
        return None


class LiveIndex:
    """The index under a folder, loaded in a background thread with its embedder.

    When ``current`` switches to a new build, the next use starts loading it and is still
    served the old one; the uses after that get the new build. No restart, and no use waits
    for a reload, only for the first load. A build that fails to load leaves the last good
    one in service.

    ``folder`` may be a function, read at every use (the action server's folder comes from
    the environment). The embedder loads once, before the first build, and stays loaded
    across ``reset``; give ``embedder`` to share one that is already loaded.
    """

    def __init__(
        self,
        folder: Path | Callable[[], Path],
        *,
        embedder: TextEmbedder | None = None,
        load: Callable[[], TextEmbedder] = load_embedder,
    ) -> None:
        self._folder = folder
        self._load_embedder = load
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="knowledge")
        self._lock = threading.Lock()  # warm() runs on the event loop and in worker threads
        self._embedder: Future[TextEmbedder] | None = None
        if embedder is not None:
            self._embedder = Future()
            self._embedder.set_result(embedder)
        self._loading: Future[KnowledgeIndex] | None = None
        self._loading_build: str | None = None
        self._ready: KnowledgeIndex | None = None  # the last index loaded successfully

    @property
    def folder(self) -> Path:
        return self._folder() if callable(self._folder) else self._folder

    def embedder_future(self) -> Future[TextEmbedder]:
        """The embedder; the first call starts loading it (about 4 s) in the background."""
        with self._lock:
            if self._embedder is None:
                self._embedder = self._executor.submit(self._warm_embedder)
            return self._embedder

    async def embedder(self) -> TextEmbedder:
        return await asyncio.wrap_future(self.embedder_future())

    def _warm_embedder(self) -> TextEmbedder:
        embedder = self._load_embedder()
        embedder.embed(["warm up"])  # the first call pays for lazy initialisation
        return embedder

    def warm(self) -> None:
        """Start loading the current build, unless it is loaded or loading already."""
        folder = self.folder
        build = current_build(folder)
        embedder = self.embedder_future()
        with self._lock:
            loading = self._loading
            if (
                loading is None
                or loading.cancelled()
                or (loading.done() and build != self._loading_build)
            ):
                self._loading_build = build
                self._loading = self._executor.submit(self._load, folder, embedder)

    def _load(self, folder: Path, embedder: Future[TextEmbedder]) -> KnowledgeIndex:
        try:
            index = KnowledgeIndex.load(folder, embedder.result())
        except Exception as exc:
            log.error("knowledge index not loaded from %s: %s", folder, exc)
            raise
        log.info("knowledge index loaded: %d chunks from %s", len(index.chunks), folder)
        self._ready = index
        return index

    def loaded(self) -> KnowledgeIndex | None:
        """The newest index loaded, without waiting (None: none has loaded yet)."""
        return self._ready

    async def index(self) -> KnowledgeIndex:
        """The newest index loaded; waits only when none is loaded yet. Raises the loading
        error (``KnowledgeError``) when there is none at all."""
        self.warm()
        loading = self._loading
        if loading is None:  # reset() by another task since warm()
            raise RuntimeError("the knowledge index was reset while loading")
        ready = self._ready
        if ready is not None and (not loading.done() or loading.exception() is not None):
            return ready  # a reload in progress, or a new build that does not load
        # shielded: a cancelled caller must not cancel the load that others wait for
        return await asyncio.shield(asyncio.wrap_future(loading))

    async def settled(self) -> KnowledgeIndex | None:
        """``loaded()`` once the load in progress, if any, has finished (its error is
        logged, not raised)."""
        loading = self._loading
        if loading is not None and not loading.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(asyncio.wrap_future(loading))
        return self._ready

    def reset(self) -> None:
        """Forget the loaded index (tests, and after an error: the next use loads again)."""
        with self._lock:
            self._loading = None
            self._loading_build = None
            self._ready = None

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

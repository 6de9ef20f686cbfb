"""Keep the garbage collector's full passes short in the long-running gateway.

CPython's cyclic collector now and then walks every tracked object (a generation-2 pass). The
gateway holds about half a million long-lived objects once its libraries (SQLAlchemy,
FastAPI, onnxruntime's tokenizer, spaCy for AI assist) are loaded, and one such pass then
stops the event loop for 100-300 ms on this project's machines: the tail of every latency
the desk promises. Objects that exist when the process has finished starting live as long
as the process, so they are moved out of the collector's sight (``gc.freeze``) once the
start-up work is done, and again when the work that loads in the background has finished.
Later passes walk only what was created since.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def freeze(after: str) -> int:
    """Collect garbage once, then exempt every surviving object from later collections.

    Returns how many objects are frozen in all. ``after`` names the start-up stage, for the log.
    """
    started = time.perf_counter()
    gc.collect()  # garbage left by start-up would otherwise be pinned for good
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info(
        "heap: %d objects frozen after %s (%.0f ms)",
        frozen,
        after,
        (time.perf_counter() - started) * 1000,
    )
    return frozen

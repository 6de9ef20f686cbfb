"""Watch the event loop: a timer that wakes late means every socket waited as long.

The lag goes into ``baton_event_loop_lag_seconds`` (``GET /metrics``); a stall long enough
to break the desk's latency promise is also logged, so it can be matched with what ran.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from analytics.instruments import EVENT_LOOP_LAG_SECONDS

log = logging.getLogger(__name__)

INTERVAL = 0.05
STALL = 0.1  # seconds late that are logged


async def watch(
    record: Callable[[float], None] = EVENT_LOOP_LAG_SECONDS.observe, interval: float = INTERVAL
) -> None:
    """Sleep ``interval`` over and over, giving ``record`` how late (seconds) each wake-up
    is; runs until cancelled."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await asyncio.sleep(interval)
        lag = max(0.0, loop.time() - started - interval)
        record(lag)
        if lag >= STALL:
            log.warning("the event loop was held for %.0f ms", lag * 1000)

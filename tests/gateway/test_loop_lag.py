"""The gateway records how late its event loop wakes, and logs a stall."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from prometheus_client import CollectorRegistry, Histogram

from gateway import loop_lag


def hold_the_loop(seconds: float) -> None:
    """What a long synchronous call inside a handler does to every other task."""
    time.sleep(seconds)


def observed(histogram: Histogram, registry: CollectorRegistry) -> tuple[float, float]:
    count = registry.get_sample_value("test_lag_seconds_count") or 0.0
    over = count - (registry.get_sample_value("test_lag_seconds_bucket", {"le": "0.1"}) or 0.0)
    return count, over


async def test_a_held_loop_shows_as_lag_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    registry = CollectorRegistry()
    histogram = Histogram("test_lag_seconds", "test", buckets=(0.01, 0.1, 1.0), registry=registry)
    watching = asyncio.create_task(loop_lag.watch(histogram.observe, interval=0.01))
    try:
        await asyncio.sleep(0.1)  # a few punctual wake-ups
        punctual, late_before = observed(histogram, registry)
        assert punctual >= 3
        with caplog.at_level(logging.WARNING, logger="gateway.loop_lag"):
            hold_the_loop(0.25)
            await asyncio.sleep(0.05)
    finally:
        watching.cancel()
    _, late = observed(histogram, registry)
    assert late >= late_before + 1
    assert any("event loop was held" in r.getMessage() for r in caplog.records)

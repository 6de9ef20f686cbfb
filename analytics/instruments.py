"""Measurements taken inside the gateway process (exposed by ``analytics.prometheus``)."""

from __future__ import annotations

from prometheus_client import Histogram

BOT_TURN_SECONDS = Histogram(
    "baton_bot_turn_seconds",
    "Time from handing a customer message to Rasa until its replies came back",
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 15),
)

# how late the gateway's event loop wakes a timer: every latency the desk promises waits
# behind whatever holds the loop (a long query result, a garbage collection, CPU contention)
EVENT_LOOP_LAG_SECONDS = Histogram(
    "baton_event_loop_lag_seconds",
    "How late the gateway's event loop woke a timer, sampled every 50 ms",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

"""Measurements taken inside the gateway process (exposed by ``analytics.prometheus``)."""

from __future__ import annotations

from prometheus_client import Histogram

BOT_TURN_SECONDS = Histogram(
    "baton_bot_turn_seconds",
    "Time from handing a customer message to Rasa until its replies came back",
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 15),
)

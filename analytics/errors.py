"""Errors of the supervisors' figures; the gateway maps them to HTTP in one place
(``gateway.errors``)."""

from __future__ import annotations


class BadPeriod(ValueError):
    """A date range (or filter) the figures cannot be computed for (message says why)."""

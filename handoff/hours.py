"""Business hours of the human team, e.g. ``mon-fri 09:00-18:00`` in a time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SPEC = re.compile(
    r"^(?P<d1>[a-z]{3})(?:-(?P<d2>[a-z]{3}))?\s+(?P<t1>\d{2}:\d{2})-(?P<t2>\d{2}:\d{2})$"
)


@dataclass(frozen=True, slots=True)
class BusinessHours:
    days: frozenset[int]  # 0 = Monday
    opens: time
    closes: time
    zone: ZoneInfo
    text: str  # as configured, for telling customers

    def open_at(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes


def parse_hours(spec: str, zone: str) -> BusinessHours | None:
    """``always`` (or empty) means no limit; otherwise ``day[-day] HH:MM-HH:MM``."""
    spec = spec.strip().lower()
    if spec in ("", "always", "24/7"):
        return None
    match = _SPEC.match(spec)
    if not match or match["d1"] not in _DAYS or (match["d2"] and match["d2"] not in _DAYS):
        raise ValueError(
            f"business hours {spec!r}: expected e.g. 'mon-fri 09:00-18:00' or 'always'"
        )
    first = _DAYS.index(match["d1"])
    last = _DAYS.index(match["d2"] or match["d1"])
    days = (
        frozenset(range(first, last + 1))
        if first <= last
        else frozenset([*range(first, 7), *range(0, last + 1)])
    )
    opens, closes = time.fromisoformat(match["t1"]), time.fromisoformat(match["t2"])
    if opens >= closes:
        raise ValueError(f"business hours {spec!r}: opening must be before closing")
    return BusinessHours(days, opens, closes, ZoneInfo(zone), spec)

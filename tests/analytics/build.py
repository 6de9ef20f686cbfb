"""Hand-built conversation records: minutes after a fixed start, readable in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from analytics.metrics import IntentRoles
from analytics.records import Turn
from handoff.records import Sender

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
_ids = count(1)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def customer(minutes: float, intent: str | None = None, **kw: object) -> Turn:
    return Turn(id=next(_ids), sender=Sender.CUSTOMER, at=at(minutes), intent=intent, **kw)  # type: ignore[arg-type]


def bot(minutes: float, **kw: object) -> Turn:
    return Turn(id=next(_ids), sender=Sender.BOT, at=at(minutes), **kw)  # type: ignore[arg-type]


def agent(minutes: float, text: str) -> Turn:
    return Turn(id=next(_ids), sender=Sender.AGENT, at=at(minutes), text=text)


# what the intents of these hand-built records mean (an assistant says it in its baton.yml)
ROLES = IntentRoles(
    ending=frozenset({"goodbye", "thanks"}),
    affirm=frozenset({"affirm"}),
    deny=frozenset({"deny"}),
    person=frozenset({"request_human"}),
    topicless=frozenset(
        {"greet", "goodbye", "thanks", "affirm", "deny", "inform", "request_human",
         "nlu_fallback", "out_of_scope", "bot_challenge", "csat", "effort"}
    ),
)  # fmt: skip

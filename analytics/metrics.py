"""What the supervisors' figures mean, as pure functions over conversation records.

Definitions (the README's "Supervisors" section says the same in prose):

- **End of the bot's conversation**: the first customer message that confirms the end — one
  of the contract's ending intents ("bye", "thanks"), or "yes" to a knowledge answer's "Did
  that help?" — that the customer does not follow up within the idle timeout; otherwise the
  first silence as long as the idle timeout (the conversation then ends at the last message
  plus the timeout). Survey answers
  are not conversation.
- **Re-contact**: after that end and within the re-contact window, the same customer writes
  again — in the same conversation (on any channel), or in another conversation that shares
  an email or phone number (from the identity the bot or an agent recorded, or written in a
  message and recognised by the NLU).
- **Bot-contained (verified)**: never handed to a person before its end (nor asked for one:
  a customer who asked and left before the handoff was not served by the bot), ended, and
  no re-contact within the window. Until the window has passed without one it is *pending* and
  counts in neither the numerator nor the denominator of the containment rate.
- **Abandoned handoff**: no agent ever took it, and it either ended that way (closed from the
  queue) or the customer has been silent for the abandonment timeout.
- **Re-ask**: in a stay, an agent message asks for a field the identity handed over already had.
- **Fallback turn**: a customer message the NLU could not classify (``nlu_fallback``) that no
  knowledge answer served; counted per intent of the conversation at that point (the
  message's own intent, else the last topical intent before it).
- **Knowledge acceptance**: of the knowledge answers the customer judged ("Did that help?"),
  the share answered yes.
"""

from __future__ import annotations

import bisect
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from analytics.reask import reasked
from analytics.records import Contact, ConversationRecord, Stay, Turn
from analytics.settings import AnalyticsSettings
from baton.contract import Contract
from handoff.records import Sender

FALLBACK_INTENT = "nlu_fallback"
NO_TOPIC = "(none)"
BOT_ONLY = "(bot only)"
DIMENSIONS = ("day", "channel", "intent", "queue", "language")
# the language of a conversation whose language was never known
UNKNOWN_LANGUAGE = "unknown"


@dataclass(frozen=True, slots=True)
class IntentRoles:
    """What the assistant's intents mean for the figures (from its ``baton.yml``)."""

    ending: frozenset[str] = frozenset()  # the customer closes the conversation
    affirm: frozenset[str] = frozenset()  # yes to "Did that help?"
    deny: frozenset[str] = frozenset()  # no to it
    person: frozenset[str] = frozenset()  # "a person, please"
    # say nothing about what the customer needs (the survey's answers never do)
    topicless: frozenset[str] = frozenset({FALLBACK_INTENT, "csat", "effort"})

    @classmethod
    def from_contract(cls, contract: Contract) -> IntentRoles:
        return cls(
            ending=frozenset(contract.conversation.ending_intents),
            affirm=frozenset(contract.conversation.affirm_intents),
            deny=frozenset(contract.conversation.deny_intents),
            person=frozenset(contract.handoff.intents),
            topicless=contract.topicless | {FALLBACK_INTENT, "csat", "effort"},
        )


@dataclass(frozen=True, slots=True)
class Definitions:
    recontact_window: timedelta = timedelta(hours=24)
    bot_idle: timedelta = timedelta(minutes=30)
    abandon_after: timedelta = timedelta(minutes=30)
    intents: IntentRoles = IntentRoles()

    @classmethod
    def from_settings(cls, settings: AnalyticsSettings, contract: Contract) -> Definitions:
        return cls(
            settings.recontact_window,
            settings.bot_idle,
            settings.abandon_after,
            IntentRoles.from_contract(contract),
        )


# -- the pieces -------------------------------------------------------------------------------


def conversation_turns(record: ConversationRecord) -> list[Turn]:
    """Customer messages that are conversation (survey answers are not)."""
    return [t for t in record.turns if t.sender is Sender.CUSTOMER and not t.survey_answer]


def confirms_end(turns: Sequence[Turn], index: int, intents: IntentRoles) -> bool:
    """Whether the customer message ``turns[index]`` closes the conversation: an ending
    intent, or yes to a knowledge answer given since their previous message."""
    turn = turns[index]
    if turn.sender is not Sender.CUSTOMER or turn.survey_answer:
        return False
    if turn.intent in intents.ending:
        return True
    if turn.intent not in intents.affirm:
        return False
    for earlier in reversed(turns[:index]):
        if earlier.sender is Sender.CUSTOMER and not earlier.survey_answer:
            return False
        if earlier.sender is Sender.BOT and earlier.article:
            return True
    return False


def bot_end(
    record: ConversationRecord, now: datetime, idle: timedelta, intents: IntentRoles
) -> datetime | None:
    """When the conversation ended (see the module's definitions); None while still open."""
    turns = list(record.turns)
    customer = [
        i for i, t in enumerate(turns) if t.sender is Sender.CUSTOMER and not t.survey_answer
    ]
    if not customer:
        return None
    for position, index in enumerate(customer):
        following = customer[position + 1] if position + 1 < len(customer) else None
        next_at = turns[following].at if following is not None else None
        quiet = next_at is None or next_at - turns[index].at >= idle
        if confirms_end(turns, index, intents) and quiet:
            return turns[index].at
        # the last message (bot, agent or customer) before the customer's next one
        last = max(t.at for t in turns[index : following if following is not None else None])
        if next_at is None:
            return last + idle if now - last >= idle else None
        if next_at - last >= idle:
            return last + idle
    return None  # pragma: no cover - the loop always returns on the last customer message


class ContactIndex:
    """First customer messages of conversations by contact key, to look re-contacts up."""

    def __init__(self, contacts: Iterable[Contact]) -> None:
        self._by_key: dict[str, list[tuple[datetime, str]]] = {}
        for contact in contacts:
            for key in contact.contacts:
                self._by_key.setdefault(key, []).append((contact.at, contact.conversation_id))
        for entries in self._by_key.values():
            entries.sort()

    def any_between(
        self, keys: Iterable[str], after: datetime, until: datetime, besides: str
    ) -> bool:
        """Whether a conversation other than ``besides`` with one of ``keys`` started in
        (after, until]."""
        for key in keys:
            entries = self._by_key.get(key, [])
            start = bisect.bisect_right(entries, (after, "\uffff"))
            for at, conversation_id in entries[start:]:
                if at > until:
                    break
                if conversation_id != besides:
                    return True
        return False


def recontacted(
    record: ConversationRecord, end: datetime, window: timedelta, others: ContactIndex
) -> bool:
    until = end + window
    if any(end < t.at <= until for t in conversation_turns(record)):
        return True
    return others.any_between(record.contacts, end, until, besides=record.id)


def topic(record: ConversationRecord, intents: IntentRoles) -> str:
    """The conversation's subject: its customer's first topical intent."""
    for turn in conversation_turns(record):
        if turn.intent and turn.intent not in intents.topicless:
            return turn.intent
    return NO_TOPIC


def abandoned(stay: Stay, record: ConversationRecord, now: datetime, after: timedelta) -> bool:
    """No agent took the handoff, and it was closed so or the customer fell silent."""
    if stay.assigned_at is not None:
        return False
    if stay.ended_at is not None:
        return True
    last = max(
        [stay.created_at] + [t.at for t in conversation_turns(record) if t.at >= stay.created_at]
    )
    return now - last >= after


def stay_reasked(stay: Stay, record: ConversationRecord) -> set[str] | None:
    """The fields an agent asked for again in this stay; None when no agent wrote in it."""
    if stay.assigned_at is None:
        return None
    texts = [
        t.text
        for t in record.turns
        if t.sender is Sender.AGENT
        and t.at >= stay.assigned_at
        and (stay.ended_at is None or t.at <= stay.ended_at)
    ]
    if not texts:
        return None
    return reasked(stay.identity, texts)


def knowledge_verdicts(record: ConversationRecord, intents: IntentRoles) -> tuple[int, int, int]:
    """Knowledge answers given, accepted (yes) and rejected (no) by the next customer message."""
    offered = accepted = rejected = 0
    turns = record.turns
    for index, turn in enumerate(turns):
        if turn.sender is not Sender.BOT or not turn.article:
            continue
        offered += 1
        answer = next(
            (t for t in turns[index + 1 :] if t.sender is Sender.CUSTOMER and not t.survey_answer),
            None,
        )
        if answer is None:
            continue
        # the answer's own "Did that help?" follows it; a later answer judges its own
        between = turns[index + 1 : turns.index(answer)]
        if any(t.sender is Sender.BOT and t.article for t in between):
            continue
        if answer.intent in intents.affirm:
            accepted += 1
        elif answer.intent in intents.deny:
            rejected += 1
    return offered, accepted, rejected


def fallback_turns(record: ConversationRecord, intents: IntentRoles) -> dict[str, tuple[int, int]]:
    """Per intent in context: (customer messages, fallback messages)."""
    served = {t.reply_to_id for t in record.turns if t.sender is Sender.BOT and t.article}
    counts: dict[str, tuple[int, int]] = {}
    current = NO_TOPIC
    for turn in conversation_turns(record):
        if turn.intent and turn.intent not in intents.topicless:
            current = turn.intent
        fell_back = turn.intent == FALLBACK_INTENT and turn.id not in served
        seen, failed = counts.get(current, (0, 0))
        counts[current] = (seen + 1, failed + int(fell_back))
    return counts


# -- one conversation --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Facts:
    """What one conversation contributes to the figures."""

    id: str
    day: str  # YYYY-MM-DD (UTC) it started
    channel: str
    intent: str
    queue: str  # the first handoff's queue, or BOT_ONLY
    handed_off: bool  # a person was asked for before the bot's conversation ended
    reasons: tuple[str, ...]
    ended_at: datetime | None
    contained: bool | None  # None: still open, or the re-contact window has not passed
    recontacted: bool
    stays: int
    abandoned: int
    first_reply_seconds: tuple[float, ...]
    handle_seconds: tuple[float, ...]
    replied_stays: int  # stays in which an agent wrote
    reask_stays: int  # of those, stays with a re-ask
    reasked_fields: tuple[str, ...]
    turns_by_intent: Mapping[str, int]
    fallbacks_by_intent: Mapping[str, int]
    knowledge: tuple[int, int, int]  # offered, accepted, rejected
    csat: tuple[int, ...]
    effort: tuple[int, ...]
    surveys_sent: int
    language: str = UNKNOWN_LANGUAGE  # two letters, or UNKNOWN_LANGUAGE


def conversation_facts(
    record: ConversationRecord, now: datetime, definitions: Definitions, others: ContactIndex
) -> Facts:
    end = bot_end(record, now, definitions.bot_idle, definitions.intents)
    before_end = [s for s in record.stays if end is None or s.created_at <= end]
    handed_off = bool(before_end)
    asked = any(
        t.intent in definitions.intents.person and (end is None or t.at <= end)
        for t in conversation_turns(record)
    )
    again = end is not None and recontacted(record, end, definitions.recontact_window, others)
    contained: bool | None
    if handed_off or asked or again:
        contained = False
    elif end is None or now < end + definitions.recontact_window:
        contained = None
    else:
        contained = True
    reasks = [stay_reasked(s, record) for s in record.stays]
    fallback = fallback_turns(record, definitions.intents)
    return Facts(
        id=record.id,
        day=record.created_at.date().isoformat(),
        channel=record.channel,
        language=record.language or UNKNOWN_LANGUAGE,
        intent=topic(record, definitions.intents),
        queue=record.stays[0].queue if record.stays else BOT_ONLY,
        handed_off=bool(record.stays),
        reasons=tuple(s.reason for s in record.stays),
        ended_at=end,
        contained=contained,
        recontacted=again,
        stays=len(record.stays),
        abandoned=sum(abandoned(s, record, now, definitions.abandon_after) for s in record.stays),
        first_reply_seconds=tuple(
            (s.first_reply_at - s.created_at).total_seconds()
            for s in record.stays
            if s.first_reply_at is not None
        ),
        handle_seconds=tuple(
            (s.ended_at - s.assigned_at).total_seconds()
            for s in record.stays
            if s.assigned_at is not None and s.ended_at is not None
        ),
        replied_stays=sum(r is not None for r in reasks),
        reask_stays=sum(bool(r) for r in reasks),
        reasked_fields=tuple(sorted({f for r in reasks if r for f in r})),
        turns_by_intent={k: v[0] for k, v in fallback.items()},
        fallbacks_by_intent={k: v[1] for k, v in fallback.items() if v[1]},
        knowledge=knowledge_verdicts(record, definitions.intents),
        csat=tuple(s.score for s in record.surveys if s.kind == "csat" and s.score is not None),
        effort=tuple(s.score for s in record.surveys if s.kind == "effort" and s.score is not None),
        surveys_sent=sum(s.kind == "csat" for s in record.surveys),
    )


def all_facts(
    records: Iterable[ConversationRecord],
    now: datetime,
    definitions: Definitions,
    later: Iterable[Contact] = (),
) -> list[Facts]:
    """Facts of every record the customer wrote in; ``later`` adds first messages of
    conversations outside the records (e.g. after the period) that may be re-contacts."""
    # a conversation opened but never written in (a widget opened and closed) is not one
    records = [r for r in records if conversation_turns(r)]
    index = ContactIndex(
        [
            *(
                Contact(r.id, r.contacts, first.at)
                for r in records
                if r.contacts and (first := next(iter(conversation_turns(r)), None)) is not None
            ),
            *later,
        ]
    )
    return [conversation_facts(r, now, definitions, index) for r in records]


# -- many conversations ------------------------------------------------------------------------


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _p90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


@dataclass
class Summary:
    """Figures over a set of conversations."""

    conversations: int = 0
    handed_off: int = 0
    decided: int = 0  # bot conversations whose containment is known
    contained: int = 0
    pending: int = 0
    recontacted: int = 0
    stays: int = 0
    abandoned: int = 0
    first_reply_seconds: list[float] = field(default_factory=list)
    handle_seconds: list[float] = field(default_factory=list)
    replied_stays: int = 0
    reask_stays: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    turns_by_intent: Counter[str] = field(default_factory=Counter)
    fallbacks_by_intent: Counter[str] = field(default_factory=Counter)
    knowledge_offered: int = 0
    knowledge_accepted: int = 0
    knowledge_rejected: int = 0
    csat: list[int] = field(default_factory=list)
    effort: list[int] = field(default_factory=list)
    surveys_sent: int = 0

    def add(self, facts: Facts) -> None:
        self.conversations += 1
        self.handed_off += facts.handed_off
        if facts.contained is None:
            self.pending += 1
        else:
            self.decided += 1
            self.contained += facts.contained
        self.recontacted += facts.recontacted
        self.stays += facts.stays
        self.abandoned += facts.abandoned
        self.first_reply_seconds += facts.first_reply_seconds
        self.handle_seconds += facts.handle_seconds
        self.replied_stays += facts.replied_stays
        self.reask_stays += facts.reask_stays
        self.reasons.update(facts.reasons)
        self.turns_by_intent.update(facts.turns_by_intent)
        self.fallbacks_by_intent.update(facts.fallbacks_by_intent)
        offered, accepted, rejected = facts.knowledge
        self.knowledge_offered += offered
        self.knowledge_accepted += accepted
        self.knowledge_rejected += rejected
        self.csat += facts.csat
        self.effort += facts.effort
        self.surveys_sent += facts.surveys_sent

    # rates: None when there is nothing to divide by
    @property
    def containment_rate(self) -> float | None:
        return _ratio(self.contained, self.decided)

    @property
    def handoff_rate(self) -> float | None:
        return _ratio(self.handed_off, self.conversations)

    @property
    def abandonment_rate(self) -> float | None:
        return _ratio(self.abandoned, self.stays)

    @property
    def reask_rate(self) -> float | None:
        return _ratio(self.reask_stays, self.replied_stays)

    @property
    def fallback_rate(self) -> float | None:
        return _ratio(sum(self.fallbacks_by_intent.values()), sum(self.turns_by_intent.values()))

    def fallback_rate_of(self, intent: str) -> float | None:
        return _ratio(self.fallbacks_by_intent[intent], self.turns_by_intent[intent])

    @property
    def knowledge_acceptance(self) -> float | None:
        return _ratio(self.knowledge_accepted, self.knowledge_accepted + self.knowledge_rejected)

    @property
    def csat_average(self) -> float | None:
        return _mean(self.csat)

    @property
    def csat_satisfied(self) -> float | None:
        """CSAT as usually quoted: the share of 4 and 5 answers."""
        return _ratio(sum(s >= 4 for s in self.csat), len(self.csat))

    @property
    def effort_average(self) -> float | None:
        return _mean(self.effort)

    def row(self) -> dict[str, Any]:
        """The figures as one flat row (CSV export, JSON)."""
        return {
            "conversations": self.conversations,
            "handed_off": self.handed_off,
            "handoff_rate": self.handoff_rate,
            "contained": self.contained,
            "containment_decided": self.decided,
            "containment_pending": self.pending,
            "containment_rate": self.containment_rate,
            "recontacted": self.recontacted,
            "handoffs": self.stays,
            "abandoned": self.abandoned,
            "abandonment_rate": self.abandonment_rate,
            "first_reply_median_s": _median(self.first_reply_seconds),
            "first_reply_p90_s": _p90(self.first_reply_seconds),
            "handle_time_median_s": _median(self.handle_seconds),
            "handle_time_mean_s": _mean(self.handle_seconds),
            "reask_rate": self.reask_rate,
            "fallback_rate": self.fallback_rate,
            "knowledge_answers": self.knowledge_offered,
            "knowledge_acceptance": self.knowledge_acceptance,
            "csat_responses": len(self.csat),
            "csat_average": self.csat_average,
            "csat_satisfied": self.csat_satisfied,
            "effort_responses": len(self.effort),
            "effort_average": self.effort_average,
            "surveys_sent": self.surveys_sent,
        }


def summarise(facts: Iterable[Facts]) -> Summary:
    summary = Summary()
    for item in facts:
        summary.add(item)
    return summary


_KEYS: dict[str, Callable[[Facts], str]] = {
    "day": lambda f: f.day,
    "channel": lambda f: f.channel,
    "intent": lambda f: f.intent,
    "queue": lambda f: f.queue,
    "language": lambda f: f.language,
}


def breakdown(facts: Iterable[Facts], dimension: str) -> dict[str, Summary]:
    """Figures per value of ``dimension`` (day, channel, intent, queue or language), sorted
    by key."""
    if dimension not in _KEYS:
        raise ValueError(f"unknown dimension {dimension!r}: one of {', '.join(DIMENSIONS)}")
    key = _KEYS[dimension]
    groups: dict[str, Summary] = {}
    for item in facts:
        groups.setdefault(key(item), Summary()).add(item)
    return dict(sorted(groups.items()))

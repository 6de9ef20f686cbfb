"""``GET /metrics`` for operations, in Prometheus' text format.

Counts and gauges (messages by channel, handoffs by reason, queue lengths, open
conversations, agents by presence, survey answers) are read from the database at scrape
time, so every gateway replica reports the same, exact figures however many processes run.
Bot turn latency is measured in the process: with several worker processes, point
``PROMETHEUS_MULTIPROC_DIR`` at an empty directory shared by them (prometheus-client's
multiprocess mode) and any one of them reports the sum.

The product's own figures, labelled by ``channel`` and ``queue`` (bounded: the known channels
and the assistant's queues; any other value is ``other``; ``queue="none"``: never handed
off), with the supervisors' dashboard's definitions (``analytics.metrics``):

- ``baton_queue_wait_seconds`` and ``baton_first_reply_seconds``: histograms (cumulative, as
  counters are) over every stay of the record: from the handoff until an agent took it, and
  until the agent's first message; ``queue`` is the stay's queue;
- verified containment and handoffs: gauges over the conversations started in the last
  ``WINDOW_DAYS`` UTC days (today included), because a conversation's containment is only
  decided a re-contact window after its end and may then be settled retroactively — a
  counter could not go back. The counts (``baton_window_conversations``,
  ``baton_handed_off_conversations``, ``baton_containment_decided_conversations``,
  ``baton_contained_conversations``) add up across labels, so the headline figure is
  ``sum(baton_contained_conversations) / sum(baton_containment_decided_conversations)``;
  ``baton_verified_containment_ratio`` and ``baton_handoff_ratio`` give each label pair's
  ratio as the dashboard's tables show it. ``queue`` is the conversation's first handoff's.
  They are recomputed at most every ``WINDOW_CACHE_SECONDS`` per process.
"""

from __future__ import annotations

import hmac
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analytics.live import talking_to_the_bot
from analytics.metrics import BOT_ONLY, Definitions, Facts, Summary, summarise
from analytics.models import SurveyRow
from analytics.queries import Period, period_facts
from baton.contract import Contract
from connectors.rasa_channels.wire import REST_CHANNEL, SOCKETIO_CHANNEL
from connectors.slack.events import CHANNEL as SLACK
from connectors.telegram.updates import CHANNEL as TELEGRAM
from connectors.webchat.api import CHANNEL as WEB
from gateway.services import ServicesDep
from handoff.models import AgentRow, ConversationRow, HandoffRow, MessageRow, QueueRow
from handoff.ownership import Owner
from handoff.settings import HandoffSettings

# the channels Baton's connectors name conversations by
CHANNELS = frozenset({WEB, TELEGRAM, SLACK, REST_CHANNEL, SOCKETIO_CHANNEL})
OTHER = "other"  # a channel or queue label outside the known ones
NO_QUEUE = "none"  # the queue label of a conversation never handed off
WINDOW_DAYS = 7
WINDOW_CACHE_SECONDS = 30.0
# seconds: queue waits and first replies, from moments to a couple of hours
WAIT_BUCKETS = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0)


class Figures(Collector):
    """Database figures read just before a scrape, exposed as metric families."""

    def __init__(self) -> None:
        self.messages: dict[tuple[str, str], int] = {}
        self.handoffs: dict[str, int] = {}
        self.queues: dict[str, int] = {}
        self.open: dict[str, int] = {}
        self.agents: dict[str, int] = {}
        self.surveys: dict[tuple[str, str], int] = {}

    def collect(self) -> Iterator[Metric]:
        messages = CounterMetricFamily(
            "baton_messages", "Messages stored, by channel and sender", labels=["channel", "sender"]
        )
        for (channel, sender), count in sorted(self.messages.items()):
            messages.add_metric([channel, sender], count)
        handoffs = CounterMetricFamily(
            "baton_handoffs", "Handoffs to people, by reason", labels=["reason"]
        )
        for reason, count in sorted(self.handoffs.items()):
            handoffs.add_metric([reason], count)
        queues = GaugeMetricFamily(
            "baton_queue_length", "Conversations waiting for an agent", labels=["queue"]
        )
        for queue, count in sorted(self.queues.items()):
            queues.add_metric([queue], count)
        open_ = GaugeMetricFamily(
            "baton_open_conversations",
            "Open conversations by owner (bot: a customer message within the idle timeout)",
            labels=["owner"],
        )
        for owner, count in sorted(self.open.items()):
            open_.add_metric([owner], count)
        agents = GaugeMetricFamily("baton_agents", "Agents by presence", labels=["presence"])
        for presence, count in sorted(self.agents.items()):
            agents.add_metric([presence], count)
        surveys = CounterMetricFamily(
            "baton_survey_answers", "Survey answers by question and score", labels=["kind", "score"]
        )
        for (kind, score), count in sorted(self.surveys.items()):
            surveys.add_metric([kind, score], count)
        yield from (messages, handoffs, queues, open_, agents, surveys)


async def read_figures(
    sessions: async_sessionmaker[AsyncSession],
    bot_idle: timedelta,
    now: datetime | None = None,
    labels: Labels | None = None,
) -> Figures:
    now = now or datetime.now(UTC)
    labels = labels or Labels()
    figures = Figures()
    async with sessions() as session:
        for channel, sender, count in await session.execute(
            select(MessageRow.channel, MessageRow.sender, func.count()).group_by(
                MessageRow.channel, MessageRow.sender
            )
        ):
            key = (labels.channel(channel), sender)
            figures.messages[key] = figures.messages.get(key, 0) + int(count)
        for reason, count in await session.execute(
            select(HandoffRow.reason, func.count()).group_by(HandoffRow.reason)
        ):
            figures.handoffs[reason] = int(count)
        figures.queues = {name: 0 for name in await session.scalars(select(QueueRow.name))}
        for queue, count in await session.execute(
            select(ConversationRow.queue, func.count())
            .where(ConversationRow.owner == Owner.QUEUED.value)
            .group_by(ConversationRow.queue)
        ):
            figures.queues[queue or "general"] = int(count)
        figures.open = {"bot": 0, "queued": 0, "assigned": 0}
        for owner, count in await session.execute(
            select(ConversationRow.owner, func.count())
            .where(ConversationRow.owner.in_([Owner.QUEUED.value, Owner.ASSIGNED.value]))
            .group_by(ConversationRow.owner)
        ):
            figures.open[owner] = int(count)
        figures.open["bot"] = int(
            await session.scalar(
                select(func.count())
                .select_from(ConversationRow)
                .where(
                    ConversationRow.owner == Owner.BOT.value,
                    talking_to_the_bot(now - bot_idle),
                )
            )
            or 0
        )
        figures.agents = {"available": 0, "busy": 0, "away": 0}
        for presence, count in await session.execute(
            select(AgentRow.presence, func.count()).group_by(AgentRow.presence)
        ):
            figures.agents[presence] = int(count)
        for kind, score, count in await session.execute(
            select(SurveyRow.kind, SurveyRow.score, func.count())
            .where(SurveyRow.score.is_not(None))
            .group_by(SurveyRow.kind, SurveyRow.score)
        ):
            figures.surveys[(kind, str(score))] = int(count)
    return figures


@dataclass(frozen=True, slots=True)
class Labels:
    """The bounded label values: Prometheus keeps a series per value forever, so a label
    never carries a value from outside (a conversation's channel or a queue's name come from
    the record; anything unexpected is ``other``)."""

    channels: frozenset[str] = CHANNELS
    queues: frozenset[str] = frozenset()

    @classmethod
    def of(cls, contract: Contract, handoff: HandoffSettings) -> Labels:
        """The known channels and the queues the assistant (and the settings) route to."""
        queues = {*contract.queue_names, handoff.default_queue, *handoff.intent_queues.values()}
        return cls(CHANNELS, frozenset(queues))

    def channel(self, value: str | None) -> str:
        return value if value in self.channels else OTHER

    def queue(self, value: str | None) -> str:
        if value is None or value == BOT_ONLY:
            return NO_QUEUE
        return value if value in self.queues else OTHER


class Waits:
    """Durations as a Prometheus histogram (cumulative buckets, sum, count)."""

    def __init__(self) -> None:
        self.buckets = [0] * len(WAIT_BUCKETS)
        self.count = 0
        self.sum = 0.0

    def observe(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.count += 1
        self.sum += seconds
        for index, bound in enumerate(WAIT_BUCKETS):
            if seconds <= bound:
                self.buckets[index] += 1

    def family_row(self) -> list[tuple[str, float]]:
        return [
            *(
                (floatToGoString(bound), float(n))
                for bound, n in zip(WAIT_BUCKETS, self.buckets, strict=True)
            ),
            ("+Inf", float(self.count)),
        ]


class Series(Collector):
    """Queue wait, first reply, verified containment and handoffs by channel and queue."""

    def __init__(self) -> None:
        self.queue_wait: defaultdict[tuple[str, str], Waits] = defaultdict(Waits)
        self.first_reply: defaultdict[tuple[str, str], Waits] = defaultdict(Waits)
        self.window: dict[tuple[str, str], Summary] = {}

    def collect(self) -> Iterator[Metric]:
        labels = ["channel", "queue"]
        for name, doc, waits in (
            ("baton_queue_wait_seconds", "From a handoff until an agent took it", self.queue_wait),
            (
                "baton_first_reply_seconds",
                "From a handoff until the agent's first message",
                self.first_reply,
            ),
        ):
            family = HistogramMetricFamily(name, doc, labels=labels)
            for key, w in sorted(waits.items()):
                family.add_metric(list(key), w.family_row(), w.sum)
            yield family
        window = f"conversations started in the last {WINDOW_DAYS} days"
        counts = [
            ("baton_window_conversations", f"All {window}", lambda s: s.conversations),
            (
                "baton_handed_off_conversations",
                f"Handed to a person, of the {window}",
                lambda s: s.handed_off,
            ),
            (
                "baton_containment_decided_conversations",
                f"Bot-only {window} whose verified containment is decided",
                lambda s: s.decided,
            ),
            (
                "baton_contained_conversations",
                f"Bot-contained (verified: ended, no re-contact in time), of the {window}",
                lambda s: s.contained,
            ),
            (
                "baton_verified_containment_ratio",
                f"Contained of decided, {window} (absent: none decided)",
                lambda s: s.containment_rate,
            ),
            (
                "baton_handoff_ratio",
                f"Handed off of all {window}",
                lambda s: s.handoff_rate,
            ),
        ]
        for name, doc, value in counts:
            gauge = GaugeMetricFamily(name, doc, labels=labels)
            for key, summary in sorted(self.window.items()):
                figure = value(summary)
                if figure is not None:
                    gauge.add_metric(list(key), float(figure))
            yield gauge


async def read_waits(sessions: async_sessionmaker[AsyncSession], labels: Labels) -> Series:
    """The stays' queue waits and first replies (every stay of the record)."""
    series = Series()
    async with sessions() as session:
        rows = await session.execute(
            select(
                ConversationRow.channel,
                HandoffRow.queue,
                HandoffRow.created_at,
                HandoffRow.assigned_at,
                HandoffRow.first_reply_at,
            ).join(ConversationRow, ConversationRow.id == HandoffRow.conversation_id)
        )
        for channel, queue, asked, assigned, replied in rows:
            key = (labels.channel(channel), labels.queue(queue))
            if assigned is not None:
                series.queue_wait[key].observe((assigned - asked).total_seconds())
            if replied is not None:  # as analytics.metrics' first_reply_seconds
                series.first_reply[key].observe((replied - asked).total_seconds())
    return series


def window_summaries(facts: Iterable[Facts], labels: Labels) -> dict[tuple[str, str], Summary]:
    groups: defaultdict[tuple[str, str], list[Facts]] = defaultdict(list)
    for item in facts:
        groups[(labels.channel(item.channel), labels.queue(item.queue))].append(item)
    return {key: summarise(items) for key, items in groups.items()}


async def read_window(
    sessions: async_sessionmaker[AsyncSession],
    definitions: Definitions,
    labels: Labels,
    now: datetime | None = None,
) -> dict[tuple[str, str], Summary]:
    """The dashboard's figures of the window's conversations, per channel and queue."""
    now = now or datetime.now(UTC)
    period = Period.parse(None, None, today=now.date(), default_days=WINDOW_DAYS)
    return window_summaries(await period_facts(sessions, period, definitions, now=now), labels)


async def read_series(
    sessions: async_sessionmaker[AsyncSession],
    definitions: Definitions,
    labels: Labels,
    now: datetime | None = None,
) -> Series:
    """Every series above, read now (``now``: the moment the figures are taken at)."""
    series = await read_waits(sessions, labels)
    series.window = await read_window(sessions, definitions, labels, now)
    return series


def exposition(figures: Figures, *more: Collector) -> bytes:
    """This process's (or, in multiprocess mode, all processes') metrics and the figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process = CollectorRegistry()
        MultiProcessCollector(process)
    else:
        process = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    for collector in (figures, *more):
        database.register(collector)
    return generate_latest(process) + generate_latest(database)


def create_router() -> APIRouter:
    router = APIRouter(tags=["operations"])
    # the window's facts read every conversation of a week: once per WINDOW_CACHE_SECONDS
    cached: dict[str, tuple[float, dict[tuple[str, str], Summary]]] = {}

    async def series_now(services: ServicesDep, labels: Labels) -> Series:
        contract = services.project.contract
        series = await read_waits(services.store.sessions, labels)
        taken = cached.get("window")
        if taken is None or time.monotonic() - taken[0] > WINDOW_CACHE_SECONDS:
            definitions = Definitions.from_settings(services.settings.analytics, contract)
            window = await read_window(services.store.sessions, definitions, labels)
            taken = cached["window"] = (time.monotonic(), window)
        series.window = taken[1]
        return series

    @router.get("/metrics", response_class=Response)
    async def metrics(request: Request, services: ServicesDep) -> Response:
        """Prometheus metrics (a bearer token when BATON_ANALYTICS_METRICS_TOKEN is set)."""
        token = services.settings.analytics.metrics_token
        if token is not None:
            sent = request.headers.get("authorization", "")
            expected = f"Bearer {token.get_secret_value()}"
            if not hmac.compare_digest(sent.encode(), expected.encode()):
                return Response(
                    "metrics need the operations token\n",
                    status_code=401,
                    media_type="text/plain",
                    headers={"www-authenticate": "Bearer"},
                )
        labels = Labels.of(services.project.contract, services.settings.handoff)
        figures = await read_figures(
            services.store.sessions, services.settings.analytics.bot_idle, labels=labels
        )
        series = await series_now(services, labels)
        return Response(exposition(figures, series), media_type=CONTENT_TYPE_LATEST)

    return router

"""``GET /metrics`` for operations, in Prometheus' text format.

Counts and gauges (messages by channel, handoffs by reason, queue lengths, open
conversations, agents by presence, survey answers) are read from the database at scrape
time, so every gateway replica reports the same, exact figures however many processes run.
Bot turn latency is measured in the process: with several worker processes, point
``PROMETHEUS_MULTIPROC_DIR`` at an empty directory shared by them (prometheus-client's
multiprocess mode) and any one of them reports the sum.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analytics.live import talking_to_the_bot
from analytics.models import SurveyRow
from gateway.services import ServicesDep
from handoff.models import AgentRow, ConversationRow, HandoffRow, MessageRow, QueueRow
from handoff.ownership import Owner


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
    sessions: async_sessionmaker[AsyncSession], bot_idle: timedelta, now: datetime | None = None
) -> Figures:
    now = now or datetime.now(UTC)
    figures = Figures()
    async with sessions() as session:
        for channel, sender, count in await session.execute(
            select(MessageRow.channel, MessageRow.sender, func.count()).group_by(
                MessageRow.channel, MessageRow.sender
            )
        ):
            figures.messages[(channel, sender)] = int(count)
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


def exposition(figures: Figures) -> bytes:
    """This process's (or, in multiprocess mode, all processes') metrics and the figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process = CollectorRegistry()
        MultiProcessCollector(process)
    else:
        process = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(figures)
    return generate_latest(process) + generate_latest(database)


def create_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

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
        figures = await read_figures(services.store.sessions, services.settings.analytics.bot_idle)
        return Response(exposition(figures), media_type=CONTENT_TYPE_LATEST)

    return router

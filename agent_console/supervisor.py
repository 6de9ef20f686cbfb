"""The supervisors' dashboard: live desk, history with charts, CSV export.

``/console/supervisor`` is for the supervisor role (others get a 403 page). The live panel
is rendered with the page and kept current by ``supervisor.js`` polling
``/console/supervisor/live``; the history is computed on request from the conversation
record (``analytics.queries``) and drawn as SVG on the server.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from agent_console.access import session_user
from agent_console.auth import Role, User
from agent_console.templating import page, refusal
from analytics.charts import Series, bar_chart, line_chart
from analytics.live import LiveSnapshot, live_snapshot
from analytics.metrics import DIMENSIONS, Definitions, Facts, Summary, breakdown, summarise
from analytics.queries import BadPeriod, Filters, Period, period_facts
from gateway.errors import InvalidRequest, InvalidSession, WrongRole
from gateway.services import Services, ServicesDep

_FILTER_MAX = 64  # longest channel / queue / intent name a filter accepts
NOTHING = "\u2013"  # shown for a figure with nothing to compute it from (an en dash)


def _pct(value: float | None) -> str:
    return NOTHING if value is None else f"{value * 100:.0f}%"


def _seconds(value: float | None) -> str:
    if value is None:
        return NOTHING
    if value < 10:
        return f"{value:.1f} s"
    if value < 90:
        return f"{value:.0f} s"
    if value < 5400:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def _score(value: float | None) -> str:
    return NOTHING if value is None else f"{value:.2f} / 5"


def tiles(summary: Summary) -> list[dict[str, str]]:
    row = summary.row()
    return [
        {"key": "conversations", "label": "Conversations", "value": str(summary.conversations),
         "hint": f"{summary.handed_off} handed to a person"},
        {"key": "containment", "label": "Bot-contained (verified)",
         "value": _pct(summary.containment_rate),
         "hint": f"{summary.contained} of {summary.decided} decided · {summary.pending} pending"},
        {"key": "handoff", "label": "Handoff rate", "value": _pct(summary.handoff_rate),
         "hint": f"{summary.stays} handoffs"},
        {"key": "abandonment", "label": "Abandoned while queued",
         "value": _pct(summary.abandonment_rate), "hint": f"{summary.abandoned} handoffs"},
        {"key": "first_reply", "label": "First human reply (median)",
         "value": _seconds(row["first_reply_median_s"]),
         "hint": f"p90 {_seconds(row['first_reply_p90_s'])}"},
        {"key": "handle", "label": "Handle time (median)",
         "value": _seconds(row["handle_time_median_s"]),
         "hint": f"mean {_seconds(row['handle_time_mean_s'])}"},
        {"key": "reask", "label": "Agent re-asks", "value": _pct(summary.reask_rate),
         "hint": f"{summary.reask_stays} of {summary.replied_stays} stays"},
        {"key": "fallback", "label": "Fallback rate", "value": _pct(summary.fallback_rate),
         "hint": f"{sum(summary.fallbacks_by_intent.values())} turns"},
        {"key": "knowledge", "label": "Knowledge answers accepted",
         "value": _pct(summary.knowledge_acceptance),
         "hint": f"{summary.knowledge_accepted} yes · {summary.knowledge_rejected} no"},
        {"key": "csat", "label": "CSAT", "value": _score(summary.csat_average),
         "hint": f"{_pct(summary.csat_satisfied)} satisfied · {len(summary.csat)} answers"},
        {"key": "effort", "label": "Customer effort (5 = easy)",
         "value": _score(summary.effort_average), "hint": f"{len(summary.effort)} answers"},
    ]  # fmt: skip


def _table(groups: dict[str, Summary]) -> list[dict[str, str]]:
    return [
        {
            "key": key,
            "conversations": str(s.conversations),
            "containment": _pct(s.containment_rate),
            "handoff": _pct(s.handoff_rate),
            "abandonment": _pct(s.abandonment_rate),
            "fallback": _pct(s.fallback_rate),
            "csat": _score(s.csat_average),
        }
        for key, s in sorted(groups.items(), key=lambda kv: -kv[1].conversations)
    ]


def charts(period: Period, facts: list[Facts], summary: Summary) -> dict[str, Any]:
    per_day = breakdown(facts, "day")
    days = period.days()
    contained = [per_day[d].containment_rate if d in per_day else None for d in days]
    handed_off = [per_day[d].handoff_rate if d in per_day else None for d in days]
    trend = line_chart(
        days,
        [Series("Contained", contained, "#15803d"), Series("Handed off", handed_off, "#b45309")],
        title="Containment and handoff rate per day",
    )
    reasons = bar_chart(
        summary.reasons.most_common(8), title="Top handoff reasons", color="#b45309"
    )
    fallbacks = bar_chart(
        [(intent, count) for intent, count in summary.fallbacks_by_intent.most_common(8)],
        title="Top fallback intents (fallback turns)",
        color="#b91c1c",
    )
    return {"trend": trend, "reasons": reasons, "fallbacks": fallbacks}


def _filters(request: Request) -> Filters:
    values = {}
    for name in ("channel", "queue", "intent", "language"):
        value = (request.query_params.get(name) or "").strip()
        if len(value) > _FILTER_MAX:
            raise BadPeriod(f"the {name} filter is longer than {_FILTER_MAX} characters")
        values[name] = value or None
    return Filters(**values)


def _period(request: Request) -> Period:
    today = datetime.now(UTC).date()
    return Period.parse(
        request.query_params.get("from") or None,
        request.query_params.get("to") or None,
        today=today,
    )


async def _supervisor(request: Request, services: Services) -> User | Response:
    """The signed-in supervisor; anyone else gets the refusal page on the dashboard and
    ``InvalidSession`` / ``WrongRole`` (401 / 403) elsewhere."""
    user = await session_user(request, services)
    if request.url.path == "/console/supervisor":
        refused = refusal(
            request,
            user,
            {Role.SUPERVISOR},
            "The dashboard is for supervisors. Ask one to change your role if you need it.",
        )
        if refused is not None:
            return refused
    if user is None:
        raise InvalidSession("The session is missing, unknown or expired: sign in again.")
    if user.role is not Role.SUPERVISOR:
        raise WrongRole(f"The {user.role.value} role cannot see the dashboard.")
    return user


async def _live(services: Services) -> LiveSnapshot:
    handoff = services.settings.handoff
    return await live_snapshot(
        services.store.sessions,
        bot_idle=services.settings.analytics.bot_idle,
        sentiment_threshold=handoff.sentiment_threshold,
        sentiment_turns=handoff.sentiment_turns,
    )


def create_router() -> APIRouter:
    router = APIRouter(prefix="/console/supervisor", include_in_schema=False)

    @router.get("")
    async def dashboard(request: Request, services: ServicesDep) -> Response:
        user = await _supervisor(request, services)
        if not isinstance(user, User):
            return user
        error = None
        try:
            period, filters = _period(request), _filters(request)
        except BadPeriod as exc:
            error = str(exc)
            period = Period.parse(None, None, today=datetime.now(UTC).date())
            filters = Filters()
        contract = services.project.contract
        definitions = Definitions.from_settings(services.settings.analytics, contract)
        everything = await period_facts(services.store.sessions, period, definitions)
        facts = [f for f in everything if filters.keep(f)]
        summary = summarise(facts)
        context = {
            "user": user,
            "error": error,
            "period": period,
            "filters": filters,
            "options": {
                "channel": sorted({f.channel for f in everything}),
                "queue": sorted({f.queue for f in everything}),
                "intent": sorted({f.intent for f in everything}),
                "language": sorted({f.language for f in everything}),
            },
            "tiles": tiles(summary),
            "charts": charts(period, facts, summary),
            "tables": {
                "channel": _table(breakdown(facts, "channel")),
                "queue": _table(breakdown(facts, "queue")),
                "intent": _table(breakdown(facts, "intent")),
                "language": _table(breakdown(facts, "language")),
            },
            "live": await _live(services),
            "query": request.url.query,
            "definitions": {
                "idle": f"{services.settings.analytics.bot_idle_minutes:g}",
                "window": f"{services.settings.analytics.recontact_window_hours:g}",
                "abandon": f"{services.settings.analytics.abandon_minutes:g}",
            },
        }
        return page(request, "supervisor.html", context, status_code=400 if error else 200)

    @router.get("/live")
    async def live(request: Request, services: ServicesDep) -> Response:
        user = await _supervisor(request, services)
        if not isinstance(user, User):
            return user
        return JSONResponse(dict(await _live(services)), headers={"cache-control": "no-store"})

    @router.get("/export.csv")
    async def export(request: Request, services: ServicesDep) -> Response:
        user = await _supervisor(request, services)
        if not isinstance(user, User):
            return user
        by = request.query_params.get("by", "day")
        if by not in DIMENSIONS:
            raise InvalidRequest(f"by: one of {', '.join(DIMENSIONS)}")
        period, filters = _period(request), _filters(request)  # BadPeriod: a 422
        contract = services.project.contract
        definitions = Definitions.from_settings(services.settings.analytics, contract)
        facts = await period_facts(services.store.sessions, period, definitions, filters)
        return Response(
            export_csv(breakdown(facts, by), by, summarise(facts)),
            media_type="text/csv; charset=utf-8",
            headers={
                "content-disposition": (
                    f'attachment; filename="baton-{by}-{period.first}-{period.last}.csv"'
                ),
                "cache-control": "no-store",
            },
        )

    return router


def export_csv(groups: dict[str, Summary], dimension: str, total: Summary) -> str:
    """One row per value of the dimension, then the total; rates as fractions 0..1."""
    out = io.StringIO()
    columns = list(total.row())
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([dimension, *columns])
    for key, summary in [*groups.items(), ("total", total)]:
        row = summary.row()
        writer.writerow([_cell(key), *(_cell(row[c]) for c in columns)])
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    text = str(value)
    # a spreadsheet would run a cell starting like a formula (intent and channel names are
    # data): quote it as text
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text

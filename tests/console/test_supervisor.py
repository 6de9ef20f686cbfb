"""The supervisors' dashboard through a running gateway (fake Rasa, real SQLite): who may see
it, what it shows, the CSV export, bad input, and the Prometheus endpoint."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pydantic import SecretStr

from analytics.settings import AnalyticsSettings
from tests.console.test_handoff_api import customer, send
from tests.harness import RunningGateway, running_gateway


async def some_traffic(gateway: RunningGateway) -> None:
    cid, auth = await customer(gateway)
    await send(
        gateway, cid, auth, "This is terrible, awful, I hate it <img src=x onerror=alert(1)>"
    )
    other, auth2 = await customer(gateway)
    await send(gateway, other, auth2, "?? blorp")


async def test_dashboard_is_for_supervisors_only(gateway: RunningGateway) -> None:
    page = await gateway.http.get("/console/supervisor", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/console/login"
    live = await gateway.http.get("/console/supervisor/live")
    assert live.status_code == 401 and live.json()["error"]["code"] == "invalid_session"

    await gateway.add_user("dana", role="agent")
    agent = await gateway.sign_in("dana")
    forbidden = await gateway.http.get("/console/supervisor", headers=agent)
    assert forbidden.status_code == 403 and "for supervisors" in forbidden.text
    assert (await gateway.http.get("/console/supervisor/live", headers=agent)).status_code == 403
    csv_denied = await gateway.http.get("/console/supervisor/export.csv", headers=agent)
    assert csv_denied.status_code == 403
    console = await gateway.http.get("/console", headers=agent)
    assert 'href="/console/supervisor"' not in console.text

    await gateway.add_user("kim", role="knowledge_owner")
    owner = await gateway.sign_in("kim")
    assert (await gateway.http.get("/console/supervisor", headers=owner)).status_code == 403


async def test_supervisor_sees_live_counts_history_and_charts(gateway: RunningGateway) -> None:
    await some_traffic(gateway)
    await gateway.add_user("sam", role="supervisor")
    sam = await gateway.sign_in("sam")
    console = await gateway.http.get("/console", headers=sam)
    assert 'href="/console/supervisor"' in console.text

    page = await gateway.http.get("/console/supervisor", headers=sam)
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert '<svg class="chart"' in html and "<script>" not in html
    assert 'id="open-queued">1<' in html
    assert "complaint" in html  # the handoff reason (fake Rasa: "terrible" is a complaint)
    # the unhappy customer's words are shown as text, never as markup
    assert "<img src=x" not in html and "&lt;img src=x" in html

    live = (await gateway.http.get("/console/supervisor/live", headers=sam)).json()
    assert live["open"]["queued"] == 1 and live["open"]["bot"] == 1
    assert live["negative"] and live["negative"][0]["owner"] == "queued"
    assert {a["id"] for a in live["agents"]} == {"sam"}


async def test_csv_export_per_dimension(gateway: RunningGateway) -> None:
    await some_traffic(gateway)
    await gateway.add_user("sam", role="supervisor")
    sam = await gateway.sign_in("sam")
    response = await gateway.http.get("/console/supervisor/export.csv?by=queue", headers=sam)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["queue"] for r in rows] == ["(bot only)", "general", "total"]
    total = rows[-1]
    assert (total["conversations"], total["handed_off"], total["handoff_rate"]) == (
        "2",
        "1",
        "0.5000",
    )
    by_channel = await gateway.http.get(
        "/console/supervisor/export.csv?by=channel&channel=web", headers=sam
    )
    assert [r["channel"] for r in csv.DictReader(io.StringIO(by_channel.text))] == [
        "web",
        "total",
    ]


async def test_figures_by_the_conversations_language(gateway: RunningGateway) -> None:
    await some_traffic(gateway)  # English, and "?? blorp": too little to tell
    await gateway.add_user("sam", role="supervisor")
    sam = await gateway.sign_in("sam")
    page = await gateway.http.get("/console/supervisor", headers=sam)
    assert 'aria-label="By language"' in page.text and '<select name="language">' in page.text
    response = await gateway.http.get("/console/supervisor/export.csv?by=language", headers=sam)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["language"] for r in rows] == ["en", "unknown", "total"]
    english = await gateway.http.get(
        "/console/supervisor/export.csv?by=channel&language=en", headers=sam
    )
    [web, total] = list(csv.DictReader(io.StringIO(english.text)))
    assert (web["channel"], web["conversations"], total["conversations"]) == ("web", "1", "1")


async def test_bad_input_gets_a_clear_error(gateway: RunningGateway) -> None:
    await gateway.add_user("sam", role="supervisor")
    sam = await gateway.sign_in("sam")
    page = await gateway.http.get("/console/supervisor?from=someday", headers=sam)
    assert page.status_code == 400 and "YYYY-MM-DD" in page.text
    assert '<svg class="chart"' in page.text  # the default period is still shown
    reversed_ = await gateway.http.get(
        "/console/supervisor?from=2026-11-20&to=2026-11-01", headers=sam
    )
    assert reversed_.status_code == 400 and "after it ends" in reversed_.text
    long_filter = await gateway.http.get("/console/supervisor?intent=" + "x" * 200, headers=sam)
    assert long_filter.status_code == 400
    bad_by = await gateway.http.get("/console/supervisor/export.csv?by=weather", headers=sam)
    assert bad_by.status_code == 422 and bad_by.json()["error"]["code"] == "invalid_request"
    bad_date = await gateway.http.get("/console/supervisor/export.csv?to=2026-02-30", headers=sam)
    assert bad_date.status_code == 422 and "YYYY-MM-DD" in bad_date.json()["error"]["message"]


async def test_metrics_endpoint(gateway: RunningGateway) -> None:
    await some_traffic(gateway)
    response = await gateway.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'baton_messages_total{channel="web",sender="customer"} 2.0' in text
    assert 'baton_queue_length{queue="general"} 1.0' in text
    assert 'baton_handoffs_total{reason="complaint"} 1.0' in text
    assert "baton_bot_turn_seconds_count" in text


async def test_metrics_token(tmp_path: Path) -> None:
    settings = AnalyticsSettings(metrics_token=SecretStr("s3cret-metrics"))
    async with running_gateway(tmp_path, analytics=settings) as gateway:
        assert (await gateway.http.get("/metrics")).status_code == 401
        wrong = await gateway.http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await gateway.http.get(
            "/metrics", headers={"Authorization": "Bearer s3cret-metrics"}
        )
        assert right.status_code == 200 and "baton_agents" in right.text

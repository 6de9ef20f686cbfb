"""In headless Chromium: a supervisor signs in over a demo history played through the real
stack, sees the live desk and the history charts, watches the live panel change, exports
CSV; a customer answers the end-of-conversation survey with the widget's buttons; an agent
is refused the dashboard."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import async_sessionmaker

from analytics.demo import play_history
from analytics.demo_texts import load_texts
from handoff.database import create_engine
from tests.browser.conftest import NewPage, Shot
from tests.stack import Stack

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PASSWORD = "correct horse battery"


async def sign_in(page: Page, stack: Stack, user_id: str) -> None:
    await page.goto(stack.url + "/console/login")
    await page.fill("input[name=user_id]", user_id)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(stack.url + "/console")


async def test_supervisor_dashboard_over_a_demo_history(
    stack: Stack, pages: NewPage, shot: Shot
) -> None:
    engine = create_engine(stack.database_url)
    try:
        report = await play_history(
            stack.url,
            async_sessionmaker(engine, expire_on_commit=False),
            load_texts(),
            conversations=16,
            seed=5,
            days=4,
            concurrency=2,
        )
    finally:
        await engine.dispose()
    assert report.handoffs > 0
    # an unhappy customer, right now
    cid, token = await stack.new_conversation()
    auth = {"Authorization": f"Bearer {token}"}
    await stack.http.post(
        f"/api/conversations/{cid}/messages",
        json={"text": "This is awful, the worst service ever, I hate it"},
        headers=auth,
    )

    stack.add_user("sam", PASSWORD, role="supervisor")
    page = await pages()
    await sign_in(page, stack, "sam")
    await page.click("a[href='/console/supervisor']")
    await expect(page).to_have_url(stack.url + "/console/supervisor")

    await expect(page.locator("#open-total")).not_to_have_text("0")
    await expect(page.locator("#negative")).to_contain_text("worst service ever")
    await expect(page.locator("#agents")).to_contain_text("(demo)")
    conversations = page.locator('.tile[data-key="conversations"] .tile-value')
    assert int(await conversations.inner_text()) >= report.conversations
    assert await page.locator("#chart-trend circle.point").count() >= 2  # several days
    assert await page.locator("#chart-reasons rect.bar").count() >= 1
    await shot(page, "1-dashboard")
    await page.locator("#chart-trend").scroll_into_view_if_needed()
    await shot(page, "1-charts")
    await page.evaluate("window.scrollTo(0, 0)")

    # the live panel follows the desk without a reload
    before = int(await page.locator("#open-bot").inner_text())
    for _ in range(2):
        other, other_token = await stack.new_conversation()
        await stack.http.post(
            f"/api/conversations/{other}/messages",
            json={"text": "where is my order 12345"},
            headers={"Authorization": f"Bearer {other_token}"},
        )
    await expect(page.locator("#open-bot")).to_have_text(str(before + 2), timeout=20_000)
    await shot(page, "2-live-updated")

    # filters and CSV export
    await page.select_option("select[name=channel]", "web")
    await page.click(".filters button[type=submit]")
    await expect(page).to_have_url(stack.url + "/console/supervisor?" + page.url.split("?", 1)[1])
    assert "channel=web" in page.url
    href = await page.locator(".exports a", has_text="day").get_attribute("href")
    assert href is not None and "channel=web" in href
    response = await page.request.get(stack.url + href)
    assert response.ok
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert rows[-1]["day"] == "total" and int(rows[-1]["conversations"]) >= report.conversations
    await shot(page, "3-filtered")


async def test_customer_answers_the_survey_in_the_widget(
    stack: Stack, pages: NewPage, shot: Shot
) -> None:
    customer = await pages()
    await customer.goto(stack.url + "/")
    await customer.click("#baton-launcher")
    bot = customer.locator('#baton-root .baton-msg[data-sender="bot"]')
    await customer.fill("#baton-input", "where is my order 12345")
    await customer.press("#baton-input", "Enter")
    await expect(bot).not_to_have_count(0, timeout=30_000)
    await customer.fill("#baton-input", "thanks, bye")
    await customer.press("#baton-input", "Enter")
    await expect(customer.locator("#baton-root")).to_contain_text(
        "how would you rate", timeout=30_000
    )
    await customer.locator(".baton-chip", has_text="4").last.click()
    await expect(customer.locator("#baton-root")).to_contain_text("how easy", timeout=15_000)
    await customer.locator(".baton-chip", has_text="5").last.click()
    await expect(customer.locator("#baton-root")).to_contain_text(
        "Thank you for your feedback!", timeout=15_000
    )
    await shot(customer, "survey-answered")

    stack.add_user("rita", PASSWORD, role="supervisor")
    page = await pages()
    await sign_in(page, stack, "rita")
    await page.goto(stack.url + "/console/supervisor")
    await expect(page.locator('.tile[data-key="csat"] .tile-hint')).not_to_contain_text(
        " 0 answers"
    )


async def test_an_agent_is_refused_the_dashboard(stack: Stack, pages: NewPage, shot: Shot) -> None:
    stack.add_user("ali", PASSWORD)
    page = await pages()
    await sign_in(page, stack, "ali")
    assert await page.locator("a[href='/console/supervisor']").count() == 0
    response = await page.goto(stack.url + "/console/supervisor")
    assert response is not None and response.status == 403
    await expect(page.locator("main")).to_contain_text("for supervisors")
    await shot(page, "agent-refused")

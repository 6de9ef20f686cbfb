"""In headless Chromium: a customer on the demo shop page chats with the bot through the
widget, and what the customer types is only ever shown as text."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser.conftest import Shot
from tests.stack import Stack

pytestmark = [pytest.mark.slow, pytest.mark.browser]

XSS = '<img src=x onerror="window.__xss=1">'


def customer_bubbles(page: Page) -> Locator:
    return page.locator('#baton-messages .baton-msg[data-sender="customer"]')


def bot_answers(page: Page) -> Locator:
    """The bot's bubbles from the server (the greeting is the widget's own, data-local)."""
    return page.locator('#baton-messages .baton-msg[data-sender="bot"]:not([data-local])')


async def open_chat(page: Page, stack: Stack) -> None:
    await page.goto(stack.url + "/")
    await page.locator("#baton-launcher").click()
    await expect(page.locator("#baton-panel")).to_be_visible()
    await expect(page.locator("#baton-launcher")).to_have_attribute("aria-expanded", "true")
    await expect(page.locator("#baton-panel")).to_have_attribute("data-state", "ready")


async def type_and_send(page: Page, text: str) -> None:
    await page.locator("#baton-input").fill(text)
    await page.locator("#baton-input").press("Enter")
    await expect(page.locator("#baton-input")).to_have_value("")


async def test_customer_asks_where_their_order_is_and_the_bot_answers_in_the_widget(
    stack: Stack, page: Page, shot: Shot
) -> None:
    await open_chat(page, stack)
    await expect(page.locator("#baton-messages")).to_contain_text("I'm Volt")

    await type_and_send(page, "where is my order 12345")
    question = customer_bubbles(page).last
    await expect(question.locator(".baton-bubble")).to_have_text("where is my order 12345")
    await expect(question).to_have_attribute("data-status", "sent")  # the gateway stored it

    # the action server looked the order up in the demo orders
    answer = bot_answers(page).filter(has_text="Order 12345")
    await expect(answer.locator(".baton-bubble")).to_contain_text(
        "is on its way with DHL, tracking number JD014600003828", timeout=30_000
    )
    await expect(page.locator("#baton-panel .baton-typing")).to_be_hidden()
    await shot(page, "order-answered")


async def test_markup_typed_by_the_customer_is_shown_as_text_and_never_runs(
    stack: Stack, page: Page, shot: Shot
) -> None:
    await open_chat(page, stack)

    await type_and_send(page, XSS)
    sent = customer_bubbles(page).last
    await expect(sent.locator(".baton-bubble")).to_have_text(XSS)
    await expect(sent).to_have_attribute("data-status", "sent")
    await expect(page.locator("#baton-root img")).to_have_count(0)
    assert await page.evaluate("typeof window.__xss") == "undefined"

    # after a reload the bubble is drawn from the history the server sends back
    await page.reload()
    await expect(page.locator("#baton-panel")).to_have_attribute("data-state", "ready")
    stored = customer_bubbles(page).filter(has_text=XSS)
    await expect(stored.locator(".baton-bubble")).to_have_text(XSS)
    await expect(stored).to_have_attribute("data-id", re.compile(r"\S"))
    await expect(page.locator("#baton-root img")).to_have_count(0)
    assert await page.evaluate("typeof window.__xss") == "undefined"
    await shot(page, "markup-as-text")

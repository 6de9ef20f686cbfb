"""In headless Chromium: a customer on the demo page chats with the bot through the widget,
which looks as the assistant's baton.yml says, and what the customer types is only ever
shown as text."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Locator, Page, expect

from baton.contract import CONTRACT_FILE, read_contract
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


async def test_the_widget_has_the_title_colour_and_greeting_of_the_assistants_baton_yml(
    stack: Stack, page: Page, shot: Shot
) -> None:
    brand = read_contract(stack.project / CONTRACT_FILE).brand
    await open_chat(page, stack)
    await expect(page.locator("#baton-panel .baton-title")).to_have_text(brand.title)
    await expect(page).to_have_title(re.compile(re.escape(brand.title)))  # the demo page too
    accent = await page.evaluate(
        "getComputedStyle(document.getElementById('baton-root'))"
        ".getPropertyValue('--bt-accent').trim()"
    )
    assert accent == brand.colour == "#0b6bcb"
    await expect(page.locator("#baton-panel .baton-header")).to_have_css(
        "background-color", "rgb(11, 107, 203)"
    )
    # the greeting opens the new conversation: the widget's own bubble, first in the log
    first = page.locator("#baton-messages .baton-msg").first
    await expect(first).to_have_attribute("data-local", "greeting")
    # the browser speaks English here: the greeting in English (baton.yml has one per language)
    await expect(first.locator(".baton-bubble")).to_have_text(brand.greeting_in("en"))
    await shot(page, "brand")

    # it is never stored: once the conversation has messages, a reload draws only those
    await type_and_send(page, "hi")
    await expect(customer_bubbles(page).last).to_have_attribute("data-status", "sent")
    await expect(bot_answers(page)).not_to_have_count(0, timeout=30_000)
    await page.reload()
    await expect(page.locator("#baton-panel")).to_have_attribute("data-state", "ready")
    await expect(customer_bubbles(page).filter(has_text="hi")).to_have_count(1)
    await expect(page.locator('#baton-messages [data-local="greeting"]')).to_have_count(0)


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

"""In headless Chromium: a customer chats in the widget and asks for a person; an agent signs
in to the console, accepts, sees what the bot learned, sends an AI suggestion, and the
customer's widget shows it. Customer text never runs as HTML in the console."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import NewPage, Shot
from tests.stack import Stack

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PASSWORD = "correct horse battery"
XSS = '<img src=x onerror="window.__xss=1">'


async def say(page: Page, text: str) -> None:
    """Type into the widget and wait for the bot's answer (a new bot bubble)."""
    bot = page.locator('#baton-root .baton-msg[data-sender="bot"]')
    before = await bot.count()
    await page.fill("#baton-input", text)
    await page.press("#baton-input", "Enter")
    await expect(bot).not_to_have_count(before, timeout=30_000)
    await page.wait_for_timeout(300)  # the rest of a multi-part answer


async def test_customer_to_agent_and_back_through_the_console(
    stack: Stack, pages: NewPage, shot: Shot
) -> None:
    stack.add_user("dana", PASSWORD)
    customer = await pages()
    agent = await pages()

    await customer.goto(stack.url + "/")
    await customer.click("#baton-launcher")
    await say(customer, "I want to talk to a human")
    await say(customer, "Maria Lopez")
    await say(customer, "maria.lopez@example.com")
    await say(customer, "I don't have one")
    await expect(customer.locator("#baton-root")).to_contain_text("in line", timeout=15_000)
    await shot(customer, "1-customer-queued")

    await agent.goto(stack.url + "/console")
    await expect(agent).to_have_url(stack.url + "/console/login")
    await agent.fill("input[name=user_id]", "dana")
    await agent.fill("input[name=password]", PASSWORD)
    await agent.click("button[type=submit]")
    await expect(agent.locator(".connection")).to_have_text("Live")
    item = agent.locator(".queue-item").first
    await expect(item).to_contain_text("customer request")
    await shot(agent, "2-agent-queue")
    await item.locator("button.accept").click()

    conversation = agent.locator(".conversation:not([hidden])")
    await expect(conversation.locator(".transcript")).to_contain_text("I want to talk to a human")
    await expect(conversation.locator(".msg.bot").first).to_be_visible()
    await expect(conversation.locator("input[name=name]")).to_have_value("Maria Lopez")
    await expect(conversation.locator("input[name=email]")).to_have_value("maria.lopez@example.com")
    await expect(conversation.locator(".handoff")).to_contain_text("customer request")
    await expect(customer.locator("#baton-root")).to_contain_text("Dana", timeout=15_000)

    # the AI keeps listening: the customer's question brings a help-centre suggestion
    await customer.fill("#baton-input", "How do I return a product I bought?")
    await customer.press("#baton-input", "Enter")
    suggestion = conversation.locator(".suggestion.knowledge")
    await expect(suggestion).to_be_visible(timeout=30_000)
    intent = conversation.locator(".msg.customer").last.locator(".intent")
    await expect(intent).to_be_visible()
    await shot(agent, "3-agent-suggestion")
    await suggestion.locator("button.insert").click()
    reply = conversation.locator("textarea.reply")
    await expect(reply).to_have_value(await suggestion.locator(".suggestion-text").inner_text())
    await conversation.locator("button.send").click()
    await expect(reply).to_have_value("")

    agent_bubble = customer.locator('#baton-root .baton-msg[data-sender="agent"]').last
    await expect(agent_bubble).to_contain_text("help centre", timeout=15_000)
    await shot(customer, "4-customer-gets-the-reply")

    # customer text is text: the payload shows literally and never runs
    await customer.fill("#baton-input", XSS)
    await customer.press("#baton-input", "Enter")
    await expect(conversation.locator(".msg.customer").last.locator(".msg-text")).to_have_text(XSS)
    assert await conversation.locator(".transcript img").count() == 0
    assert await agent.evaluate("window.__xss") is None
    assert await customer.evaluate("window.__xss") is None
    await shot(agent, "5-agent-xss-as-text")

    await conversation.locator(".resolve-form textarea").fill("Explained the returns policy.")
    await conversation.locator(".resolve-form button[type=submit]").click()
    await expect(conversation.locator(".closed-banner")).to_contain_text("Resolved")

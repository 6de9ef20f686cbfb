"""In headless Chromium: a web chat customer moves the conversation to Telegram with the
widget's "Continue on Telegram" link, asks for a person there, and the agent's console
shows one conversation whose messages are marked with their channel. Telegram is the
local fake Bot API; the test posts updates to the gateway's webhook as Telegram would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import async_sessionmaker

from agent_console.auth import Role, Users
from handoff.agents import AgentDirectory
from handoff.database import create_engine
from tests.browser.conftest import NewPage, Shot
from tests.connectors.telegram.conftest import SECRET, TOKEN, text_update
from tests.fakes.telegram import FakeTelegram, create_fake_telegram
from tests.services import serve
from tests.stack import Stack, running_stack

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PASSWORD = "correct horse battery"
CHAT = 626262


@pytest.fixture(scope="module")
async def telegram_stack(
    chromium: object, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Stack, FakeTelegram]]:
    app, fake = create_fake_telegram(TOKEN)
    async with serve(app) as url:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("BATON_TELEGRAM_BOT_TOKEN", TOKEN)
            env.setenv("BATON_TELEGRAM_WEBHOOK_SECRET", SECRET)
            env.setenv("BATON_TELEGRAM_API_URL", url)
            async with running_stack(tmp_path_factory.mktemp("channels-stack")) as stack:
                yield stack, fake


async def add_agent_user(stack: Stack, user_id: str) -> None:
    engine = create_engine(stack.database_url)
    try:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        await AgentDirectory(sessions).add(user_id, user_id.title(), ["general", "orders"], 3)
        await Users(sessions).add(user_id, user_id.title(), Role.AGENT, PASSWORD)
    finally:
        await engine.dispose()


# the shop embeds the widget with the Telegram offer turned on: whatever config the demo
# page assigns gets ``telegram: true`` (served unchanged, so the page stays local to Chromium)
TELEGRAM_OFFER = """
let config;
Object.defineProperty(window, "BatonChat", {
  configurable: true,
  get() { return config; },
  set(value) { config = Object.assign(value || {}, { telegram: true }); },
});
"""


async def telegram_says(stack: Stack, fake: FakeTelegram, text: str, expect_text: str) -> None:
    before = len(fake.sent(CHAT))
    response = await stack.http.post(
        "/telegram/webhook",
        json=text_update(text, chat_id=CHAT),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == 200
    await fake.wait_for(
        lambda sent: any(expect_text in m["text"].lower()
                         for m in [m for m in sent if m["chat_id"] == CHAT][before:]),
        within=60,
    )  # fmt: skip


async def say(page: Page, text: str) -> None:
    bot = page.locator('#baton-root .baton-msg[data-sender="bot"]')
    before = await bot.count()
    await page.fill("#baton-input", text)
    await page.press("#baton-input", "Enter")
    await expect(bot).not_to_have_count(before, timeout=30_000)


async def test_a_web_chat_continued_on_telegram_is_one_conversation_with_channel_markers(
    telegram_stack: tuple[Stack, FakeTelegram], pages: NewPage, shot: Shot
) -> None:
    stack, fake = telegram_stack
    await add_agent_user(stack, "dana")
    customer = await pages()
    await customer.add_init_script(TELEGRAM_OFFER)
    await customer.goto(stack.url + "/")
    await customer.click("#baton-launcher")
    await say(customer, "where is my order 12345")

    await customer.click("#baton-root .baton-handover")
    offer = customer.locator("#baton-root .baton-system a[href^='https://t.me/']")
    await expect(offer).to_be_visible(timeout=15_000)
    await shot(customer, "1-continue-on-telegram")
    code = parse_qs(urlparse(await offer.get_attribute("href") or "").query)["start"][0]

    # the customer opens the link: Telegram sends /start <code> from their chat
    await telegram_says(stack, fake, f"/start {code}", "continuing the same conversation")
    await telegram_says(stack, fake, "I want to talk to a person", "name")
    await telegram_says(stack, fake, "Sam Carter", "email")
    await telegram_says(stack, fake, "sam.carter@example.com", "in line")

    agent = await pages()
    await agent.goto(stack.url + "/console")
    await agent.fill("input[name=user_id]", "dana")
    await agent.fill("input[name=password]", PASSWORD)
    await agent.click("button[type=submit]")
    await expect(agent.locator(".connection")).to_have_text("Live")
    await agent.locator(".queue-item").first.locator("button.accept").click()
    conversation = agent.locator(".conversation:not([hidden])")
    transcript = conversation.locator(".transcript")
    await expect(transcript).to_contain_text("where is my order 12345")
    first = conversation.locator(".msg.customer").first
    await expect(first.locator(".channel-marker")).to_have_text("web chat")
    last = conversation.locator(".msg.customer").last
    await expect(last.locator(".channel-marker")).to_have_text("Telegram")
    await expect(conversation.locator(".conv-meta")).to_contain_text("Telegram")
    await shot(agent, "2-console-channel-markers")

    await conversation.locator("textarea.reply").fill("Hi Sam, Dana here.")
    await conversation.locator("button.send").click()
    await fake.wait_for(lambda s: any("Dana here" in m["text"] for m in s), within=30)
    assert fake.sent(CHAT)[-1]["text"] == "Dana (Voltify support): Hi Sam, Dana here."

    # and back: /web on Telegram gives a link that opens the same conversation in a browser
    await telegram_says(stack, fake, "/web", "baton_continue=")
    link = next(word for word in fake.sent(CHAT)[-1]["text"].split() if "baton_continue=" in word)
    assert link.startswith(stack.url + "/?baton_continue=")
    laptop = await pages()
    await laptop.goto(link)
    widget = laptop.locator("#baton-root")
    await expect(widget.locator("#baton-panel")).to_be_visible(timeout=15_000)
    await expect(widget).to_contain_text("where is my order 12345", timeout=15_000)
    await expect(widget).to_contain_text("Hi Sam, Dana here.")
    assert "baton_continue" not in laptop.url  # the used code leaves the address bar
    await shot(laptop, "3-back-on-the-web")

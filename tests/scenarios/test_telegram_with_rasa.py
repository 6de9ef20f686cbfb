"""Telegram with the real bot: the gateway of the real stack is pointed at a local fake
Bot API; the test posts updates to its webhook as Telegram would and reads what the
python-telegram-bot client sent back through the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.connectors.channels import add_agent, claim, linked_conversation
from tests.connectors.telegram.conftest import SECRET, TOKEN, text_update
from tests.fakes.telegram import FakeTelegram, create_fake_telegram
from tests.scenarios.conftest import Stack
from tests.services import serve
from tests.stack import running_stack

pytestmark = pytest.mark.slow

CHAT = 515151


@pytest.fixture(scope="module")
async def telegram_stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Stack, FakeTelegram]]:
    app, fake = create_fake_telegram(TOKEN)
    async with serve(app) as url:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("BATON_TELEGRAM_BOT_TOKEN", TOKEN)
            env.setenv("BATON_TELEGRAM_WEBHOOK_SECRET", SECRET)
            env.setenv("BATON_TELEGRAM_API_URL", url)
            async with running_stack(tmp_path_factory.mktemp("telegram-stack")) as stack:
                yield stack, fake


async def say(stack: Stack, fake: FakeTelegram, text: str, expect: str) -> list[str]:
    """Send a message from the customer's chat; the texts that arrived until one contains
    ``expect`` (case-insensitive)."""
    before = len(fake.sent(CHAT))
    response = await stack.http.post(
        "/telegram/webhook",
        json=text_update(text, chat_id=CHAT),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == 200, response.text

    def arrived(sent: list[dict[str, Any]]) -> bool:
        mine = [m["text"] for m in sent if m["chat_id"] == CHAT][before:]
        return any(expect.lower() in t.lower() for t in mine)

    await fake.wait_for(arrived, within=60)
    return [m["text"] for m in fake.sent(CHAT)][before:]


async def test_the_bot_answers_and_an_agent_takes_over_on_telegram(
    telegram_stack: tuple[Stack, FakeTelegram],
) -> None:
    stack, fake = telegram_stack
    status = await say(stack, fake, "where is my order 12345", "12345")
    assert any("12345" in t for t in status)

    assert any(
        "name" in t.lower() for t in await say(stack, fake, "I want to talk to a person", "name")
    )
    await say(stack, fake, "Sam Carter", "email")
    queued = await say(stack, fake, "sam.carter@example.com", "in line")
    assert not any("order number" in t.lower() for t in queued)  # it was known already

    agent = await add_agent(stack.database_url, "maria")
    cid = await linked_conversation(stack.database_url, "telegram", str(CHAT))
    await claim(stack.http, cid, agent)
    reply = await stack.http.post(
        f"/api/handoff/conversations/{cid}/messages",
        json={"text": "Hi Sam, Maria here. Let me look at order 12345."},
        headers=agent,
    )
    assert reply.status_code == 200, reply.text
    await fake.wait_for(lambda s: any("Maria here" in m["text"] for m in s), within=30)
    last = fake.sent(CHAT)[-1]["text"]
    assert last == "Maria (Voltify support): Hi Sam, Maria here. Let me look at order 12345."

    detail = await stack.http.get(f"/api/handoff/conversations/{cid}", headers=agent)
    packet = detail.json()["packet"]
    assert packet["identity"]["email"] == "sam.carter@example.com"
    assert packet["channel"] == "telegram"
    assert {m["channel"] for m in detail.json()["transcript"]} == {"telegram"}

"""`baton telegram set-webhook` and `baton telegram poll` against the fake Bot API."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from connectors.telegram.commands import CommandFailed, poll, set_webhook
from tests.connectors.telegram.conftest import (
    SECRET,
    telegram_gateway,
    telegram_settings,
    text_update,
)
from tests.fakes.telegram import create_fake_telegram
from tests.services import serve


async def test_set_webhook_registers_the_url_the_secret_and_the_served_update_types() -> None:
    app, fake = create_fake_telegram("123456:TEST-token-for-the-fake")
    said: list[str] = []
    async with serve(app) as url:
        await set_webhook(telegram_settings(url), said.append)
    assert fake.webhook["url"] == "https://baton.example/telegram/webhook"
    assert fake.webhook["secret_token"] == SECRET
    assert fake.webhook["allowed_updates"] == ["message", "callback_query"]
    assert said[0] == "==> @VoltifyBot posts updates to https://baton.example/telegram/webhook"


async def test_set_webhook_without_a_public_url_says_what_to_set() -> None:
    with pytest.raises(CommandFailed, match="BATON_TELEGRAM_WEBHOOK_URL"):
        await set_webhook(telegram_settings("http://127.0.0.1:9", webhook_url=None))


async def test_polling_hands_updates_to_the_gateway_and_confirms_them(tmp_path: Path) -> None:
    async with telegram_gateway(tmp_path) as tg:
        tg.fake.updates.extend([text_update("hi"), text_update("where is my order 12345")])
        stop = asyncio.Event()
        polling = asyncio.create_task(
            poll(telegram_settings(tg.api_url), tg.gateway.url, lambda _: None, stop)
        )
        try:
            await tg.fake.wait_for(lambda s: len(s) >= 2)
        finally:
            stop.set()
            await asyncio.wait_for(polling, timeout=30)
        assert [t for _, t in tg.gateway.rasa.state.received] == ["hi", "where is my order 12345"]
        # the webhook was removed first (getUpdates refuses to work beside one), and the
        # next getUpdates confirmed both updates with its offset
        methods = [c.method for c in tg.fake.calls]
        assert methods.index("deleteWebhook") < methods.index("getUpdates")
        assert tg.fake.updates == []

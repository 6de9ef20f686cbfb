"""A real gateway (fake Rasa, SQLite) with its Telegram channel pointed at a fake Bot API."""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.settings import TelegramSettings
from tests.connectors.channels import linked_conversation
from tests.fakes.telegram import FakeTelegram, create_fake_telegram
from tests.harness import RunningGateway, running_gateway
from tests.services import serve

TOKEN = "123456:TEST-token-for-the-fake"
SECRET = "webhook-secret_1"
CHAT = 424242

_update_ids = itertools.count(1)


def text_update(text: str, chat_id: int = CHAT, update_id: int | None = None) -> dict[str, Any]:
    update_id = next(_update_ids) if update_id is None else update_id
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id + 10_000,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Sam"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Sam"},
            "text": text,
        },
    }


def callback_update(data: str, chat_id: int = CHAT) -> dict[str, Any]:
    update_id = next(_update_ids)
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Sam"},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": "earlier bot message",
            },
        },
    }


@dataclass
class TelegramSetup:
    gateway: RunningGateway
    fake: FakeTelegram
    api_url: str

    async def post(
        self, body: dict[str, Any] | bytes, secret: str | None = SECRET
    ) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return await self.gateway.http.post("/telegram/webhook", content=content, headers=headers)

    async def conversation_of(self, chat_id: int = CHAT) -> str:
        """The conversation the gateway keeps for a chat (waits until there is one)."""
        return await linked_conversation(
            self.gateway.settings.database_url, "telegram", str(chat_id)
        )


def telegram_settings(api_url: str, **overrides: Any) -> TelegramSettings:
    values: dict[str, Any] = {
        "bot_token": SecretStr(TOKEN),
        "webhook_secret": SecretStr(SECRET),
        "api_url": api_url,
        "webhook_url": "https://baton.example/telegram/webhook",
    }
    return TelegramSettings(**(values | overrides))


@contextlib.asynccontextmanager
async def telegram_gateway(
    tmp_path: Path, api_url: str | None = None, **overrides: Any
) -> AsyncIterator[TelegramSetup]:
    app, fake = create_fake_telegram(TOKEN)
    async with serve(app) as url:
        settings = telegram_settings(api_url or url)
        async with running_gateway(tmp_path, telegram=settings, **overrides) as gateway:
            yield TelegramSetup(gateway, fake, url)


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[TelegramSetup]:
    async with telegram_gateway(tmp_path) as setup:
        yield setup

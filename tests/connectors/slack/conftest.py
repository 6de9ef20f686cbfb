"""A real gateway (fake Rasa, SQLite) with its Slack app pointed at a fake Web API; the
tests sign their requests as Slack does."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from pydantic import SecretStr

from connectors.settings import SlackSettings
from tests.connectors.channels import linked_conversation
from tests.fakes.slack import TEAM, FakeSlack, create_fake_slack, signed_headers
from tests.harness import RunningGateway, running_gateway
from tests.services import serve

BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@dataclass
class SlackSetup:
    gateway: RunningGateway
    fake: FakeSlack

    async def post(
        self,
        body: dict[str, Any] | bytes,
        *,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = signed_headers(secret, raw, timestamp) if signed else {
            "Content-Type": "application/json"}  # fmt: skip
        return await self.gateway.http.post(
            "/slack/events", content=raw, headers=sent | (headers or {})
        )

    async def click(self, payload: dict[str, Any]) -> httpx.Response:
        """An interactivity request: form-encoded ``payload=<json>``, signed."""
        raw = urlencode({"payload": json.dumps(payload)}).encode()
        headers = signed_headers(SIGNING_SECRET, raw)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return await self.gateway.http.post("/slack/events", content=raw, headers=headers)

    async def conversation_of(self, channel: str, thread_ts: str | None = None) -> str:
        address = ":".join([TEAM, channel] + ([thread_ts] if thread_ts else []))
        return await linked_conversation(self.gateway.settings.database_url, "slack", address)


def slack_settings(api_url: str) -> SlackSettings:
    return SlackSettings(
        bot_token=SecretStr(BOT_TOKEN), signing_secret=SecretStr(SIGNING_SECRET), api_url=api_url
    )


@contextlib.asynccontextmanager
async def slack_gateway(tmp_path: Path, **overrides: Any) -> AsyncIterator[SlackSetup]:
    app, fake = create_fake_slack(BOT_TOKEN)
    async with serve(app) as url:
        settings = slack_settings(f"{url}/api/")
        async with running_gateway(tmp_path, slack=settings, **overrides) as gateway:
            yield SlackSetup(gateway, fake)


@pytest.fixture
async def sl(tmp_path: Path) -> AsyncIterator[SlackSetup]:
    async with slack_gateway(tmp_path) as setup:
        yield setup


def old_timestamp() -> int:
    return int(time.time()) - 6 * 60

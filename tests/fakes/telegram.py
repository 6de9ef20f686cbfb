"""A local stand-in for the Telegram Bot API (https://core.telegram.org/bots/api), for the
real python-telegram-bot client: ``Bot(token, base_url=f"{url}/bot")``.

It records every call, answers as Telegram does (``{"ok": true, "result": …}``), keeps
updates for ``getUpdates``, and fails on request: ``fail(method, times, status, …)``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

BOT = {"id": 7000001, "is_bot": True, "first_name": "Volt", "username": "VoltifyBot"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Failure:
    times: int
    status: int
    description: str
    retry_after: int | None = None


@dataclass
class FakeTelegram:
    token: str
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def fail(
        self, method: str, times: int = 1, status: int = 429, description: str = "Too Many "
        "Requests: retry after 1", retry_after: int | None = 1,
    ) -> None:  # fmt: skip
        self.failures[method] = Failure(times, status, description, retry_after)

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """sendMessage calls that succeeded (to one chat if given), oldest first."""
        return [
            c.params
            for c in self.calls
            if c.method == "sendMessage"
            and c.params.get("ok")
            and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]

    async def wait_for(self, predicate: Any, within: float = 20.0) -> list[dict[str, Any]]:
        """Wait until ``predicate(sent messages)`` is true; returns the sent messages."""
        deadline = time.monotonic() + within
        while True:
            sent = self.sent()
            if predicate(sent):
                return sent
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"fake Telegram: condition not met; sent: {sent}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 0.5))
            except TimeoutError:
                pass

    def _answer(self, method: str, params: dict[str, Any]) -> JSONResponse:
        failure = self.failures.get(method)
        if failure is not None and failure.times > 0:
            failure.times -= 1
            self.calls.append(Call(method, params | {"ok": False}))
            body: dict[str, Any] = {
                "ok": False, "error_code": failure.status, "description": failure.description
            }  # fmt: skip
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return JSONResponse(body, status_code=failure.status)
        self.calls.append(Call(method, params | {"ok": True}))
        self._changed.set()
        return JSONResponse({"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT
        if method == "sendMessage":
            text = params.get("text")
            if not text or len(str(text).encode("utf-16-le")) // 2 > 4096:
                raise ValueError("the fake only accepts what Telegram accepts")
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": params["chat_id"], "type": "private"},
                "from": BOT,
                "text": text,
            }
        if method == "setWebhook":
            self.webhook = params
            return True
        if method == "deleteWebhook":
            self.webhook = {}
            return True
        if method == "getWebhookInfo":
            return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": 0}  # fmt: skip
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            return self.updates[: int(params.get("limit") or 100)]
        return True  # sendChatAction, answerCallbackQuery


def _decode(params: dict[str, Any]) -> dict[str, Any]:
    """python-telegram-bot posts form fields whose non-string values are JSON."""
    decoded: dict[str, Any] = {}
    for key, value in params.items():
        if key in ("text", "url", "secret_token", "callback_query_id", "action"):
            decoded[key] = value
            continue
        try:
            decoded[key] = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            decoded[key] = value
    return decoded


def create_fake_telegram(token: str) -> tuple[FastAPI, FakeTelegram]:
    app = FastAPI()
    fake = FakeTelegram(token)

    @app.post("/bot{bot_token}/{method}")
    async def call(bot_token: str, method: str, request: Request) -> JSONResponse:
        if bot_token != fake.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401
            )
        if request.headers.get("content-type", "").startswith("application/json"):
            params = await request.json()
        else:
            form = parse_qs((await request.body()).decode(), keep_blank_values=True)
            params = _decode({k: v[-1] for k, v in form.items()})
        if method == "getUpdates" and not fake.updates:
            await asyncio.sleep(0.2)  # a long poll with nothing new: Telegram waits too
        return fake._answer(method, params)

    return app, fake

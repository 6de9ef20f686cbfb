"""A local stand-in for the Slack Web API (https://api.slack.com/web), for the real
slack_sdk ``AsyncWebClient(base_url=f"{url}/api/")``, and the signing of Events API
requests as Slack does it (v0 HMAC-SHA256 over ``v0:<timestamp>:<body>``)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from slack_sdk.signature import SignatureVerifier

TEAM = "T0VOLT"
BOT_USER = "U0BOT"
BOT_ID = "B0BOT"


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with a request: its timestamp and signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    if signature is None:
        raise ValueError("nothing to sign")
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": "application/json",
    }


_event_ids = itertools.count(1)


def message_event(
    text: str, *, channel: str = "D0CUSTOMER", user: str = "U0CUSTOMER", ts: str | None = None,
    thread_ts: str | None = None, kind: str = "message", channel_type: str = "im",
    event_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """An Events API envelope with one message (or app_mention) event."""
    event: dict[str, Any] = {
        "type": kind,
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts or f"{time.time():.6f}",
        "team": TEAM,
    }
    if kind == "message":
        event["channel_type"] = channel_type
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return {
        "token": "unused",
        "team_id": TEAM,
        "api_app_id": "A0BATON",
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):08d}",
        "event_time": int(time.time()),
        "event": event,
    }


@dataclass
class Failure:
    times: int
    status: int
    error: str
    retry_after: int | None


@dataclass
class FakeSlack:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: dict[str, Failure] = field(default_factory=dict)
    # Socket Mode: envelopes to push to the connected app, and the envelope ids it acked
    envelopes: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    acks: list[str] = field(default_factory=list)
    # users.info's `locale` per user id (include_locale=true); absent users have none
    locales: dict[str, str] = field(default_factory=dict)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def fail(
        self, method: str, times: int = 1, status: int = 429, error: str = "ratelimited",
        retry_after: int | None = 1,
    ) -> None:  # fmt: skip
        self.failures[method] = Failure(times, status, error, retry_after)

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [
            args
            for method, args in self.calls
            if method == "chat.postMessage" and args.get("_ok")
            and (channel is None or args.get("channel") == channel)
        ]  # fmt: skip

    async def wait_for(self, predicate: Any, within: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within
        while True:
            posted = self.posted()
            if predicate(posted):
                return posted
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"fake Slack: condition not met; posted: {posted}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 0.5))
            except TimeoutError:
                pass


def create_fake_slack(token: str, app_token: str = "xapp-test") -> tuple[FastAPI, FakeSlack]:
    app = FastAPI()
    fake = FakeSlack()

    @app.websocket("/socket")
    async def socket(websocket: WebSocket) -> None:
        """Socket Mode as Slack runs it: hello, then envelopes; the app acks each."""
        await websocket.accept()
        await websocket.send_json({"type": "hello", "num_connections": 1})

        async def acks() -> None:
            while True:
                fake.acks.append(json.loads(await websocket.receive_text())["envelope_id"])
                fake._changed.set()

        reading = asyncio.create_task(acks())
        try:
            while True:
                # the next envelope, unless the app hangs up first (it closes on shutdown)
                nxt = asyncio.ensure_future(fake.envelopes.get())
                await asyncio.wait({nxt, reading}, return_when=asyncio.FIRST_COMPLETED)
                if not nxt.done():
                    nxt.cancel()
                    return
                await websocket.send_json(nxt.result())
        except WebSocketDisconnect:
            pass
        finally:
            reading.cancel()

    @app.post("/api/{method}")
    async def call(method: str, request: Request) -> JSONResponse:
        if method == "apps.connections.open":
            if request.headers.get("authorization") != f"Bearer {app_token}":
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            url = str(request.base_url).replace("http://", "ws://").rstrip("/") + "/socket"
            return JSONResponse({"ok": True, "url": url})
        if request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        if request.headers.get("content-type", "").startswith("application/json"):
            args = await request.json()
        else:
            form = parse_qs((await request.body()).decode(), keep_blank_values=True)
            args = {k: v[-1] for k, v in form.items()}
            for key in ("blocks",):
                if isinstance(args.get(key), str):
                    args[key] = json.loads(args[key])
        failure = fake.failures.get(method)
        if failure is not None and failure.times > 0:
            failure.times -= 1
            fake.calls.append((method, args | {"_ok": False}))
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            return JSONResponse(
                {"ok": False, "error": failure.error}, status_code=failure.status, headers=headers
            )
        fake.calls.append((method, args | {"_ok": True}))
        fake._changed.set()
        if method == "auth.test":
            return JSONResponse({"ok": True, "url": "https://voltify.slack.com/", "team": "Voltify",
                                 "user": "volt", "team_id": TEAM, "user_id": BOT_USER,
                                 "bot_id": BOT_ID})  # fmt: skip
        if method == "users.info":
            user = str(args.get("user"))
            profile: dict[str, Any] = {"id": user}
            if user in fake.locales and str(args.get("include_locale")).lower() in ("1", "true"):
                profile["locale"] = fake.locales[user]
            return JSONResponse({"ok": True, "user": profile})
        if method == "chat.postMessage":
            ts = f"1700000000.{next(fake._ts):06d}"
            return JSONResponse({"ok": True, "channel": args.get("channel"), "ts": ts,
                                 "message": {"text": args.get("text"), "ts": ts}})  # fmt: skip
        return JSONResponse({"ok": True})

    return app, fake

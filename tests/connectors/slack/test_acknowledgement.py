"""Slack is answered as soon as an event is stored: the bot's work happens afterwards, in
the background (Slack retries anything not answered within 3 seconds)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request

from tests.connectors.slack.conftest import slack_gateway
from tests.fakes.slack import message_event
from tests.services import serve


def held_rasa(release: asyncio.Event, asked: asyncio.Event) -> FastAPI:
    """A Rasa stand-in that answers only once the test releases it."""
    app = FastAPI()

    @app.get("/status")
    async def status() -> dict[str, str]:
        return {"model_file": "held.tar.gz"}

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request) -> list[dict[str, Any]]:
        body = await request.json()
        asked.set()
        await release.wait()
        return [{"recipient_id": body["sender"], "text": "Sorry to keep you waiting."}]

    @app.get("/conversations/{sender}/tracker")
    async def tracker(sender: str) -> dict[str, Any]:
        return {"sender_id": sender, "latest_message": {}}

    return app


async def test_the_event_is_acknowledged_before_the_bot_has_answered(tmp_path: Path) -> None:
    release, asked = asyncio.Event(), asyncio.Event()
    async with serve(held_rasa(release, asked)) as rasa_url:
        async with slack_gateway(tmp_path, rasa_url=rasa_url, rasa_timeout_seconds=60) as sl:
            response = await sl.post(message_event("hello?"))
            # answered while the bot is still working on it
            assert response.status_code == 200
            await asyncio.wait_for(asked.wait(), timeout=20)
            assert sl.fake.posted() == []
            release.set()
            posted = await sl.fake.wait_for(lambda p: len(p) >= 1)
    assert [p["text"] for p in posted] == ["Sorry to keep you waiting."]

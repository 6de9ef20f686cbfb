"""Socket Mode (development): the gateway connects to Slack instead of mounting a URL;
events arrive over the websocket, are acknowledged, and are answered through the Web API."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pydantic import SecretStr

from connectors.settings import SlackSettings
from tests.connectors.slack.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.fakes.slack import create_fake_slack, message_event
from tests.harness import running_gateway
from tests.services import serve


async def test_events_over_socket_mode_are_acked_and_answered(tmp_path: Path) -> None:
    app, fake = create_fake_slack(BOT_TOKEN, app_token="xapp-1-test")
    async with serve(app) as url:
        settings = SlackSettings(
            bot_token=SecretStr(BOT_TOKEN),
            signing_secret=SecretStr(SIGNING_SECRET),
            api_url=f"{url}/api/",
            app_token=SecretStr("xapp-1-test"),
            socket_mode=True,
        )
        async with running_gateway(tmp_path, slack=settings) as gateway:
            # no public endpoint in Socket Mode
            assert (await gateway.http.post("/slack/events", content=b"{}")).status_code == 404
            event = message_event("hi")
            envelope = {"envelope_id": "env-1", "type": "events_api",
                        "accepts_response_payload": False, "payload": event}  # fmt: skip
            await fake.envelopes.put(envelope)
            await fake.envelopes.put(envelope | {"envelope_id": "env-2", "retry_attempt": 1})
            posted = await fake.wait_for(lambda p: len(p) >= 1)
            for _ in range(100):
                if len(fake.acks) == 2:
                    break
                await asyncio.sleep(0.05)
    assert fake.acks == ["env-1", "env-2"]
    assert [p["text"] for p in posted] == ["Hi! How can I help?"]
    assert [t for _, t in gateway.rasa.state.received] == ["hi"]

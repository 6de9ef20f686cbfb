"""The Slack app: slack-bolt's AsyncApp with the Events API and interactivity on one URL.

Bolt verifies every request's signature over the raw body and refuses one older than
five minutes with 401 before any listener runs. Each listener only stores the payload in
the inbox (milliseconds) and returns, so Slack's 3-second acknowledgement is met
whatever Rasa or the database do next; the work runs in the background. A retry
(``X-Slack-Retry-Num``) of an event already stored is acknowledged and dropped there.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from starlette.datastructures import Headers

from connectors.base import clean_json
from connectors.errors import InvalidSignature
from connectors.slack.events import BUTTON_ACTION_PATTERN, CHANNEL
from gateway.errors import InvalidJson

log = logging.getLogger(__name__)

Receive = Callable[[str, str, dict[str, Any]], Awaitable[bool]]


def build_app(client: AsyncWebClient, signing_secret: str, receive: Receive) -> AsyncApp:
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        # listeners return within milliseconds (they only store the payload), so bolt may
        # answer after them: the acknowledgement then means "stored", never "maybe"
        process_before_response=True,
        logger=log,
    )

    async def store_event(body: dict[str, Any], request: AsyncBoltRequest) -> None:
        body = clean_json(body)  # lone surrogates stored as U+FFFD, as on every channel
        event_id = body.get("event_id")
        if not isinstance(event_id, str):
            log.warning("a Slack event without event_id was dropped")
            return
        retry = request.headers.get("x-slack-retry-num")
        new = await receive(CHANNEL, event_id, body)
        if not new:
            log.info("slack event %s (retry %s) already received", event_id, retry or "-")

    async def store_action(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        body = clean_json(body)
        trigger_id = body.get("trigger_id")
        if isinstance(trigger_id, str):
            await receive(CHANNEL, f"action:{trigger_id}", body)

    async def acknowledge(ack: AsyncAck) -> None:
        """Any other event Slack sends us: answered 200 so it is not retried, not served."""
        await ack()

    app.event("message")(store_event)
    app.event("app_mention")(store_event)
    app.action(BUTTON_ACTION_PATTERN)(store_action)
    app.event(re.compile(".*"))(acknowledge)
    return app


def check_request(verifier: SignatureVerifier, raw: bytes, headers: Headers) -> None:
    """Raise for a request bolt must not see; return to hand it over.

    Bolt verifies signatures too, but it parses the body first and fails on malformed
    JSON; checked here on the raw bytes, a forged request gets 401 whatever its body,
    and a signed one that is not JSON gets 400.
    """
    if not verifier.is_valid_request(raw, dict(headers)):
        raise InvalidSignature()
    if headers.get("content-type", "").startswith("application/json"):
        try:
            json.loads(raw)
        except (ValueError, RecursionError):
            raise InvalidJson() from None

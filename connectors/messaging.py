"""How the gateway takes in the messaging channels: routes when configured, and the
runtime started and stopped with the app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response

from gateway.bus import EventBus
from gateway.router import ConversationRouter
from gateway.settings import GatewaySettings
from handoff.store import ConversationStore

if TYPE_CHECKING:  # imported when a channel is set up (the gateway imports this module)
    from connectors.runtime import Channels


def install(app: FastAPI, settings: GatewaySettings) -> None:
    """Mount the webhooks of the configured channels (none: nothing is mounted)."""
    if settings.telegram.enabled:
        from connectors import switching
        from connectors.telegram import webhook

        app.include_router(webhook.create_router())
        app.include_router(switching.create_router())
    if settings.slack.enabled and not settings.slack.socket_mode:

        @app.post("/slack/events", include_in_schema=False)
        async def slack_events(request: Request) -> Response:
            from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler

            from connectors.errors import ChannelUnavailable
            from connectors.runtime import get_channels
            from connectors.slack.app import check_request

            channels = get_channels(request)
            if channels.slack_app is None or channels.slack_verifier is None:
                raise ChannelUnavailable()
            check_request(channels.slack_verifier, await request.body(), request.headers)
            return await AsyncSlackRequestHandler(channels.slack_app).handle(request)


@contextlib.asynccontextmanager
async def running(
    app: FastAPI,
    settings: GatewaySettings,
    store: ConversationStore,
    router: ConversationRouter,
    bus: EventBus,
    *,
    team: str = "Support",
    greet_intent: str | None = None,
) -> AsyncIterator[Channels | None]:
    """The channels' runtime for the app's lifetime (None when no channel is set up)."""
    if not (settings.telegram.enabled or settings.slack.enabled):
        yield None
        return
    from connectors.runtime import Channels

    web_chat_url = settings.telegram.web_chat_url or f"http://{settings.host}:{settings.port}/"
    channels = Channels(
        store,
        router,
        bus,
        telegram=settings.telegram,
        slack=settings.slack,
        web_chat_url=web_chat_url,
        team=team,
        greet_intent=greet_intent,
    )
    async with channels.running():
        app.state.channels = channels
        try:
            yield channels
        finally:
            app.state.channels = None

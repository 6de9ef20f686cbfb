"""Rasa's own channel protocols as Baton channels: a front end written for Rasa's ``rest``
or ``socketio`` channel talks to Baton unchanged, and gets handoff, agent replies and the
record like Baton's own widget. Both go through the connectors' intake (channels
``rasa_rest`` and ``rasa_socketio``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from connectors.rasa_channels.settings import RasaChannelSettings

if TYPE_CHECKING:  # gateway.settings imports this package for its settings class
    from fastapi import FastAPI

    from connectors.intake import Intake
    from connectors.rasa_channels.service import RasaChannels
    from gateway.bus import EventBus
    from gateway.settings import GatewaySettings
    from handoff.store import ConversationStore

__all__ = ["RasaChannelSettings", "install", "running"]


def install(app: FastAPI, settings: GatewaySettings) -> None:
    """Mount the REST webhook and the socket.io server, those that are enabled."""
    from connectors.rasa_channels import rest
    from connectors.rasa_channels.socket_io import SocketChannel

    own = settings.rasa_channels
    if own.rest_enabled:
        app.include_router(rest.create_router())
    if own.socketio_enabled:
        sockets = SocketChannel(app, own, settings.webchat_allowed_origins)
        app.state.rasa_sockets = sockets
        app.mount(own.socketio_path, sockets.asgi())


@contextlib.asynccontextmanager
async def running(
    app: FastAPI,
    settings: GatewaySettings,
    store: ConversationStore,
    intake: Intake,
    bus: EventBus,
) -> AsyncIterator[RasaChannels | None]:
    """The channels' runtime for the app's lifetime (None when both are turned off)."""
    own = settings.rasa_channels
    if not (own.rest_enabled or own.socketio_enabled):
        yield None
        return
    from connectors.rasa_channels.service import RasaChannels

    channels = RasaChannels(store, intake, bus)
    app.state.rasa_channels = channels
    try:
        yield channels
    finally:
        app.state.rasa_channels = None
        sockets = getattr(app.state, "rasa_sockets", None)
        if sockets is not None:
            await sockets.close()

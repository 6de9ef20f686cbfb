"""Web chat: the REST API, the websocket and the embeddable widget, served by the gateway."""

from __future__ import annotations

from fastapi import APIRouter

from connectors.webchat import api, socket, widget


def create_router() -> APIRouter:
    router = APIRouter()
    router.include_router(api.create_router())
    router.include_router(socket.create_router())
    router.include_router(widget.create_router())
    return router


__all__ = ["create_router"]

"""Web chat: the REST API, the websocket and the embeddable widget, served by the gateway."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from connectors.webchat import api, socket

STATIC = Path(__file__).resolve().parent / "static"


def create_router() -> APIRouter:
    router = APIRouter()
    router.include_router(api.create_router())
    router.include_router(socket.create_router())

    @router.get("/widget.js", include_in_schema=False)
    async def widget() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript")

    @router.get("/", include_in_schema=False)
    async def demo_page() -> FileResponse:
        return FileResponse(STATIC / "demo.html", media_type="text/html")

    return router


__all__ = ["create_router"]

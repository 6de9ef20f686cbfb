"""The embeddable widget: its script, the demo page, and its look from the assistant's baton.yml."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from gateway.services import ServicesDep

STATIC = Path(__file__).resolve().parent / "static"


class WidgetConfig(TypedDict):
    title: str  # the header's title (baton.yml's brand.title)
    colour: str  # the accent colour, #rgb or #rrggbb (brand.colour)
    greeting: str  # the widget's first, local bubble of a new conversation (brand.greeting)


def create_router() -> APIRouter:
    router = APIRouter()

    @router.get("/api/widget/config", tags=["web chat"])
    async def widget_config(services: ServicesDep) -> WidgetConfig:
        """How the widget presents the served assistant; options on the page override it."""
        brand = services.project.contract.brand
        return {"title": brand.title, "colour": brand.colour, "greeting": brand.greeting}

    @router.get("/widget.js", include_in_schema=False)
    async def widget() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript")

    @router.get("/", include_in_schema=False)
    async def demo_page() -> FileResponse:
        return FileResponse(STATIC / "demo.html", media_type="text/html")

    return router

"""The embeddable widget: its script, the demo page, and its look from the assistant's baton.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from gateway.services import ServicesDep
from handoff.language import served

STATIC = Path(__file__).resolve().parent / "static"


class WidgetConfig(TypedDict):
    title: str  # the header's title (baton.yml's brand.title)
    colour: str  # the accent colour, #rgb or #rrggbb (brand.colour)
    greeting: str  # the widget's first, local bubble of a new conversation (brand.greeting)
    language: str  # the language these texts are in: the one asked for if served, else the default
    languages: dict[str, str]  # the served languages, each named in itself (the widget's menu)
    texts: dict[str, str]  # the widget's own words in that language ({name}-style placeholders)


def create_router() -> APIRouter:
    router = APIRouter()

    @router.get("/api/widget/config", tags=["web chat"])
    async def widget_config(
        services: ServicesDep,
        language: Annotated[
            str | None,
            Query(
                max_length=35,
                description="The customer's language as a BCP 47 tag (the page's option, the "
                "conversation's language or navigator.language)",
            ),
        ] = None,
    ) -> WidgetConfig:
        """How the widget presents the served assistant, in the customer's language;
        options on the page override it."""
        project = services.project
        brand = project.contract.brand
        catalogue = project.catalogue
        spoken = catalogue.language(served(language, project.contract.languages))
        return {
            "title": brand.title,
            "colour": brand.colour,
            "greeting": brand.greeting_in(spoken),
            "language": spoken,
            "languages": catalogue.names(),
            "texts": catalogue.section("widget", spoken),
        }

    @router.get("/widget.js", include_in_schema=False)
    async def widget() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript")

    @router.get("/demo.js", include_in_schema=False)
    async def demo_script() -> FileResponse:
        return FileResponse(STATIC / "demo.js", media_type="text/javascript")

    @router.get("/", include_in_schema=False)
    async def demo_page() -> FileResponse:
        return FileResponse(STATIC / "demo.html", media_type="text/html")

    return router

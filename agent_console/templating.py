"""The console's page templates, shared by every page module (agent, supervisor, review), and
how a page answers someone signed out or in the wrong role.

A module of its own so that page modules need not import one another.
"""

from __future__ import annotations

from collections.abc import Container
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from agent_console.auth import Role, User

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """A console page; never cached, as it shows what a signed-in user may see."""
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["cache-control"] = "no-store"
    return response


def refusal(
    request: Request, user: User | None, roles: Container[Role], reason: str, *, back: bool = True
) -> Response | None:
    """None when ``user`` may see a page meant for ``roles``; otherwise the way to the sign-in
    page, or a 403 page giving ``reason`` (with a link back to the console if ``back``)."""
    if user is None:
        return RedirectResponse("/console/login", status_code=303)
    if user.role in roles:
        return None
    context = {"user": user, "reason": reason, "back": back}
    return page(request, "not_for_role.html", context, status_code=403)

"""The console's pages: sign-in, the agent's page, its static files and security headers.

Pages are rendered on the server (Jinja2, autoescaped); the agent's page is one small script
that talks to the handoff API and the desk websocket and writes customer text only as text.
"""

from __future__ import annotations

import math
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_console.access import SESSION_COOKIE, same_origin, session_user
from agent_console.auth import DESK_ROLES, Role, User
from agent_console.templating import HERE, page, refusal
from agent_console.throttle import SignInThrottle
from baton.hosts import is_local_host
from gateway.limits import client_address, limits_of, request_scheme
from gateway.services import ServicesDep
from handoff import language

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
_SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class ConsoleHeaders:
    """Security headers on every console response (pages, scripts and API errors alike)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/console"):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS:  # the console's own (stricter) values
                    headers[name.decode()] = value.decode()
            await send(message)

        await self.app(scope, receive, with_headers)


async def signed_in(request: Request, services: ServicesDep) -> User | None:
    return await session_user(request, services)


SignedIn = Annotated[User | None, Depends(signed_in)]


def create_router() -> APIRouter:
    router = APIRouter(prefix="/console", include_in_schema=False)

    def login_page(
        request: Request, error: str | None = None, status: int = 200, user_id: str = ""
    ) -> Response:
        return page(request, "login.html", {"error": error, "user_id": user_id}, status)

    @router.get("/login")
    async def login_form(request: Request, user: SignedIn) -> Response:
        if user is not None:
            return RedirectResponse("/console", status_code=303)
        return login_page(request)

    @router.post("/login")
    async def login(request: Request, services: ServicesDep) -> Response:
        if "origin" in request.headers and not same_origin(
            request, services.settings.console_allowed_origins
        ):
            return login_page(request, "This sign-in form was sent from another site.", 403)
        form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=10)
        user_id = (form.get("user_id") or [""])[0].strip().lower()[:64]
        password = (form.get("password") or [""])[0]
        client = client_address(request)
        throttle = SignInThrottle(limits_of(request))
        wait = await throttle.wait(user_id, client)
        if wait is not None:
            later = (
                f"{wait.seconds} seconds"
                if wait.seconds < 120
                else f"{math.ceil(wait.seconds / 60)} minutes"
            )
            where = " from your network" if wait.reason == "address" else ""
            response = login_page(
                request, f"Too many failed sign-ins{where}. Try again in {later}.", 429, user_id
            )
            response.headers["retry-after"] = str(wait.seconds)
            return response
        user = await services.users.authenticate(user_id, password) if user_id else None
        if user is None:
            await throttle.failed(user_id, client)
            return login_page(request, "Wrong user name or password.", 401, user_id)
        await throttle.succeeded(user_id, client)
        secure = services.settings.console_cookie_secure
        if (
            secure
            and request_scheme(request) == "http"
            and not is_local_host(request.url.hostname or "")
        ):
            # the browser would drop the Secure cookie and the sign-in would loop back here
            return login_page(
                request,
                "This console is served over plain http, where browsers drop its secure "
                "sign-in cookie. Open it over https (a TLS proxy in front of the gateway), or, "
                "for development only, set BATON_CONSOLE_COOKIE_SECURE=false.",
                400,
                user_id,
            )
        token = await services.users.start_session(user)
        redirect = RedirectResponse("/console", status_code=303)
        redirect.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(services.settings.console_session_hours * 3600),
            path="/",
            httponly=True,
            secure=services.settings.console_cookie_secure,
            samesite="strict",
        )
        return redirect

    @router.post("/logout")
    async def logout(request: Request, services: ServicesDep) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if token and same_origin(request, services.settings.console_allowed_origins):
            await services.users.end_session(token)
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("")
    async def console(request: Request, user: SignedIn, services: ServicesDep) -> Response:
        if user is not None and user.role is Role.KNOWLEDGE_OWNER:  # their page is the review
            return RedirectResponse("/console/review", status_code=303)
        refused = refusal(
            request,
            user,
            DESK_ROLES,
            "The agent console is for agents and supervisors: your role does not take "
            "conversations.",
            back=False,
        )
        # the assistant's own identity fields (baton.yml identity.slots with a label), and
        # the languages an agent may set a conversation to: the assistant's, named
        contract = services.project.contract
        context = {
            "user": user,
            "labels": contract.identity.labels(),
            "languages": [(code, language.name(code)) for code in contract.languages],
        }
        return refused or page(request, "console.html", context)

    return router


def install(app: FastAPI) -> None:
    app.include_router(create_router())
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")
    app.add_middleware(ConsoleHeaders)

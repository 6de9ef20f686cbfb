"""The production profile's checks, and the security headers every page gets.

``BATON_ENV=production`` makes :func:`production_problems` a gate: the gateway refuses to
start while any setting is unsafe, and says for each what to set. Development keeps today's
convenient defaults (any origin, public API docs, an open ``/metrics``) so that ``make run``
works with nothing configured; the defaults are exactly what production refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import SecretStr
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from baton.hosts import is_local_host

if TYPE_CHECKING:
    from gateway.settings import GatewaySettings

# secrets shorter than this are guessable, whatever they look like
MIN_SECRET_CHARS = 16
_PLACEHOLDER = re.compile(
    r"change.?me|changeit|replace|placeholder|example|your[-_ ]|secret|password|"
    r"^(test|token|dev|demo|x+|0+|1234.*)$",
    re.IGNORECASE,
)
# no inline script on any page: scripts are the gateway's own files. Inline styles are
# allowed (the widget brings its stylesheet inside widget.js, as one file to embed);
# websockets go back to the gateway; images may be data: URLs
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)
HTML_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}
# every response, HTML or not: a browser never guesses a type the gateway did not send
ALL_HEADERS = {"x-content-type-options": "nosniff"}


class UnsafeSettings(RuntimeError):
    """The production profile found settings it will not start with."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"BATON_ENV=production refuses to start:\n{listed}")


def is_placeholder(secret: SecretStr | str | None) -> bool:
    """A missing, short or obviously made-up secret ("changeme", "your-token", "xxxx")."""
    if secret is None:
        return True
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    return len(value) < MIN_SECRET_CHARS or bool(_PLACEHOLDER.search(value))


def production_problems(settings: GatewaySettings) -> list[str]:
    """What makes ``settings`` unsafe to serve customers with, each saying what to set."""
    problems = []
    if "*" in settings.webchat_allowed_origins:
        problems.append(
            "the web chat accepts any origin: set BATON_WEBCHAT_ALLOWED_ORIGINS to the sites "
            "that embed the widget, e.g. '[\"https://shop.example.com\"]' (CORS and the "
            "websocket's Origin check use it; '[]' allows the gateway's own pages only)"
        )
    if "*" in settings.allowed_hosts:
        problems.append(
            "any Host header is accepted: set BATON_ALLOWED_HOSTS to the names the gateway "
            "is reached by, e.g. '[\"chat.example.com\"]'"
        )
    if settings.api_docs:
        problems.append(
            "the API docs (/docs, /openapi.json) are public and list every route, model "
            "deploy and rollback included: set BATON_API_DOCS=false"
        )
    metrics_token = settings.analytics.metrics_token
    if is_placeholder(metrics_token):
        problems.append(
            "/metrics "
            + ("needs no token" if metrics_token is None else "has a placeholder token")
            + ": set BATON_ANALYTICS_METRICS_TOKEN to a random secret (e.g. `openssl rand "
            "-hex 32`) and give it to Prometheus as a bearer token"
        )
    if is_placeholder(settings.rasa_token):
        problems.append(
            "Rasa's HTTP API (trackers with customers' details, model deploys) "
            + ("has no token" if settings.rasa_token is None else "has a placeholder token")
            + ": set BATON_RASA_TOKEN to a random secret; `baton run` starts Rasa with it "
            "(--auth-token) and the gateway sends it"
        )
    problems += _cookie_problems(settings)
    problems += _channel_secret_problems(settings)
    return problems


def _cookie_problems(settings: GatewaySettings) -> list[str]:
    if not settings.console_cookie_secure:
        return [
            "console session cookies are not Secure: unset BATON_CONSOLE_COOKIE_SECURE (it "
            "is for development over plain http) and serve the gateway over https"
        ]
    if settings.public_url is None:
        return [
            "the gateway's public address is unknown: set BATON_PUBLIC_URL to the https URL "
            "agents and customers use, e.g. https://chat.example.com"
        ]
    parts = urlsplit(str(settings.public_url))
    if parts.scheme != "https" and not is_local_host(parts.hostname or ""):
        return [
            f"BATON_PUBLIC_URL is plain http on a non-local host ({parts.hostname}): browsers "
            "drop the console's Secure session cookie there and every sign-in loops back to "
            "the login page. Put TLS in front (a reverse proxy) and set BATON_PUBLIC_URL to "
            "its https:// address"
        ]
    return []


def _channel_secret_problems(settings: GatewaySettings) -> list[str]:
    problems = []
    telegram = settings.telegram
    if telegram.bot_token is not None and is_placeholder(telegram.webhook_secret):
        problems.append(
            "Telegram's webhook secret is missing or a placeholder: set "
            "BATON_TELEGRAM_WEBHOOK_SECRET to a random secret (letters, digits, _ and -)"
        )
    slack = settings.slack
    if slack.bot_token is not None and is_placeholder(slack.signing_secret):
        problems.append(
            "Slack's signing secret is missing or a placeholder: set "
            "BATON_SLACK_SIGNING_SECRET to the app's signing secret"
        )
    return problems


class SecurityHeaders:
    """ASGI middleware: ``nosniff`` on every response; CSP, frame and referrer headers on
    every HTML page (the demo page, the console, the widget's pages, the API docs).

    A response that sets one of them itself keeps its own value.
    """

    def __init__(self, app: ASGIApp, relaxed_paths: Iterable[str] = ()) -> None:
        self.app = app
        # the API docs load Swagger UI from a CDN: their pages get no CSP (development only:
        # production has no docs)
        self.relaxed = tuple(relaxed_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        relaxed = scope.get("path", "").startswith(self.relaxed) if self.relaxed else False

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALL_HEADERS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    for name, value in HTML_HEADERS.items():
                        if relaxed and name == "content-security-policy":
                            continue
                        headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)

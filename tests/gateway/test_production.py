"""The production profile: what it refuses to start with, and what every deployment gets
(security headers, API docs off, allowed hosts, CORS only when configured, Rasa's token)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from baton.testing.fake_rasa import create_fake_rasa
from connectors.settings import TelegramSettings
from gateway.app import create_app
from gateway.security import UnsafeSettings, is_placeholder, production_problems
from tests.harness import gateway_settings, running_gateway
from tests.services import serve

SECRET = "Zr4q8vX1mT0pLk2sWb7nYc3dHf6gJa9e"
SAFE = {
    "env": "production",
    "webchat_allowed_origins": ["https://shop.example.com"],
    "allowed_hosts": ["chat.example.com", "127.0.0.1"],
    "api_docs": False,
    "public_url": "https://chat.example.com",
    "rasa_token": SECRET,
}


def safe_settings(tmp_path: Path, **overrides: object):  # type: ignore[no-untyped-def]
    settings = gateway_settings(**(SAFE | {"database_url": f"sqlite:///{tmp_path / 'p.db'}"}))
    settings.analytics.metrics_token = SecretStr(SECRET)
    return settings.model_copy(update=overrides)


def test_the_defaults_are_refused_each_with_what_to_set(tmp_path: Path) -> None:
    settings = gateway_settings(env="production", database_url=f"sqlite:///{tmp_path / 'p.db'}")
    with pytest.raises(UnsafeSettings) as refused:
        create_app(settings)
    text = str(refused.value)
    for setting in (
        "BATON_WEBCHAT_ALLOWED_ORIGINS",
        "BATON_ALLOWED_HOSTS",
        "BATON_API_DOCS=false",
        "BATON_ANALYTICS_METRICS_TOKEN",
        "BATON_RASA_TOKEN",
        "BATON_PUBLIC_URL",
    ):
        assert setting in text, setting
    assert len(refused.value.problems) == 6


def test_safe_settings_start(tmp_path: Path) -> None:
    assert production_problems(safe_settings(tmp_path)) == []
    create_app(safe_settings(tmp_path))  # nothing raised


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ({"public_url": "http://chat.example.com"}, "plain http on a non-local host"),
        ({"console_cookie_secure": False}, "BATON_CONSOLE_COOKIE_SECURE"),
        ({"webchat_allowed_origins": ["*"]}, "BATON_WEBCHAT_ALLOWED_ORIGINS"),
        ({"api_docs": True}, "BATON_API_DOCS"),
        ({"rasa_token": SecretStr("changeme-changeme-1")}, "placeholder token"),
        ({"rasa_token": SecretStr("short")}, "placeholder token"),
        (
            {
                "telegram": TelegramSettings(
                    bot_token=SecretStr("1:x"), webhook_secret=SecretStr("changeme")
                )
            },
            "BATON_TELEGRAM_WEBHOOK_SECRET",
        ),
    ],
)
def test_each_unsafe_setting_is_named(
    tmp_path: Path, overrides: dict[str, object], names: str
) -> None:
    problems = production_problems(safe_settings(tmp_path, **overrides))
    assert len(problems) == 1 and names in problems[0], problems


def test_plain_http_is_fine_on_this_machine(tmp_path: Path) -> None:
    for url in ("http://localhost:8000", "http://127.0.0.1:8000", "http://[::1]:8000"):
        assert production_problems(safe_settings(tmp_path, public_url=url)) == [], url


def test_placeholders() -> None:
    assert is_placeholder(None) and is_placeholder("") and is_placeholder("your-token-here-please")
    assert is_placeholder("xxxxxxxxxxxxxxxxxxxx") and is_placeholder(SecretStr("0" * 20))
    assert not is_placeholder(SECRET) and not is_placeholder(SecretStr(SECRET))


async def test_pages_carry_security_headers_and_json_nosniff(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gateway:
        for path in ("/", "/console/login"):
            page = await gateway.http.get(path)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            csp = page.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
            assert page.headers["x-frame-options"] == "DENY"
            assert page.headers["x-content-type-options"] == "nosniff"
            assert page.headers["referrer-policy"] in (
                "strict-origin-when-cross-origin",
                "same-origin",
            )
        # the demo page runs no inline script: its own code is a file
        demo = (await gateway.http.get("/")).text
        assert "<script>" not in demo and '<script src="/demo.js">' in demo
        assert (await gateway.http.get("/demo.js")).status_code == 200
        config = await gateway.http.get("/api/widget/config")
        assert config.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in config.headers


async def test_production_has_no_docs_checks_the_host_and_sends_cors_only_to_its_sites(
    tmp_path: Path,
) -> None:
    settings = safe_settings(tmp_path)
    fake = create_fake_rasa(token=SECRET)
    async with serve(fake) as rasa_url:
        settings = settings.model_copy(update={"rasa_url": rasa_url})
        async with serve(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as http:
            for path in ("/docs", "/openapi.json", "/redoc"):
                assert (await http.get(path)).status_code == 404, path
            evil = await http.get("/", headers={"Host": "evil.example"})
            assert evil.status_code == 400
            assert (await http.get("/", headers={"Host": "chat.example.com"})).status_code == 200
            preflight = {
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            }
            shop = await http.options(
                "/api/conversations", headers=preflight | {"Origin": "https://shop.example.com"}
            )
            assert shop.headers["access-control-allow-origin"] == "https://shop.example.com"
            other = await http.options(
                "/api/conversations", headers=preflight | {"Origin": "https://evil.example"}
            )
            assert "access-control-allow-origin" not in other.headers
            # the gateway talks to a Rasa that wants its token: a whole turn, slots included
            created = (await http.post("/api/conversations", json={"language": "en"})).json()
            auth = {"Authorization": f"Bearer {created['token']}"}
            sent = await http.post(
                f"/api/conversations/{created['id']}/messages",
                json={"text": "hello", "client_id": "c1"},
                headers=auth,
            )
            assert sent.status_code == 200, sent.text
            assert fake.state.received and fake.state.refused == 0
            assert fake.state.slots[created["id"]]["language"] == "en"
            assert (await httpx.AsyncClient().get(f"{rasa_url}/status")).status_code == 401


async def test_without_origins_there_is_no_cors(tmp_path: Path) -> None:
    async with running_gateway(tmp_path, webchat_allowed_origins=[]) as gateway:
        preflight = await gateway.http.options(
            "/api/conversations",
            headers={"Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in preflight.headers


async def test_a_secure_cookie_over_plain_http_is_explained_not_looped(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gateway:
        await gateway.add_user("dana")
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        body = "user_id=dana&password=correct+horse+battery"
        # the gateway reached by a name on the network over http, as a browser would
        remote = await gateway.http.post(
            "/console/login", content=body, headers=form | {"Host": "desk.example.com"}
        )
        assert remote.status_code == 400 and "set-cookie" not in remote.headers
        assert "plain http" in remote.text and "BATON_CONSOLE_COOKIE_SECURE" in remote.text
        local = await gateway.http.post("/console/login", content=body, headers=form)
        assert local.status_code == 303 and "set-cookie" in local.headers


async def test_behind_a_trusted_tls_proxy_the_sign_in_works(tmp_path: Path) -> None:
    async with running_gateway(tmp_path, trusted_proxies=["127.0.0.1"]) as gateway:
        await gateway.add_user("dana")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Host": "desk.example.com",
            "X-Forwarded-Proto": "https",
        }
        body = "user_id=dana&password=correct+horse+battery"
        signed_in = await gateway.http.post("/console/login", content=body, headers=headers)
        assert signed_in.status_code == 303 and "set-cookie" in signed_in.headers
    # the same header from a peer nobody trusts changes nothing
    async with running_gateway(tmp_path / "other") as gateway:
        await gateway.add_user("dana")
        refused = await gateway.http.post("/console/login", content=body, headers=headers)
        assert refused.status_code == 400

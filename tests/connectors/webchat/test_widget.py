"""The widget's config: the served assistant's brand from its baton.yml, in the OpenAPI schema."""

from __future__ import annotations

from pathlib import Path

import yaml

from baton import paths
from baton.contract import BrandContract
from tests.harness import RunningGateway, running_gateway

# a second assistant, nothing like the demo: a telecom bot with its own brand
DOMAIN = """\
version: "3.1"
intents: [hello_there, speak_to_agent]
responses:
  utter_hello: [{text: Hello from Telco}]
"""
CONTRACT = """\
name: telco
handoff: {intents: [speak_to_agent]}
brand:
  title: Telco <b>care</b>
  colour: "#e4007c"
  greeting: Hej! Ask me about roaming, bills or your contract.
"""


def another_assistant(folder: Path) -> Path:
    folder.mkdir()
    (folder / "config.yml").write_text("language: en\n")
    (folder / "domain.yml").write_text(DOMAIN)
    (folder / "baton.yml").write_text(CONTRACT)
    return folder


async def test_the_widget_config_is_the_demo_assistants_brand(gateway: RunningGateway) -> None:
    brand = yaml.safe_load((paths.DEMO / "baton.yml").read_text())["brand"]
    response = await gateway.http.get("/api/widget/config")
    assert response.status_code == 200
    config = response.json()
    assert {k: config[k] for k in ("title", "colour", "greeting", "language")} == {
        "title": brand["title"],
        "colour": "#0b6bcb",
        "greeting": brand["greeting"]["en"],
        "language": "en",
    }
    assert list(config["languages"]) == ["en", "nb", "sv", "fi", "pl"]
    assert config["texts"]["placeholder"] == "Type a message…"


async def test_another_assistant_folder_gives_the_widget_its_own_brand(tmp_path: Path) -> None:
    folder = another_assistant(tmp_path / "telco")
    async with running_gateway(tmp_path, project_dir=folder) as gateway:
        config = (await gateway.http.get("/api/widget/config")).json()
    assert {k: config[k] for k in ("title", "colour", "greeting", "languages")} == {
        "title": "Telco <b>care</b>",  # as written: the widget inserts it as text
        "colour": "#e4007c",
        "greeting": "Hej! Ask me about roaming, bills or your contract.",
        "languages": {"en": "English"},
    }


async def test_an_assistant_without_a_brand_gets_the_contracts_defaults(tmp_path: Path) -> None:
    folder = another_assistant(tmp_path / "plain")
    (folder / "baton.yml").write_text("handoff: {intents: [speak_to_agent]}\n")
    async with running_gateway(tmp_path, project_dir=folder) as gateway:
        config = (await gateway.http.get("/api/widget/config")).json()
    defaults = BrandContract()
    assert {k: config[k] for k in ("title", "colour", "greeting")} == {
        "title": defaults.title,
        "colour": defaults.colour,
        "greeting": defaults.greeting,
    }


async def test_the_widget_config_is_documented_with_the_web_chat_routes(
    gateway: RunningGateway,
) -> None:
    schema = (await gateway.http.get("/openapi.json")).json()
    route = schema["paths"]["/api/widget/config"]["get"]
    assert route["tags"] == ["web chat"]
    body = route["responses"]["200"]["content"]["application/json"]["schema"]
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert set(body["required"]) == {
        "title",
        "colour",
        "greeting",
        "language",
        "languages",
        "texts",
    }
    # the widget's script and the demo page are files, not API routes
    assert "/widget.js" not in schema["paths"] and "/" not in schema["paths"]

"""One action server for Baton's actions and an assistant's own package named `actions`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from baton import paths
from tests.services import free_port

USER_ACTIONS = """
from rasa_sdk import Action
from actions.helpers import GREETING


class ActionHello(Action):
    def name(self):
        return "action_hello"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=GREETING)
        return []


class MyKnowledgeFeedback(Action):
    def name(self):
        return "action_knowledge_feedback"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="the assistant's own feedback")
        return []
"""


def project(tmp: Path, init: str = "") -> Path:
    """An assistant folder with the demo's domain and contract and its own actions package."""
    shutil.copytree(paths.DEMO / "domain", tmp / "domain")
    for name in ("config.yml", "baton.yml"):
        shutil.copy(paths.DEMO / name, tmp / name)
    package = tmp / "actions"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(init)
    (package / "helpers.py").write_text('GREETING = "hello from the assistant"\n')
    (package / "custom.py").write_text(USER_ACTIONS)
    return tmp


def call(action: str) -> dict[str, object]:
    return {
        "next_action": action,
        "sender_id": "c1",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "c1", "slots": {}, "latest_message": {"text": "hi", "intent": {}},
            "events": [], "paused": False, "followup_action": None, "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }  # fmt: skip


def call_in_form(action: str, form: str) -> dict[str, object]:
    body = call(action)
    body["tracker"]["active_loop"] = {"name": form}  # type: ignore[index]
    return body


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """A real action server for the assistant `folder`; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "baton_actions.server", "--project", str(folder),
         "--port", str(port)],
        cwd=paths.ROOT, env={**os.environ, "SANIC_HOST": "127.0.0.1"},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise RuntimeError("the action server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(project(tmp_path_factory.mktemp("assistant"))) as url:
        yield url


@pytest.fixture(scope="module")
def demo_server() -> Iterator[str]:
    with serving(paths.DEMO) as url:
        yield url


def test_lists_baton_and_assistant_actions(server: str) -> None:
    names = {a["name"] for a in httpx.get(f"{server}/actions", timeout=10).json()}

    assert {"action_hello", "action_handoff", "validate_identity_form"} <= names


def test_serves_an_assistant_action_importing_its_own_package(server: str) -> None:
    body = httpx.post(f"{server}/webhook", json=call("action_hello"), timeout=30).json()

    assert body["responses"][0]["text"] == "hello from the assistant"


def test_serves_a_baton_action(server: str) -> None:
    body = httpx.post(f"{server}/webhook", json=call("action_ask_name"), timeout=30).json()

    assert "your name" in body["responses"][0]["text"]


def test_assistant_action_overrides_baton_action_of_the_same_name(server: str) -> None:
    body = httpx.post(
        f"{server}/webhook", json=call("action_knowledge_feedback"), timeout=30
    ).json()

    assert body["responses"][0]["text"] == "the assistant's own feedback"


def test_lists_the_demos_own_actions_beside_batons(demo_server: str) -> None:
    names = {a["name"] for a in httpx.get(f"{demo_server}/actions", timeout=10).json()}

    assert {"action_order_status", "validate_order_number_form"} <= names  # bot/actions/
    assert {"action_handoff", "validate_identity_form", "action_ask_email"} <= names  # Baton's


def test_the_demos_subclass_replaces_batons_order_number_question(demo_server: str) -> None:
    def asked(form: str) -> str:
        body = httpx.post(
            f"{demo_server}/webhook",
            json=call_in_form("action_ask_order_number", form),
            timeout=30,
        ).json()
        return str(body["responses"][0]["text"])

    assert "I can check that" in asked("order_number_form")  # the demo's lookup wording
    assert "if this is about an order" in asked("identity_form")  # Baton's, inherited


def test_broken_assistant_package_exits_1_with_one_line(tmp_path: Path) -> None:
    folder = project(tmp_path, init="import no_such_module_here\n")

    result = subprocess.run(
        [sys.executable, "-m", "baton_actions.server", "--project", str(folder), "--port", "1"],
        cwd=paths.ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert str(folder / "actions" / "__init__.py") in line
    assert "ModuleNotFoundError" in line and "no_such_module_here" in line

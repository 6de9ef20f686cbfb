"""`baton run`'s tokens: Rasa's HTTP API and the action server answer only their callers."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from baton.processes import start, stop, wait_healthy
from baton.stack import StackSettings, specs
from tests.services import free_port

MODEL = Path("model.tar.gz")  # specs only names it


def by_name(tmp_path: Path, **settings: object) -> dict[str, object]:
    found = specs(StackSettings(**settings), var=tmp_path, model=MODEL)  # type: ignore[arg-type]
    return {spec.name: spec for spec in found}


def test_each_run_makes_tokens_and_gives_each_process_its_own(tmp_path: Path) -> None:
    processes = by_name(tmp_path)
    rasa, actions, gateway = processes["rasa"], processes["actions"], processes["gateway"]
    argv = list(rasa.argv)  # type: ignore[attr-defined]
    token = argv[argv.index("--auth-token") + 1]
    assert len(token) >= 32
    assert gateway.env["BATON_RASA_TOKEN"] == token  # type: ignore[attr-defined]
    assert rasa.health_url.endswith(f"/status?token={token}")  # type: ignore[attr-defined]
    actions_token = actions.env["BATON_ACTIONS_TOKEN"]  # type: ignore[attr-defined]
    assert len(actions_token) >= 32 and actions_token != token
    assert rasa.env["BATON_ACTIONS_TOKEN"] == actions_token  # type: ignore[attr-defined]
    endpoints = (tmp_path / "rasa" / "endpoints.yml").read_text()
    assert "token: ${BATON_ACTIONS_TOKEN}" in endpoints
    again = list(by_name(tmp_path)["rasa"].argv)  # type: ignore[attr-defined]
    assert again[again.index("--auth-token") + 1] != token  # a new one per run


def test_configured_tokens_are_used_and_a_teams_own_endpoints_get_none(tmp_path: Path) -> None:
    chosen = by_name(tmp_path, rasa_token=SecretStr("r" * 40), actions_token=SecretStr("a" * 40))
    assert chosen["gateway"].env["BATON_RASA_TOKEN"] == "r" * 40  # type: ignore[attr-defined]
    assert chosen["actions"].env["BATON_ACTIONS_TOKEN"] == "a" * 40  # type: ignore[attr-defined]
    own = by_name(tmp_path, rasa_endpoints="endpoints.yml")
    # their file says whether Rasa sends a token: none is made up that Rasa would not send
    assert own["actions"].env["BATON_ACTIONS_TOKEN"] == ""  # type: ignore[attr-defined]


@pytest.mark.slow
async def test_the_action_server_refuses_calls_without_its_token(tmp_path: Path) -> None:
    port = free_port()
    spec = by_name(tmp_path, actions_port=port, actions_token=SecretStr("t" * 40))["actions"]
    running = await start(spec)  # type: ignore[arg-type]
    try:
        await wait_healthy(running, time.monotonic() + 120)
        call = {"next_action": "action_handoff", "sender_id": "c1", "tracker": {}, "domain": {}}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            assert (await http.get("/health")).status_code == 200
            assert (await http.post("/webhook", json=call)).status_code == 401
            wrong = await http.post("/webhook", params={"token": "t" * 39}, json=call)
            assert wrong.status_code == 401 and "token" in wrong.json()["error"]
            right = await http.post("/webhook", params={"token": "t" * 40}, json=call)
            assert right.status_code != 401  # rasa-sdk's own answer to this call
            assert (await http.get("/actions", params={"token": "t" * 40})).status_code == 200
    finally:
        await stop(running)

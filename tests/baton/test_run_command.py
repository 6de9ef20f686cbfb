"""`baton run` as a user runs it: ready, Ctrl-C stops everything, and a second start works."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from baton import paths
from baton.processes import port_in_use
from baton.training import ensure_model
from tests.services import free_port

pytestmark = pytest.mark.slow


def start_baton(env: dict[str, str], train: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(paths.VENV_BIN / "baton"), "run", *([] if train else ["--no-train"])],
        cwd=paths.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_line(process: subprocess.Popen[str], marker: str, timeout: float) -> list[str]:
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return seen
    raise AssertionError(f"{marker!r} not printed; output:\n{''.join(seen[-60:])}")


def processes_mentioning(port: int) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in listing.splitlines() if f" {port}" in line and "ps -eo" not in line]


def test_ctrl_c_stops_every_process_and_a_second_start_works(tmp_path: Path) -> None:
    ensure_model()
    ports = {
        "BATON_PORT": free_port(),
        "BATON_RASA_PORT": free_port(),
        "BATON_ACTIONS_PORT": free_port(),
    }
    env = dict(os.environ) | {k: str(v) for k, v in ports.items()}
    env["BATON_DATABASE_URL"] = f"sqlite:///{tmp_path / 'baton.db'}"

    for attempt in range(2):
        # first as `make run` starts it (checking the model and the index), then without
        baton = start_baton(env, train=attempt == 0)
        try:
            output = wait_for_line(baton, "Ctrl-C stops everything", timeout=240)
            assert any(f"http://127.0.0.1:{ports['BATON_PORT']}/" in line for line in output)
            assert all(port_in_use("127.0.0.1", port) for port in ports.values())
            # the supervisor started afresh after checking the model and the index: it holds
            # none of the libraries that building them loads
            maps = Path(f"/proc/{baton.pid}/maps").read_text()
            assert "faiss" not in maps and "libtorch" not in maps
            baton.send_signal(signal.SIGINT)
            assert baton.wait(timeout=60) == 0, f"attempt {attempt}: baton run did not exit cleanly"
        finally:
            if baton.poll() is None:
                baton.kill()
        rest = baton.stdout.read() if baton.stdout else ""
        assert "==> stopped" in rest
        for port in ports.values():
            assert not port_in_use("127.0.0.1", port), f"port {port} still open after Ctrl-C"
            assert processes_mentioning(port) == [], f"orphans on port {port}"


def test_a_port_already_taken_is_reported_instead_of_starting(tmp_path: Path) -> None:
    import socket

    ensure_model()
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        env = dict(os.environ) | {
            "BATON_PORT": str(taken),
            "BATON_RASA_PORT": str(free_port()),
            "BATON_ACTIONS_PORT": str(free_port()),
        }
        result = subprocess.run(
            [str(paths.VENV_BIN / "baton"), "run", "--no-train"],
            cwd=paths.ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 1
    assert "already in use" in result.stderr


def test_run_exports_minilm_before_training_as_train_does(monkeypatch: pytest.MonkeyPatch) -> None:
    # a fresh checkout has no ONNX export, and the bot's featurizer cannot train without it
    from baton import cli

    calls: list[str] = []
    monkeypatch.setattr(cli, "ensure_onnx", lambda: calls.append("onnx"))
    monkeypatch.setattr(cli, "ensure_model", lambda force=False: calls.append("model"))
    monkeypatch.setattr(cli, "ensure_index", lambda **_: calls.append("index") or 0)

    async def no_stack(settings: object) -> int:
        calls.append("run")
        return 0

    monkeypatch.setattr(cli, "run", no_stack)
    assert cli.main(["run"]) == 0
    assert calls == ["onnx", "model", "index", "run"]
    calls.clear()
    assert cli.main(["train"]) == 0
    assert calls[:2] == ["onnx", "model"]

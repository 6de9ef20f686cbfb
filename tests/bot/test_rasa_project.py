"""The Rasa project itself, checked with Rasa's own tools in the Rasa runtime."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from baton import paths
from baton.domain import domain_path
from baton.training import ensure_model, rasa_env

pytestmark = pytest.mark.slow


def rasa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(paths.RASA_VENV_BIN / "rasa"), *args],
        cwd=paths.BOT,
        env=rasa_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_rasa_data_validate_is_clean() -> None:
    domain = domain_path(paths.BOT).name  # the domain folder Rasa merges
    result = rasa("data", "validate", "--domain", domain, "--data", "data", "--fail-on-warnings")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    problems = [line for line in output.splitlines() if "UserWarning" in line or " ERROR " in line]
    assert problems == [], "\n".join(problems)


def test_the_conversation_test_stories_pass(tmp_path: Path) -> None:
    model = ensure_model().path
    result = rasa(
        "test", "core", "--model", str(model), "--stories", "tests",
        "--out", str(tmp_path), "--fail-on-prediction-errors",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    failed = tmp_path / "failed_test_stories.yml"
    # Rasa writes this file either way; with no failure it holds only a comment
    assert not failed.exists() or "- story:" not in failed.read_text(), failed.read_text()

"""The systemd units in deploy/systemd run the same commands as ``baton run``: checked by
``systemd-analyze verify`` (syntax, every directive known, the commands executable) with the
install paths pointed at this checkout and the demo assistant. They are not started here: the
test machines run no systemd as PID 1."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from baton import paths

UNITS = paths.ROOT / "deploy" / "systemd"


def installed_here(tmp_path: Path) -> list[Path]:
    """The units as an operator installs them, /srv/baton/... being this checkout."""
    files = []
    for unit in sorted(UNITS.glob("*.service")) + sorted(UNITS.glob("*.target")):
        text = unit.read_text(encoding="utf-8")
        text = text.replace("/srv/baton/app", str(paths.ROOT)).replace(
            "/srv/baton/assistant", str(paths.BOT)
        )
        name = unit.name.replace("@.service", "@5005.service")
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(tmp_path / name)
    return files


def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing (Debian's systemd package)")
        pytest.skip("systemd-analyze is not installed (Debian's systemd package)")
    files = [f for f in installed_here(tmp_path) if f.suffix == ".service"]
    assert {f.name for f in files} == {
        "baton-actions.service", "baton-gateway@5005.service", "baton-rasa@5005.service",
    }  # fmt: skip
    result = subprocess.run(
        [tool, "verify", *map(str, files)], capture_output=True, text=True, timeout=60
    )
    # the User= account and the EnvironmentFile are the operator's; nothing else may fail
    problems = [
        line for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "baton.target" not in line
    ]  # fmt: skip
    assert problems == [], problems


def test_the_units_start_what_baton_run_starts() -> None:
    rasa = (UNITS / "baton-rasa@.service").read_text(encoding="utf-8")
    for argument in ("run --enable-api", "--endpoints", "--credentials", "--auth-token"):
        assert argument in rasa
    assert "-m baton_actions.server" in (UNITS / "baton-actions.service").read_text("utf-8")
    assert "-m gateway" in (UNITS / "baton-gateway@.service").read_text("utf-8")

"""The handoff benchmark end to end on a tiny load: its gateways start on the production
profile (a run refused by the profile's checks went unnoticed once) and every handoff and
message is measured, nothing lost. The figures themselves belong to `make bench-handoff`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from baton import paths

pytestmark = pytest.mark.slow


def test_a_tiny_run_measures_every_path_and_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "handoff.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench.handoff", "--conversations", "4", "--agents", "2",
         "--messages", "2", "--gap", "0.3", "--ramp", "0.5", "--backends", "sqlite",
         "--assist", "off", "--out", str(out)],
        cwd=paths.ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    [run] = report["results"]
    counts = {name: (m["count"], m["lost"]) for name, m in run["metrics"].items()}
    assert counts == {"handoff": (4, 0), "notified": (4, 0), "to_console": (8, 0),
                      "to_customer": (8, 0)}  # fmt: skip
    assert run["errors"] == 0
    assert out.with_suffix(".png").is_file()

"""The action server and the gateway run without torch: spaCy's thinc would load it (some
400 MB a process) for models Baton never runs, and the help centre's queries are embedded by
the ONNX export. Each check runs in a fresh interpreter (this one has torch loaded)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from baton import paths

LOADS = {
    "the identity extraction": (
        "from baton_actions.extraction import find_identity;"
        " assert find_identity('my name is Anna Kowalska', 'en').name == 'Anna Kowalska'"
    ),
    "the action server": "import baton_actions.server",
    "the gateway": "import gateway.app",
}


@pytest.mark.parametrize("what", LOADS)
def test_no_torch_is_loaded(what: str) -> None:
    code = f"import sys; {LOADS[what]}; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=paths.ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False", f"{what} loaded torch"


def test_torch_still_imports_after_spacy_was_loaded_without_it() -> None:
    code = (
        "from baton_actions.extraction import pipeline; pipeline();"
        " import torch; print(torch.tensor([1.0]).sum().item())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=paths.ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "1.0"

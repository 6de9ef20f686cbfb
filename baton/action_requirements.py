"""The assistant's own action requirements, installed into the app runtime.

An assistant's actions may need packages Baton does not ship: it lists them in
``actions/requirements-actions.txt`` (or ``actions/requirements.txt``). :func:`install`
pip-installs that file, showing pip's progress, and records the file's hash under the
assistant's var folder so an unchanged file is not installed again.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from baton.paths import var_dir

CANDIDATES = ("actions/requirements-actions.txt", "actions/requirements.txt")
STAMP = "action-requirements.sha256"


class ActionRequirementsError(RuntimeError):
    """pip could not install the assistant's action requirements."""

    def __init__(self, file: Path, output: str) -> None:
        self.file = file
        self.output = output
        super().__init__(f"{file}: pip failed:\n{output}")


def requirements_file(project_dir: Path) -> Path | None:
    for name in CANDIDATES:
        if (project_dir / name).is_file():
            return project_dir / name
    return None


def install(project_dir: Path, python: Path, extra_args: tuple[str, ...] = ()) -> bool:
    """Install the requirements with ``python -m pip``; False when none or unchanged.

    Raises :class:`ActionRequirementsError` carrying pip's output when pip fails.
    """
    file = requirements_file(project_dir)
    if file is None:
        return False
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    stamp = var_dir(project_dir) / STAMP
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return False
    process = subprocess.Popen(
        [str(python), "-m", "pip", "install", "-r", str(file), *extra_args],
        cwd=file.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        sys.stdout.write(line)  # pip's progress, as it happens
    if process.wait() != 0:
        raise ActionRequirementsError(file, "".join(lines[-40:]))
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest + "\n")
    return True

"""Where things are in a checkout (the root can be moved with BATON_ROOT).

The assistant folder a process serves is fixed for its life: ``BATON_PROJECT_DIR``, set
before the process starts (``baton --project DIR`` sets it and starts afresh), else the
bundled demo. Code that takes a folder as a parameter defaults to these.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

ROOT = Path(os.environ.get("BATON_ROOT") or Path(__file__).resolve().parent.parent)
# the bundled Voltify demo assistant, served when no project is given
DEMO = ROOT / "bot"
VENV_BIN = ROOT / ".venv" / "bin"
RASA_VENV_BIN = ROOT / ".venv-rasa" / "bin"


def project_dir() -> Path:
    """The assistant folder of this process."""
    chosen = os.environ.get("BATON_PROJECT_DIR")
    return Path(chosen).resolve() if chosen else DEMO


def var_dir(project: Path) -> Path:
    """Where one assistant's database, index and logs live: ``var/`` for the bundled demo,
    ``var/projects/<folder>-<hash of its path>/`` for any other, so two never mix."""
    project = project.resolve()
    if project == DEMO.resolve():
        return ROOT / "var"
    digest = hashlib.sha256(str(project).encode()).hexdigest()[:8]
    return ROOT / "var" / "projects" / f"{project.name}-{digest}"


BOT = project_dir()
MODELS = BOT / "models"
VAR = var_dir(BOT)
LOGS = VAR / "log"

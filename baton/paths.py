"""Where things are in a checkout (the root can be moved with BATON_ROOT)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("BATON_ROOT") or Path(__file__).resolve().parent.parent)
BOT = ROOT / "bot"
MODELS = BOT / "models"
VAR = ROOT / "var"
LOGS = VAR / "log"
VENV_BIN = ROOT / ".venv" / "bin"
RASA_VENV_BIN = ROOT / ".venv-rasa" / "bin"

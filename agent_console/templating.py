"""The console's page templates, shared by every page module (agent, supervisor, review).

A module of its own so that page modules need not import one another.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

"""Which fuzzing profile runs (``BATON_FUZZ=deep``: the deep one), and what it allows."""

from __future__ import annotations

import os

DEEP = "deep"


def profile_name() -> str:
    return DEEP if os.environ.get("BATON_FUZZ", "").strip().lower() == DEEP else "ci"


def deep() -> bool:
    return profile_name() == DEEP

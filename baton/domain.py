"""Where a Rasa project's domain is, and what it says.

The demo bot's domain is a folder, ``bot/domain/``, that Rasa merges (``--domain domain``):
``domain.yml`` is written by people, ``reviewed_intents.yml`` is generated from the review
inbox's database (the intents knowledge owners created), so labelling a new intent keeps the
project valid without anyone editing a file. A project with a single ``domain.yml`` (older
checkouts, small test projects) still reads the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DOMAIN_DIR = "domain"
DOMAIN_FILE = "domain.yml"
# generated files in the project: the review inbox rewrites them from its database
REVIEWED_DATA = Path("data") / "reviewed"
REVIEWED_DOMAIN = Path(DOMAIN_DIR) / "reviewed_intents.yml"
GENERATED = (REVIEWED_DATA, REVIEWED_DOMAIN)


def domain_path(bot: Path) -> Path:
    """What to give Rasa's ``--domain``: the domain folder if the project has one, else its
    ``domain.yml``."""
    folder = bot / DOMAIN_DIR
    return folder if folder.is_dir() else bot / DOMAIN_FILE


def is_generated(bot: Path, file: Path) -> bool:
    relative = file.relative_to(bot)
    return any(relative == part or part in relative.parents for part in GENERATED)


def domain_files(bot: Path, *, generated: bool = True) -> list[Path]:
    """The project's domain files in the order Rasa reads them (sorted paths); without the
    generated ones when ``generated`` is False."""
    where = domain_path(bot)
    if where.is_file():
        return [where]
    files = sorted(p for p in where.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
    return [f for f in files if generated or not is_generated(bot, f)]


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Domain files merged the way Rasa does for the keys Baton reads: lists joined without
    repeats, mappings combined (a later file adds keys, it does not replace earlier ones)."""
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, list):
                current = merged.setdefault(key, [])
                current.extend(v for v in value if v not in current)
            elif isinstance(value, dict):
                current_map = merged.setdefault(key, {})
                for name, item in value.items():
                    current_map.setdefault(name, item)
            else:
                merged.setdefault(key, value)
    return merged


def load_domain(bot: Path, *, generated: bool = True) -> dict[str, Any]:
    """The project's domain as one mapping."""
    return merge(
        [
            yaml.safe_load(f.read_text(encoding="utf-8")) or {}
            for f in domain_files(bot, generated=generated)
        ]
    )


def intent_names(domain: dict[str, Any]) -> list[str]:
    """The intents a domain lists, in its order (a plain name or ``{name: {properties}}``)."""
    names: list[str] = []
    for item in domain.get("intents") or ():
        for name in [item] if isinstance(item, str) else list(item):
            if name not in names:
                names.append(str(name))
    return names

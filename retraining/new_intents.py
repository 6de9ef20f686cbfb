"""Intents knowledge owners created, made part of the Rasa project by files of their own.

A label may name an intent the hand-written domain does not list. So that the project stays
valid by itself (``rasa data validate --fail-on-warnings``, ``baton train`` without warnings),
the labels' new intents get

- ``domain/reviewed_intents.yml``: a domain file listing them, which Rasa merges with the
  hand-written ``domain/domain.yml``;
- ``data/reviewed/new_intents.yml``: one rule per new intent no hand-written story or rule
  uses yet, giving it the bot's core fallback action (``core_fallback_action_name`` of the
  RulePolicy). That is what the bot already does with a turn no rule covers (this bot: look
  the question up in the help centre, then hand over); the rule says it explicitly, and a
  developer who writes the intent's own rule (and adds it to ``domain.yml``) replaces it.

Both are regenerated from the database with the reviewed NLU files, written atomically, and
removed when no new intent is left. A project whose domain is a single file cannot merge a
second one: it gets neither, and a developer adds the intents by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from baton.atomic import write_atomically
from baton.domain import REVIEWED_DATA, REVIEWED_DOMAIN, domain_path, is_generated
from retraining.export import Example
from retraining.intents import domain_intents

RULES_FILE = REVIEWED_DATA / "new_intents.yml"
# Rasa's own action when the RulePolicy sets no core_fallback_action_name
DEFAULT_FALLBACK = "action_default_fallback"
_HEADER = (
    "# Written by Baton's review inbox from its database (review_labels): edits here are\n"
    "# overwritten. {why}\n"
)


def new_intents(bot_dir: Path, examples: Iterable[Example]) -> list[str]:
    """Intents of ``examples`` the hand-written domain lacks, sorted."""
    known = set(domain_intents(bot_dir, generated=False))
    return sorted({e.intent for e in examples} - known)


def fallback_action(bot_dir: Path) -> str:
    """The action the bot's RulePolicy runs on a turn no rule covers."""
    config = bot_dir / "config.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8")) if config.exists() else None
    for policy in (data or {}).get("policies") or ():
        if isinstance(policy, dict) and policy.get("name") == "RulePolicy":
            return str(policy.get("core_fallback_action_name") or DEFAULT_FALLBACK)
    return DEFAULT_FALLBACK


def _steps(item: Any) -> Iterator[dict[str, Any]]:
    for step in (item.get("steps") if isinstance(item, dict) else None) or ():
        if isinstance(step, dict):
            yield step
            yield from (s for s in step.get("or") or () if isinstance(s, dict))


def storied_intents(bot_dir: Path) -> set[str]:
    """Intents the hand-written stories and rules of ``data/`` use."""
    used: set[str] = set()
    data = bot_dir / "data"
    for file in sorted(data.rglob("*.yml")) if data.is_dir() else ():
        if is_generated(bot_dir, file):
            continue
        content = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        if not isinstance(content, dict):
            continue
        for item in [*(content.get("stories") or ()), *(content.get("rules") or ())]:
            used.update(str(s["intent"]) for s in _steps(item) if isinstance(s.get("intent"), str))
    return used


def render_domain(intents: Sequence[str]) -> str:
    why = "New intents of labels; add one to domain/domain.yml to own it."
    body = yaml.safe_dump({"version": "3.1", "intents": list(intents)}, sort_keys=False)
    return _HEADER.format(why=why) + body


def render_rules(intents: Sequence[str], action: str) -> str:
    why = "A new intent's rule goes once a hand-written story or rule uses the intent."
    rules = [
        {
            "rule": f"{intent} (new intent from the review inbox)",
            "steps": [{"intent": intent}, {"action": action}],
        }
        for intent in intents
    ]
    body = yaml.safe_dump({"version": "3.1", "rules": rules}, sort_keys=False)
    return _HEADER.format(why=why) + body


def _put(path: Path, content: str | None) -> bool:
    if content is not None:
        return write_atomically(path, content)
    if path.exists():
        path.unlink()
        return True
    return False


def write_new_intents(bot_dir: Path, intents: Sequence[str]) -> list[Path]:
    """Write (or remove, when ``intents`` is empty) the domain file and the rules of the new
    ``intents`` in the project ``bot_dir``. Returns the files that changed."""
    if not domain_path(bot_dir).is_dir():
        return []
    rules_for = sorted(set(intents) - storied_intents(bot_dir))
    changed: list[Path] = []
    domain_file = bot_dir / REVIEWED_DOMAIN
    if _put(domain_file, render_domain(intents) if intents else None):
        changed.append(domain_file)
    rules_file = bot_dir / RULES_FILE
    if _put(rules_file, render_rules(rules_for, fallback_action(bot_dir)) if rules_for else None):
        changed.append(rules_file)
    return changed

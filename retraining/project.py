"""The Rasa project a retraining trains from: a private copy of the bot project with the
reviewed examples of the training side of the split, and any new intents in its domain.

Training from a copy keeps the run reproducible while owners go on labelling, and never
leaves a half-written file in the shared project.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from baton.domain import DOMAIN_DIR, DOMAIN_FILE, REVIEWED_DATA, domain_files, domain_path
from retraining.export import Example, deduplicated, held_out, normalise, render
from retraining.new_intents import new_intents, write_new_intents

_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])")
# what a model is trained from (the same inputs as baton.training's fingerprint)
_PROJECT_PARTS = ("config.yml", "components")


def bot_examples_by_intent(bot_dir: Path) -> dict[str, set[str]]:
    """The bot project's own NLU example texts per intent (the reviewed ones left out),
    entity annotations removed."""
    data = bot_dir / "data"
    reviewed = bot_dir / REVIEWED_DATA
    examples: dict[str, set[str]] = {}
    for file in sorted(data.rglob("*.yml")):
        if reviewed in file.parents:
            continue
        for item in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if not isinstance(item, dict) or "intent" not in item:
                continue
            for line in str(item.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- ") and line[2:].strip():
                    examples.setdefault(str(item["intent"]), set()).add(
                        _ANNOTATION.sub(r"\1", line[2:]).strip()
                    )
    return examples


def bot_examples(bot_dir: Path) -> set[str]:
    """Normalised texts of every NLU example the bot project has besides the reviewed ones."""
    return {normalise(text) for texts in bot_examples_by_intent(bot_dir).values() for text in texts}


@dataclass(frozen=True, slots=True)
class TrainingProject:
    folder: Path
    domain: Path  # a folder: the bot's hand-written domain plus the new intents it lacked
    trained: list[Example]  # reviewed examples in the training data
    held_out: list[Example]  # reviewed examples kept back for the evaluation
    new_intents: list[str]


def split(
    examples: Sequence[Example], known: set[str], share: float
) -> tuple[list[Example], list[Example]]:
    """(train, held out) of the deduplicated examples; intents with a single example stay
    whole on the training side (a held-out example of an intent the model never saw would
    measure nothing but the split)."""
    kept = deduplicated(examples, known)
    counts: dict[str, int] = {}
    for e in kept:
        counts[e.intent] = counts.get(e.intent, 0) + 1
    train = [e for e in kept if counts[e.intent] < 2 or not held_out(e.text, share)]
    test = [e for e in kept if counts[e.intent] >= 2 and held_out(e.text, share)]
    return train, test


def prepare(
    bot_dir: Path, target: Path, examples: Sequence[Example], held_out_share: float
) -> TrainingProject:
    """Copy the project to ``target`` (replacing it) with the training side of the reviewed
    examples as ``data/reviewed/<source>.yml``."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for part in _PROJECT_PARTS:
        source = bot_dir / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, target / part)
    shutil.copytree(
        bot_dir / "data",
        target / "data",
        ignore=lambda folder, names: [
            n for n in names if Path(folder, n) == bot_dir / REVIEWED_DATA
        ],
    )
    known = bot_examples(bot_dir)
    train, test = split(examples, known, held_out_share)
    reviewed = target / REVIEWED_DATA
    reviewed.mkdir(parents=True, exist_ok=True)
    for name in sorted({e.source for e in train}):
        (reviewed / f"{name}.yml").write_text(
            render([e for e in train if e.source == name]), encoding="utf-8"
        )
    domain = target / DOMAIN_DIR
    domain.mkdir()
    where = domain_path(bot_dir)
    for file in domain_files(bot_dir, generated=False):
        copy = domain / (file.relative_to(where) if where.is_dir() else DOMAIN_FILE)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, copy)
    added = new_intents(target, train)
    write_new_intents(target, added)
    return TrainingProject(target, domain, train, test, added)

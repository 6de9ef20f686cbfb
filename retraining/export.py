"""Reviewed labels as Rasa NLU YAML: one file per source under ``data/reviewed/``, sorted,
without duplicates, regenerated whole from the database and written atomically.

Because every write regenerates the files from the rows, a crash at any point leaves either
the old or the new file (never half of one), and the next write repairs whatever the crash
left behind: no label is lost or duplicated.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from baton.atomic import write_atomically
from baton.domain import REVIEWED_DATA
from retraining.failures import Source

HEADER = (
    "# Written by Baton's review inbox from its database (review_labels): edits here are\n"
    "# overwritten. Label, relabel or remove examples on the review page instead.\n"
)
# Rasa reads "[text](entity)", "[text]{...}" and "[text][...]" in an example as entity
# markup: a customer who typed that wrote text, not markup
_MARKUP = re.compile(r"\]([({\[])")


@dataclass(frozen=True, slots=True)
class Example:
    """One reviewed training example."""

    label_id: int  # earlier labels win over later duplicates
    text: str
    intent: str
    source: str
    entities: Sequence[dict[str, Any]] = field(default_factory=tuple)


def normalise(text: str) -> str:
    """The comparison key of an example: case and spacing do not make a new example."""
    return " ".join(text.split()).casefold()


def held_out(text: str, share: float) -> bool:
    """A stable split: the same text is always on the same side, whoever labelled it when."""
    digest = hashlib.sha256(normalise(text).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def annotate(text: str, entities: Iterable[dict[str, Any]]) -> str:
    """The example line: ``text`` on one line, stray markup neutralised, the entities the
    NLU found annotated (``[12345](order_number)``) so the entity extractor keeps learning."""
    one_line = " ".join(text.split())
    spans: list[tuple[int, int, str]] = []
    if one_line == text:  # offsets still hold
        for e in entities:
            start, end, name = e.get("start"), e.get("end"), e.get("entity")
            if (
                isinstance(start, int)
                and isinstance(end, int)
                and isinstance(name, str)
                and 0 <= start < end <= len(text)
                and text[start:end].strip() == text[start:end]
                and "]" not in text[start:end]
            ):
                spans.append((start, end, name))
    out: list[str] = []
    position = 0
    for start, end, name in sorted(set(spans), key=lambda s: (s[0], -s[1], s[2])):
        if start < position:
            continue  # overlapping spans (two extractors): the longest from the same start
        out.append(_plain(one_line[position:start]))
        out.append(f"[{one_line[start:end]}]({name})")
        position = end
    out.append(_plain(one_line[position:]))
    return "".join(out)


def _plain(text: str) -> str:
    return _MARKUP.sub(r"] \1", text)


def deduplicated(
    examples: Iterable[Example], known: AbstractSet[str] = frozenset()
) -> list[Example]:
    """Each text once across all files (the earliest label wins, also over a later label
    with another intent: conflicting examples would teach the NLU nothing), and none that
    the bot's own data already has."""
    seen = set(known)
    kept: list[Example] = []
    for example in sorted(examples, key=lambda e: e.label_id):
        key = normalise(example.text)
        if not key or key in seen:
            continue
        seen.add(key)
        kept.append(example)
    return kept


def render(examples: Iterable[Example]) -> str:
    """Rasa 3 NLU YAML: intents sorted by name, examples sorted by text."""
    by_intent: dict[str, set[str]] = {}
    for example in examples:
        by_intent.setdefault(example.intent, set()).add(annotate(example.text, example.entities))
    lines = [HEADER.rstrip("\n"), 'version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {text}" for text in sorted(by_intent[intent], key=str.casefold))
    if not by_intent:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"


def write_reviewed(bot_dir: Path, examples: Sequence[Example], known: set[str]) -> list[Path]:
    """Write ``data/reviewed/<source>.yml`` for every source from ``examples`` (all labels,
    deduplicated here); files of sources without examples are removed. Returns the files
    that changed."""
    folder = bot_dir / REVIEWED_DATA
    kept = deduplicated(examples, known)
    changed: list[Path] = []
    for source in Source:
        path = folder / f"{source.value}.yml"
        mine = [e for e in kept if e.source == source.value]
        if mine:
            if write_atomically(path, render(mine)):
                changed.append(path)
        elif path.exists():
            path.unlink()
            changed.append(path)
    return changed

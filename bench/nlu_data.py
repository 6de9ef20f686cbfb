"""Intent datasets in CLINC150's layout, checked, and written as Rasa NLU training data.

The layout (see shared/datasets/README.md): a JSON object whose ``train`` and ``test`` keys
(required) and ``val``, ``oos_train``, ``oos_val``, ``oos_test`` keys (optional) each hold a
list of ``[text, label]`` pairs; out-of-scope pairs carry the label ``oos``, in their own keys
or mixed into the others. Nothing in a file stops the benchmark half-way without a reason:
every entry that cannot be used is dropped and counted under a named reason, and the counts
are printed with the results.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

OOS_LABEL = "oos"
# what the trained model calls an out-of-scope message: the demo bot's intent of that name
OOS_INTENT = "out_of_scope"
# intents that mean "not one of the known intents": the out-of-scope intent, and Rasa's
# FallbackClassifier's answer to a low or ambiguous confidence
DECLINED = frozenset({OOS_INTENT, "nlu_fallback"})
_SAFE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class DatasetError(ValueError):
    """The file cannot be used at all (what is wrong is in the message)."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str  # the dataset's own label; OOS_LABEL for out-of-scope


@dataclass(slots=True)
class Dataset:
    train: list[Example]
    test: list[Example]
    # label -> Rasa intent name (identity for plain labels)
    intents: dict[str, str]
    dropped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def labels_of(self, intents: Sequence[str | None]) -> list[str]:
        """The dataset label each predicted intent stands for (OOS_LABEL for a declined one)."""
        label_by_intent = {intent: label for label, intent in self.intents.items()}
        return [
            OOS_LABEL if not intent or intent in DECLINED else label_by_intent.get(intent, intent)
            for intent in intents
        ]

    def summary(self) -> dict[str, Any]:
        return {
            "train_examples": len(self.train),
            "test_examples": len(self.test),
            "labels": len({e.label for e in self.train}),
            "oos_train": sum(e.label == OOS_LABEL for e in self.train),
            "oos_test": sum(e.label == OOS_LABEL for e in self.test),
            "renamed_labels": sum(1 for k, v in self.intents.items() if k not in (v, OOS_LABEL)),
            "dropped": dict(sorted(self.dropped.items())),
            "notes": self.notes,
        }


def _pairs(data: dict[str, Any], key: str, dropped: Counter[str]) -> list[Example]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise DatasetError(
            f"`{key}` must be a list of [text, label] pairs, not {type(value).__name__}"
        )
    examples = []
    for entry in value:
        if (
            not isinstance(entry, list | tuple)
            or len(entry) != 2
            or not all(isinstance(part, str) for part in entry)
        ):
            dropped[f"{key}: not a [text, label] pair of strings"] += 1
            continue
        text, label = " ".join(entry[0].split()), entry[1].strip()
        if not text:
            dropped[f"{key}: empty text"] += 1
        elif not label:
            dropped[f"{key}: empty label"] += 1
        else:
            examples.append(Example(text, OOS_LABEL if key.startswith("oos_") else label))
    return examples


def _deduplicate(examples: list[Example], split: str, dropped: Counter[str]) -> list[Example]:
    """Keep the first of repeated texts; a text seen again with another label is a conflict."""
    seen: dict[str, str] = {}
    kept = []
    for example in examples:
        key = example.text.casefold()
        if key not in seen:
            seen[key] = example.label
            kept.append(example)
        elif seen[key] == example.label:
            dropped[f"{split}: duplicate example"] += 1
        else:
            dropped[f"{split}: same text as an example of another label (first kept)"] += 1
    return kept


def intent_names(labels: set[str]) -> dict[str, str]:
    """A Rasa-safe intent name per label: plain labels as they are, others (spaces, unicode,
    names Rasa reserves) as ``label_<n>``, mapped back when scoring."""
    names: dict[str, str] = {}
    for number, label in enumerate(sorted(labels)):
        if label == OOS_LABEL:
            names[label] = OOS_INTENT
        elif _SAFE.fullmatch(label) and label not in DECLINED:
            names[label] = label
        else:
            names[label] = f"label_{number}"
    return names


def load_dataset(path: Path, limit_per_label: int | None = None) -> Dataset:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DatasetError(f"cannot read {path}: {error.strerror or error}") from error
    except ValueError as error:
        raise DatasetError(f"{path} is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise DatasetError(f"{path}: expected a JSON object with `train` and `test` keys")
    missing = [key for key in ("train", "test") if key not in data]
    if missing:
        raise DatasetError(
            f"{path}: missing key(s) {', '.join(missing)} (found: {', '.join(data)})"
        )
    dropped: Counter[str] = Counter()
    train = _deduplicate(
        _pairs(data, "train", dropped) + _pairs(data, "oos_train", dropped), "train", dropped
    )
    test = _deduplicate(
        _pairs(data, "test", dropped) + _pairs(data, "oos_test", dropped), "test", dropped
    )
    notes = [
        f"`{key}` not used: the pipeline trains on `train` only"
        for key in ("val", "oos_val")
        if data.get(key)
    ]
    if limit_per_label:
        train = _limit(train, limit_per_label)
        test = _limit(test, limit_per_label)
        notes.append(f"at most {limit_per_label} examples per label in train and in test")
    known = {e.label for e in train}
    unseen = [e for e in test if e.label not in known and e.label != OOS_LABEL]
    if unseen:
        dropped["test: label absent from train (not scored)"] += len(unseen)
        test = [e for e in test if e.label in known or e.label == OOS_LABEL]
    in_scope = known - {OOS_LABEL}
    if len(in_scope) < 2:
        raise DatasetError(f"{path}: training needs at least two labels, found {len(in_scope)}")
    if not test:
        raise DatasetError(f"{path}: no usable test examples")
    return Dataset(train, test, intent_names(known), dropped, notes)


def _limit(examples: list[Example], limit: int) -> list[Example]:
    taken: Counter[str] = Counter()
    kept = []
    for example in examples:
        if taken[example.label] < limit:
            taken[example.label] += 1
            kept.append(example)
    return kept


def write_rasa_nlu(dataset: Dataset, path: Path) -> None:
    """The training split as Rasa YAML, one block per intent, examples in file order."""
    by_intent: dict[str, list[str]] = {}
    for example in dataset.train:
        by_intent.setdefault(dataset.intents[example.label], []).append(example.text)
    document = {
        "version": "3.1",
        "nlu": [
            {"intent": intent, "examples": [{"text": text} for text in by_intent[intent]]}
            for intent in sorted(by_intent)
        ],
    }
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")

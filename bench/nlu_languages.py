"""Intent accuracy per language, on an assistant's own held-out test sets.

    python -m bench.nlu_languages [--project bot]

Trains the assistant's NLU (its ``config.yml`` and all of ``data/``, every language at once,
as ``baton train`` does) with ``rasa train nlu``, serves it, and parses each language's
held-out set, ``tests/nlu/<language>.yml`` (Rasa NLU YAML, entity annotations allowed).
A held-out text that is also a training text is dropped and counted: the sets measure
examples the model never saw. Per language: in-scope accuracy, out-of-scope recall (the
contract's out-of-scope intents, or ``nlu_fallback``), macro-F1, and parse latency p50/p99.
``python -m bench.nlu`` runs this after CLINC150 and puts the rows in the same report.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from baton import paths
from baton.project import load_project
from bench.nlu_data import OOS_LABEL, Dataset, Example

# [Anna Kowalska](name) or [12345]{"entity": "order_number"} → the annotated words
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
TESTS = Path("tests") / "nlu"


class LanguageSetError(ValueError):
    """A held-out file that cannot be read (the message says which and why)."""


def plain(text: str) -> str:
    """An annotated example as the customer typed it."""
    return " ".join(_ANNOTATION.sub(r"\1", text).split())


def read_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU YAML file, annotations removed."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise LanguageSetError(f"{path}: {error}") from error
    pairs = []
    for block in document.get("nlu") or ():
        intent = block.get("intent") if isinstance(block, dict) else None
        examples = block.get("examples") if intent else None
        if not isinstance(examples, str):
            continue
        for line in examples.splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((plain(line[2:]), str(intent)))
    return pairs


def training_texts(data: Path) -> set[str]:
    texts: set[str] = set()
    for file in sorted(data.rglob("*.yml")):
        texts.update(text.casefold() for text, _ in read_examples(file))
    return texts


def held_out_sets(
    project: Path, declined: frozenset[str]
) -> tuple[dict[str, Dataset], Counter[str]]:
    """One test set per language file; out-of-scope intents scored as OOS_LABEL."""
    seen = training_texts(project / "data")
    dropped: Counter[str] = Counter()
    sets: dict[str, Dataset] = {}
    for file in sorted((project / TESTS).glob("*.yml")):
        language = file.stem
        examples = []
        for text, intent in read_examples(file):
            if text.casefold() in seen:
                dropped[f"{language}: also a training example"] += 1
                continue
            examples.append(Example(text, OOS_LABEL if intent in declined else intent))
        intents = {e.label: e.label for e in examples if e.label != OOS_LABEL}
        intents[OOS_LABEL] = "out_of_scope"
        sets[language] = Dataset([], examples, intents)
    return sets, dropped


def run(project_dir: Path) -> dict[str, Any]:
    """Train once, score every language; the report's ``languages`` part."""
    from bench.nlu import _nlu_part, latency_summary, parse_all, scores, train

    project = load_project(project_dir)
    declined = frozenset(project.contract.conversation.out_of_scope_intents)
    sets, dropped = held_out_sets(project.dir, declined)
    if not sets:
        raise LanguageSetError(f"{project.dir / TESTS}: no held-out sets (<language>.yml)")
    config = _nlu_part(yaml.safe_load((project.dir / "config.yml").read_text()))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-nlu-languages-") as scratch:
        work = Path(scratch)
        print(f"\n==> {project.name}: training its NLU on every language", flush=True)
        model, seconds, train_mb = train(config, project.dir / "data", work, project.dir)
        print(f"    trained in {seconds:.0f} s", flush=True)
        for language, dataset in sets.items():
            predicted, latencies, serve_mb = parse_all(model, dataset, work, project.dir)
            row = {
                "language": language,
                "test_examples": len(dataset.test),
                "intents": len({e.label for e in dataset.test}),
                **scores(dataset, predicted),
                "parse": latency_summary(latencies, len(dataset.test)),
                "serve_peak_mb": round(serve_mb),
            }
            print(
                f"    {language}: in-scope accuracy {row['in_scope_accuracy']}%, "
                f"out-of-scope recall {row['oos_recall']}%",
                flush=True,
            )
            rows.append(row)
    return {
        "project": str(project.dir),
        "train_seconds": round(seconds, 1),
        "train_peak_mb": round(train_mb),
        "dropped": dict(dropped),
        "rows": rows,
    }


def print_rows(part: dict[str, Any]) -> None:
    print(
        f"\n{'language':<10}{'examples':>10}{'in-scope %':>12}{'OOS recall %':>14}"
        f"{'macro-F1 %':>12}{'p50 ms':>9}{'p99 ms':>9}"
    )
    for row in part["rows"]:
        recall = "—" if row["oos_recall"] is None else row["oos_recall"]
        print(
            f"{row['language']:<10}{row['test_examples']:>10}{row['in_scope_accuracy']:>12}"
            f"{recall:>14}{row['macro_f1']:>12}{row['parse']['p50_ms']:>9}"
            f"{row['parse']['p99_ms']:>9}"
        )
    print(f"trained on every language at once in {part['train_seconds']} s ({part['project']})")
    for reason, count in part["dropped"].items():
        print(f"dropped {count}: {reason}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_languages", description=__doc__)
    parser.add_argument("--project", type=Path, default=paths.BOT)
    args = parser.parse_args(argv)
    try:
        part = run(args.project)
    except LanguageSetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print_rows(part)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

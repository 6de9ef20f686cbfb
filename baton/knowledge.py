"""``baton index``: build the help centre's knowledge index and calibrate its answer threshold.

The articles are Markdown files in help_centre/. The threshold is calibrated on the bot's own
training data: the NLU examples of every intent that rules.yml sends to the help centre are
questions it should answer; the out-of-scope and small-talk examples are messages it should
not. Nothing is rebuilt when neither the articles, the model nor that data changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import yaml

from baton import paths

ARTICLES = paths.BOT / "help_centre"
KNOWLEDGE_ACTION = "action_knowledge_answer"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


ONNX_DIR = paths.VAR / "minilm-onnx"


def ensure_onnx(folder: Path = ONNX_DIR) -> None:
    """Export MiniLM to ONNX for the Rasa runtime's featurizer, unless this very model is
    already exported there (bot/components/minilm_featurizer.py reads it)."""
    from knowledge_index.onnx_export import export_onnx

    if export_onnx(folder):
        print(f"==> exported all-MiniLM-L6-v2 to ONNX for the Rasa runtime ({folder})", flush=True)


def index_dir() -> Path:
    return Path(os.environ.get("BATON_KNOWLEDGE_INDEX") or paths.VAR / "knowledge")


@dataclass(frozen=True)
class CalibrationData:
    answerable: list[str]
    unanswerable: list[str]
    digest: str  # of both lists: recalibrate when the bot's data changes
    # the same per language of the examples (a file data/**/<language>.yml, or in a folder of
    # that name, is in that language; the others in the assistant's first)
    by_language: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)


def knowledge_intents(data_folder: Path) -> list[str]:
    """Intents whose rule answers them with the help centre (nlu_fallback aside), from every
    training data file of the project."""
    rules = [
        rule
        for file in sorted(data_folder.rglob("*.yml"))
        for rule in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("rules") or []
    ]
    intents: list[str] = []
    for rule in rules:
        steps = rule.get("steps") or []
        for step, following in pairwise(steps):
            intent = step.get("intent")
            if intent and intent != "nlu_fallback" and following.get("action") == KNOWLEDGE_ACTION:
                intents.append(intent)
    return sorted(set(intents))


def example_language(file: Path, languages: Sequence[str]) -> str:
    """The language of an NLU file: ``nb.yml`` or ``nb/…`` is Norwegian when the assistant
    serves it; any other file is in the assistant's first language."""
    for part in (file.stem, *(p.name for p in file.parents)):
        if part in languages:
            return part
    return languages[0]


def nlu_examples(
    nlu_folder: Path, language: str | None = None, languages: Sequence[str] = ()
) -> dict[str, list[str]]:
    """Example texts per intent from Rasa NLU YAML files, entity annotations removed; only
    the files in ``language`` when given (see :func:`example_language`)."""
    examples: dict[str, list[str]] = {}
    for file in sorted(nlu_folder.rglob("*.yml")):
        if language is not None and example_language(file, languages or [language]) != language:
            continue
        for item in (yaml.safe_load(file.read_text()) or {}).get("nlu") or []:
            if "intent" not in item:
                continue
            lines = str(item.get("examples") or "").splitlines()
            texts = [
                _ANNOTATION.sub(r"\1", line.strip()[2:])
                for line in lines
                if line.strip().startswith("- ")
            ]
            examples.setdefault(item["intent"], []).extend(t for t in texts if t.strip())
    return examples


def calibration_data(bot: Path = paths.BOT) -> CalibrationData:
    """Questions the help centre should answer (examples of intents a rule answers from it)
    and messages it should not (the intents ``baton.yml`` lists as unanswerable, out of scope
    or ending the conversation)."""
    from baton.project import load_project

    contract = load_project(bot).contract
    refused = dict.fromkeys(
        [
            *contract.knowledge.unanswerable_intents,
            *contract.conversation.out_of_scope_intents,
            *contract.conversation.ending_intents,
        ]
    )
    intents = knowledge_intents(bot / "data")
    examples = nlu_examples(bot / "data")
    answerable = [text for intent in intents for text in examples.get(intent, [])]
    unanswerable = [text for intent in refused for text in examples.get(intent, [])]
    by_language: dict[str, tuple[list[str], list[str]]] = {}
    if len(contract.languages) > 1:
        for language in contract.languages:
            own = nlu_examples(bot / "data", language, contract.languages)
            pair = (
                [text for intent in intents for text in own.get(intent, [])],
                [text for intent in refused for text in own.get(intent, [])],
            )
            if pair[0] and pair[1]:
                by_language[language] = pair
    digest = hashlib.sha256(
        json.dumps([answerable, unanswerable, sorted(by_language.items())]).encode()
    ).hexdigest()
    return CalibrationData(answerable, unanswerable, digest, by_language)


def up_to_date(
    articles: Path, target: Path, data: CalibrationData, default_language: str = "en"
) -> bool:
    """True when the current build has these articles in this default language, this model,
    and a threshold calibrated on this data for this scoring (checked without loading the
    model)."""
    from knowledge_index.articles import load_articles
    from knowledge_index.build import MANIFEST_VERSION, current_manifest
    from knowledge_index.embedder import fingerprint, model_path
    from knowledge_index.search import SCORING

    manifest = current_manifest(target)
    if manifest is None:
        return False
    found, failed = load_articles(articles, default_language=default_language)
    calibration = manifest.get("calibration") or {}
    return (
        not failed
        and manifest.get("version") == MANIFEST_VERSION
        and manifest.get("default_language") == default_language
        and manifest.get("model") == fingerprint(model_path())
        and manifest.get("articles") == {a.id: a.digest for a in found}
        and calibration.get("source_digest") == data.digest
        and calibration.get("scoring") == SCORING
    )


def ensure_index(
    force: bool = False,
    articles: Path = ARTICLES,
    target: Path | None = None,
    bot: Path = paths.BOT,
) -> int:
    """Build (incrementally) and calibrate on ``bot``'s training data when needed; 0 on
    success, 1 when some article failed (the others are indexed), 2 when nothing could be
    indexed."""
    from baton.project import load_project
    from knowledge_index import (
        KnowledgeError,
        KnowledgeIndex,
        build_index,
        calibrate,
        load_embedder,
    )
    from knowledge_index.build import set_calibration
    from knowledge_index.embedder import Encoded
    from knowledge_index.search import SCORING

    target = target or index_dir()
    data = calibration_data(bot)
    # an article without a `language` in its front matter is in the assistant's first language
    language = load_project(bot).contract.languages[0]
    if not force and up_to_date(articles, target, data, language):
        print(f"==> knowledge index up to date ({target})", flush=True)
        return 0
    print(f"==> building the knowledge index from {articles}", flush=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    embedder = load_embedder()
    try:
        report = build_index(articles, target, embedder, progress=True, default_language=language)
    except KnowledgeError as exc:
        print(f"baton: {exc}", file=sys.stderr)
        return 2
    for error in report.failed:
        print(f"baton: skipped {error}", file=sys.stderr)
    print(
        f"    {report.articles} articles, {report.chunks} chunks ({report.kind}); "
        f"embedded {report.embedded}, from cache {report.cached}; "
        f"{len(report.changed)} new or changed, {len(report.removed)} removed; "
        f"{report.seconds:.1f} s",
        flush=True,
    )
    index = KnowledgeIndex.load(target, embedder)
    encodings: dict[str, Encoded] = {}  # each message encoded once for every calibration
    calibration = calibrate(index, data.answerable, data.unanswerable, encodings=encodings)
    # each language's questions among its own articles: scores differ between languages
    served = set(index.languages)
    calibration["languages"] = {
        code: calibrate(index, answerable, unanswerable, code, encodings)
        for code, (answerable, unanswerable) in data.by_language.items()
        if code in served
    }
    calibration["source"] = f"{bot.name}/data: help-centre intents vs out-of-scope and small talk"
    calibration["source_digest"] = data.digest
    calibration["scoring"] = SCORING
    set_calibration(target, calibration)
    print(
        f"    answer threshold {calibration['threshold']:.3f}: answers "
        f"{calibration['true_positive_rate']:.0%} of {calibration['answerable']} help-centre "
        f"questions and {calibration['false_positive_rate']:.0%} of "
        f"{calibration['unanswerable']} other messages",
        flush=True,
    )
    for code, own in calibration["languages"].items():
        print(
            f"    {code}: threshold {own['threshold']:.3f}, answers "
            f"{own['true_positive_rate']:.0%} of {own['answerable']} questions and "
            f"{own['false_positive_rate']:.0%} of {own['unanswerable']} other messages",
            flush=True,
        )
    return 1 if report.failed else 0


def try_question(question: str, k: int = 5, target: Path | None = None) -> int:
    """Print what the index finds for ``question`` and whether the bot would answer it."""
    from knowledge_index import KnowledgeError, KnowledgeIndex, load_embedder

    target = target or index_dir()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        index = KnowledgeIndex.load(target, load_embedder())
    except KnowledgeError as exc:
        print(f"baton: {exc}", file=sys.stderr)
        return 2
    hits = index.search(question, k=k)
    threshold = index.threshold
    if (searched := index.corrected(question)) != question.strip():
        print(f"searched as: {searched}")
    if not hits:
        print("nothing found (the question has no words the index can use)")
        return 0
    for rank, hit in enumerate(hits, 1):
        opening = " ".join(hit.chunk.text.split())[:90]
        print(
            f"{rank}. {hit.score:.3f}  {hit.chunk.article_id}#{hit.chunk.anchor or '-'}  "
            f"(relevance {hit.relevance:.3f}; title {hit.title_similarity:.2f}, "
            f"passage {hit.chunk_similarity:.2f}, "
            f"article {hit.article_similarity:.2f}, title pieces {hit.title_pieces:.2f}, "
            f"bm25 {hit.lexical:.1f})\n   {opening}"
        )
    verdict = (
        "no threshold calibrated: the bot would not answer"
        if threshold is None
        else f"the bot would answer with #1 (threshold {threshold:.3f})"
        if hits[0].score >= threshold
        else f"below the threshold {threshold:.3f}: the bot would ask for other words"
    )
    print(verdict)
    return 0

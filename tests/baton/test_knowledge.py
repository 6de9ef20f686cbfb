"""`baton index`: which intents calibrate the threshold, and the build's exit status."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from baton import paths
from baton.knowledge import (
    calibration_data,
    ensure_index,
    knowledge_intents,
    nlu_examples,
    try_question,
)
from knowledge_index import KnowledgeIndex, load_embedder
from knowledge_index.search import SCORING

CORPUS = Path(__file__).parent.parent / "knowledge_index" / "corpus"


def test_the_help_centre_intents_are_read_from_the_rules() -> None:
    intents = knowledge_intents(paths.BOT / "data")
    assert {"returns", "delivery_options", "warranty", "contact_hours"} <= set(intents)
    assert not {"nlu_fallback", "greet", "order_status", "request_human"} & set(intents)


def test_nlu_examples_lose_their_entity_annotations(tmp_path: Path) -> None:
    (tmp_path / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: inform\n    examples: |\n'
        "      - my order is [12345](order_number)\n"
        '      - I am [Anna]{"entity": "name"}\n'
        "  - regex: order_number\n    examples: |\n      - \\d{5,8}\n"
    )
    assert nlu_examples(tmp_path) == {"inform": ["my order is 12345", "I am Anna"]}


def test_the_bots_own_data_gives_both_sides_of_the_calibration() -> None:
    data = calibration_data()
    assert len(data.answerable) > 100 and len(data.unanswerable) > 50
    assert not set(data.answerable) & set(data.unanswerable)


def test_a_build_with_a_broken_article_indexes_the_rest_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(CORPUS, articles)
    (articles / "broken.md").write_text("---\ntitle: no id\n---\ntext")
    target = tmp_path / "index"
    assert ensure_index(articles=articles, target=target) == 1
    err = capsys.readouterr().err
    assert "broken.md" in err and "id" in err
    manifest = json.loads((target / "current" / "manifest.json").read_text())
    assert len(manifest["articles"]) == 7
    assert manifest["calibration"]["threshold"] > 0
    # a build with a failed article is never "up to date": the next run tries again
    assert ensure_index(articles=articles, target=target) == 1
    (articles / "broken.md").unlink()
    assert ensure_index(articles=articles, target=target) == 0
    assert ensure_index(articles=articles, target=target) == 0
    assert "up to date" in capsys.readouterr().out


def test_nothing_to_index_exits_2(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_text("")
    assert ensure_index(articles=tmp_path, target=tmp_path / "index") == 2


def test_ask_shows_the_passages_and_whether_the_bot_would_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "index"
    ensure_index(articles=CORPUS, target=target)
    capsys.readouterr()
    assert try_question("how do I send something back?", k=2, target=target) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[2].startswith("returns#")
    assert "the bot would answer" in out and "searched as" not in out
    assert try_question("how do I send somthing back?", k=2, target=target) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "searched as: how do I send something back?"
    assert out.splitlines()[1].split()[2].startswith("returns#")
    assert try_question("who won the football match yesterday?", target=target) == 0
    assert "would ask for other words" in capsys.readouterr().out
    assert try_question("😀", target=target) == 0
    assert "nothing found" in capsys.readouterr().out
    assert try_question("anything", target=tmp_path / "missing") == 2


def test_a_threshold_calibrated_for_another_scoring_is_calibrated_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    target = tmp_path / "index"
    assert ensure_index(articles=CORPUS, target=target) == 0
    manifest_file = target / "current" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    assert manifest["calibration"]["scoring"] == SCORING
    # as an index calibrated before the scoring gained a signal
    manifest["calibration"]["scoring"] = "title 1.0 + chunk 0.3 + bm25 0.15"
    manifest["calibration"]["threshold"] = 0.99
    manifest_file.write_text(json.dumps(manifest))
    with caplog.at_level(logging.WARNING, logger="knowledge_index.search"):
        KnowledgeIndex.load(target, load_embedder())
    assert "calibrated for another scoring" in caplog.text
    capsys.readouterr()
    assert ensure_index(articles=CORPUS, target=target) == 0
    assert "up to date" not in capsys.readouterr().out
    calibration = json.loads(manifest_file.read_text())["calibration"]
    assert calibration["scoring"] == SCORING and calibration["threshold"] < 0.99


def test_a_build_of_an_older_format_is_rebuilt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "index"
    assert ensure_index(articles=CORPUS, target=target) == 0
    capsys.readouterr()
    assert ensure_index(articles=CORPUS, target=target) == 0
    assert "up to date" in capsys.readouterr().out
    manifest_file = target / "current" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["version"] = 1  # before title_tokens.npz and words.json
    manifest_file.write_text(json.dumps(manifest))
    (target / "current" / "title_tokens.npz").unlink()
    assert ensure_index(articles=CORPUS, target=target) == 0
    assert "up to date" not in capsys.readouterr().out
    assert (target / "current" / "title_tokens.npz").exists()

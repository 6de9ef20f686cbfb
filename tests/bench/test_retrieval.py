"""The retrieval benchmark reads both dataset layouts and scores rankings correctly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.retrieval import load_dataset, ranking_metrics


def test_the_generic_layout_is_read(tmp_path: Path) -> None:
    data = tmp_path / "faq.json"
    data.write_text(
        json.dumps(
            {
                "articles": [
                    {"id": "a1", "title": "Returns", "body": "Send it back within 30 days."},
                    {"id": "a2", "title": "Delivery", "body": ""},
                ],
                "queries": [{"text": "how do I send it back", "article_id": "a1"}],
            }
        )
    )
    articles, queries = load_dataset(data)
    assert [(a.id, a.title) for a in articles] == [("a1", "Returns"), ("a2", "Delivery")]
    assert articles[1].body == "Delivery"  # an empty body falls back to the title
    assert queries == [("how do I send it back", "a1")]


def test_the_stackfaq_layout_is_read_without_placeholder_rephrasings(tmp_path: Path) -> None:
    data = tmp_path / "stackfaq.json"
    thread = {"question": "Strikethrough on GitHub", "answer": ["Use ~~x~~.", None, " "],
              "rephr": ["cross out text on github", "*", None, "  "]}  # fmt: skip
    data.write_text(json.dumps({"root": {"qapair": [thread]}}))
    articles, queries = load_dataset(data)
    assert articles[0].title == "Strikethrough on GitHub" and articles[0].body == "Use ~~x~~."
    assert queries == [("cross out text on github", "thread-0")]


@pytest.mark.parametrize(
    ("ranked", "expected", "metrics"),
    [
        ([["a", "b"]], ["a"], {"p_at_1": 1.0, "r_at_5": 1.0, "mrr_at_10": 1.0}),
        ([["b", "a"]], ["a"], {"p_at_1": 0.0, "r_at_5": 1.0, "mrr_at_10": 0.5}),
        ([list("bcdefa")], ["a"], {"p_at_1": 0.0, "r_at_5": 0.0, "mrr_at_10": 0.1667}),
        ([["b"], ["a"]], ["a", "a"], {"p_at_1": 0.5, "r_at_5": 0.5, "mrr_at_10": 0.5}),
    ],
)
def test_ranking_metrics(
    ranked: list[list[str]], expected: list[str], metrics: dict[str, float]
) -> None:
    assert ranking_metrics(ranked, expected) == metrics

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from retraining.export import (
    Example,
    annotate,
    deduplicated,
    held_out,
    render,
    write_atomically,
    write_reviewed,
)


def test_render_is_rasa_nlu_yaml_sorted_by_intent_and_text() -> None:
    text = render(
        [
            Example(3, "Zebra gift card?", "gift_cards", "fallback"),
            Example(1, "do you sell gift cards", "gift_cards", "fallback"),
            Example(2, "what is the weather", "out_of_scope", "fallback"),
        ]
    )
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    assert [item["intent"] for item in data["nlu"]] == ["gift_cards", "out_of_scope"]
    assert data["nlu"][0]["examples"] == "- do you sell gift cards\n- Zebra gift card?\n"
    assert text.startswith("# Written by Baton's review inbox")


def test_duplicates_go_whatever_their_case_and_spacing_the_earliest_label_wins() -> None:
    kept = deduplicated(
        [
            Example(5, "Where  is my ORDER", "order_status", "fallback"),
            Example(2, "where is my order", "delivery_options", "fallback"),
            Example(7, "hello there", "greet", "fallback"),
        ],
        known={"hello there"},
    )
    assert [(e.label_id, e.intent) for e in kept] == [(2, "delivery_options")]


def test_entities_found_by_the_nlu_are_annotated_and_typed_markup_is_neutralised() -> None:
    assert (
        annotate("order 12345 is late", [{"entity": "order_number", "start": 6, "end": 11}])
        == "order [12345](order_number) is late"
    )
    # two extractors found the same or overlapping spans: annotated once
    both = [
        {"entity": "email", "start": 3, "end": 17, "extractor": "CRF"},
        {"entity": "email", "start": 3, "end": 17, "extractor": "Regex"},
        {"entity": "name", "start": 3, "end": 5},
    ]
    assert annotate("me jo@example.com", both) == "me [jo@example.com](email)"
    assert annotate("see [this](link) now", []) == "see [this] (link) now"
    # multi-line text becomes one line; offsets no longer hold, so no annotation
    assert (
        annotate("line one\nline 2", [{"entity": "x", "start": 0, "end": 4}]) == "line one line 2"
    )


def test_the_held_out_split_is_stable_and_roughly_the_share() -> None:
    texts = [f"message number {i}" for i in range(2000)]
    picked = [t for t in texts if held_out(t, 0.2)]
    assert 300 < len(picked) < 500
    assert picked == [t for t in texts if held_out(t.upper(), 0.2)]


def test_a_crash_while_writing_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "fallback.yml"
    write_atomically(target, "old content\n")

    def crash(*_: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        write_atomically(target, "new content\n")
    assert target.read_text() == "old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["fallback.yml"]  # no temp file left


def test_reviewed_files_are_one_per_source_and_regenerated_whole(tmp_path: Path) -> None:
    examples = [
        Example(1, "gift card please", "gift_cards", "fallback"),
        Example(2, "is a voucher a gift card", "gift_cards", "handoff"),
        Example(3, "gift card please", "gift_cards", "handoff"),  # duplicate of 1
    ]
    changed = write_reviewed(tmp_path, examples, known=set())
    folder = tmp_path / "data" / "reviewed"
    assert sorted(p.name for p in changed) == ["fallback.yml", "handoff.yml"]
    handoff = yaml.safe_load((folder / "handoff.yml").read_text())
    assert handoff["nlu"][0]["examples"] == "- is a voucher a gift card\n"
    # unchanged input: nothing rewritten
    assert write_reviewed(tmp_path, examples, known=set()) == []
    # a half-written file from a crash of another writer is repaired on the next write
    (folder / "fallback.yml").write_text("nlu:\n- intent: gift_ca")
    assert write_reviewed(tmp_path, examples, known=set()) == [folder / "fallback.yml"]
    assert "gift card please" in (folder / "fallback.yml").read_text()
    # a source without labels any more loses its file
    assert write_reviewed(tmp_path, examples[:1], known=set()) == [folder / "handoff.yml"]
    assert not (folder / "handoff.yml").exists()

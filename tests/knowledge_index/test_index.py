"""The index end to end with the real MiniLM model: build, manifest, incremental rebuild,
search quality on a small corpus, calibration, and queries or indexes that must not crash."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from knowledge_index import (
    IndexMismatch,
    IndexMissing,
    KnowledgeError,
    KnowledgeIndex,
    best_per_article,
    build_index,
    calibrate,
    choose_threshold,
    load_embedder,
)
from knowledge_index.embedder import Embedder, Encoded

CORPUS = Path(__file__).parent / "corpus"


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.identity = inner.identity
        self.dimension = inner.dimension
        self.words = inner.words
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        self.embedded.extend(texts)
        return self.inner.embed(texts, batch_size)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> list[Encoded]:
        self.embedded.extend(texts)
        return self.inner.encode(texts, batch_size)

    def pieces(self, texts: Sequence[str]) -> list[npt.NDArray[np.int32]]:
        return self.inner.pieces(texts)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_embedder()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(CORPUS, folder)
    return folder


@pytest.fixture
def built(corpus: Path, tmp_path: Path, embedder: Embedder) -> tuple[Path, KnowledgeIndex]:
    target = tmp_path / "index"
    build_index(corpus, target, embedder)
    return target, KnowledgeIndex.load(target, embedder)


def test_the_manifest_names_model_dimension_and_article_hashes(
    built: tuple[Path, KnowledgeIndex], embedder: Embedder
) -> None:
    target, index = built
    manifest = json.loads((target / "current" / "manifest.json").read_text())
    assert manifest["model"] == embedder.identity and manifest["model"].startswith("all-MiniLM")
    assert manifest["dimension"] == 384
    assert manifest["index_kind"] == "flat"
    assert set(manifest["articles"]) == {
        "returns", "delivery", "password", "warranty", "gift-cards", "vimeo-links", "youtube-links"
    }  # fmt: skip
    assert all(len(digest) == 64 for digest in manifest["articles"].values())
    assert manifest["chunks"] == len(index.chunks) == 10


@pytest.mark.parametrize(
    ("query", "article", "anchor"),
    [
        ("how can I send something back?", "returns", ""),
        ("where do I print the return label", "returns", "starting-a-return"),
        ("can I return earbuds I already opened", "returns", "opened-headphones"),
        ("how much is next day shipping", "delivery", "express-delivery"),
        ("I forgot my login", "password", ""),
        ("my laptop broke after a year, is it covered?", "warranty", ""),
        ("do vouchers expire", "gift-cards", ""),
        ("start a vimeo clip at a given time", "vimeo-links", ""),
        ("youtube link that starts at a timestamp", "youtube-links", ""),
    ],
)
def test_search_finds_the_right_passage(
    built: tuple[Path, KnowledgeIndex], query: str, article: str, anchor: str
) -> None:
    _, index = built
    hits = index.search(query, k=3)
    assert hits[0].article_id == article
    assert hits[0].chunk.anchor == anchor
    assert hits == sorted(hits, key=lambda h: -h.relevance)
    assert len({h.chunk.id for h in hits}) == len(hits)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("can I retrun earbuds I alredy opened", "can I return earbuds I already opened"),
        ("do vouchers exipre", "do vouchers expire"),
        ("start a vimeo clip at a givven time", "start a vimeo clip at a given time"),
    ],
)
def test_a_misspelt_question_is_searched_as_meant(
    built: tuple[Path, KnowledgeIndex], typed: str, meant: str
) -> None:
    _, index = built
    assert index.corrected(typed) == meant
    assert index.search(typed, k=3) == index.search(meant, k=3)


@pytest.mark.parametrize("query", ["", "   ", "?!?...", "😀🎉👍", "-- // ***"])
def test_a_query_without_words_finds_nothing(
    built: tuple[Path, KnowledgeIndex], query: str
) -> None:
    _, index = built
    assert index.search(query) == []


def test_a_build_from_before_the_title_pieces_still_loads_and_searches(
    built: tuple[Path, KnowledgeIndex], embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    target, index = built
    assert index.search("do vouchers expire")[0].title_pieces > 0
    (target / "current" / "title_tokens.npz").unlink()
    (target / "current" / "words.json").unlink()
    with caplog.at_level(logging.WARNING):
        old = KnowledgeIndex.load(target, embedder)
    assert "run `baton index`" in caplog.text
    hits = old.search("do vouchres expire")  # the speller counts the chunks' words instead
    assert hits[0].article_id == "gift-cards" and hits[0].title_pieces == 0.0
    assert old.corrected("do vouchres expire") == "do vouchers expire"


def test_a_very_long_query_still_gets_an_answer(built: tuple[Path, KnowledgeIndex]) -> None:
    _, index = built
    hits = index.search("How do I return my order? " + "blah " * 2_000, k=2)
    assert len(hits) == 2 and hits[0].article_id == "returns"


def test_a_rebuild_embeds_only_what_changed(
    corpus: Path, tmp_path: Path, embedder: Embedder
) -> None:
    counting = CountingEmbedder(embedder)
    target = tmp_path / "index"
    first = build_index(corpus, target, counting)
    assert first.embedded == len(counting.embedded) == 10 + 7  # chunks + titles
    assert sorted(first.changed) == sorted(json.loads(
        (target / "current" / "manifest.json").read_text())["articles"])  # fmt: skip

    counting.embedded.clear()
    again = build_index(corpus, target, counting)
    assert (again.embedded, again.changed, counting.embedded) == (0, [], [])

    text = (corpus / "password.md").read_text().replace("one hour", "two hours")
    (corpus / "password.md").write_text(text)
    (corpus / "giftcards.md").unlink()
    counting.embedded.clear()
    edited = build_index(corpus, target, counting)
    assert edited.changed == ["password"] and edited.removed == ["gift-cards"]
    assert counting.embedded == [
        "Resetting your password\n" + text.split("---\n", 2)[2].strip()
    ]  # only the edited chunk; its title was embedded before
    index = KnowledgeIndex.load(target, embedder)
    assert "gift-cards" not in {c.article_id for c in index.chunks}
    assert "two hours" in index.search("password reset link validity")[0].chunk.text


def test_bad_articles_are_reported_and_the_rest_indexed(
    corpus: Path, tmp_path: Path, embedder: Embedder
) -> None:
    (corpus / "broken.md").write_text("---\nid: broken\n")
    (corpus / "latin1.md").write_bytes(b"---\nid: x\ntitle: T\n---\ncaf\xe9")
    report = build_index(corpus, tmp_path / "index", embedder)
    assert sorted(e.path.name for e in report.failed) == ["broken.md", "latin1.md"]
    assert report.articles == 7


def test_nothing_to_index_is_an_error(tmp_path: Path, embedder: Embedder) -> None:
    (tmp_path / "empty.md").write_text("")
    with pytest.raises(KnowledgeError, match="no article"):
        build_index(tmp_path, tmp_path / "index", embedder)


def test_an_index_from_another_model_is_refused(
    built: tuple[Path, KnowledgeIndex], embedder: Embedder
) -> None:
    target, _ = built
    manifest_file = target / "current" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest.update(model="other-model@123", dimension=768)
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="rebuild"):
        KnowledgeIndex.load(target, embedder)


def test_a_missing_index_says_how_to_build_one(tmp_path: Path, embedder: Embedder) -> None:
    with pytest.raises(IndexMissing, match="baton index"):
        KnowledgeIndex.load(tmp_path, embedder)


def test_best_per_article_keeps_one_chunk_per_article(built: tuple[Path, KnowledgeIndex]) -> None:
    _, index = built
    hits = best_per_article(index.search("returning opened headphones", k=10))
    assert len({h.article_id for h in hits}) == len(hits)


def test_calibration_separates_questions_from_other_messages(
    built: tuple[Path, KnowledgeIndex],
) -> None:
    _, index = built
    calibration = calibrate(
        index,
        ["how do I send an item back", "is express shipping available", "reset my password"],
        ["what's the weather tomorrow", "tell me a joke", "hello there"],
    )
    assert calibration["true_positive_rate"] == 1.0
    assert calibration["false_positive_rate"] == 0.0
    assert index.search("tell me a joke")[0].score < calibration["threshold"]


@pytest.mark.parametrize(
    ("answerable", "unanswerable", "threshold", "tpr", "fpr"),
    [
        ([0.8, 0.9], [0.1, 0.2], 0.5, 1.0, 0.0),  # separable: halfway between
        ([0.5, 0.9], [0.1, 0.6], 0.75, 0.5, 0.0),  # ties in J go to the stricter threshold
        ([0.7], [0.7], 0.7, 0.0, 0.0),  # nothing separates them: answer nothing
    ],
)
def test_the_threshold_maximises_youden_j(
    answerable: list[float], unanswerable: list[float], threshold: float, tpr: float, fpr: float
) -> None:
    chosen = choose_threshold(answerable, unanswerable)
    assert chosen["threshold"] == pytest.approx(threshold, abs=1e-4)
    assert (chosen["true_positive_rate"], chosen["false_positive_rate"]) == (tpr, fpr)

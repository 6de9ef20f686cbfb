"""Building the index: articles → chunks → embeddings (cached) → FAISS + BM25 + manifest.

The layout under the index folder::

    cache.sqlite3          embeddings by model and text hash (survives rebuilds)
    builds/<stamp>/        one complete index: manifest.json, chunks.json, titles.npy,
                           vectors.faiss, lexical/<language>/ (BM25 per language),
                           words.json (the speller's word counts, its languages' chunks),
                           title_tokens.npz (the titles' word-piece vectors, float16, and
                           in how many articles each word piece occurs)
    current -> builds/<stamp>

A build writes a new folder and then moves the ``current`` link in one step, so a process
that loads the index meanwhile sees the old one or the new one, never half of each.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import faiss
import numpy as np
import numpy.typing as npt

from knowledge_index.articles import Article, Chunk, chunk_article, load_articles
from knowledge_index.cache import EmbeddingCache
from knowledge_index.embedder import Encoded, TextEmbedder
from knowledge_index.errors import ArticleError, KnowledgeError
from knowledge_index.languages import DEFAULT_LANGUAGE, LANGUAGES, normalise_language
from knowledge_index.lexical import LexicalByLanguage
from knowledge_index.spelling import SPELLING_LANGUAGES, word_counts
from knowledge_index.title_tokens import TITLE_TOKENS, TitleTokens
from knowledge_index.vectors import build_vector_index, kind_of

T = TypeVar("T")
MANIFEST_VERSION = 3  # 2: title_tokens.npz and words.json; 3: languages, lexical/<language>/
KEEP_BUILDS = 2  # the current build and the one before it


@dataclass
class BuildReport:
    articles: int = 0
    chunks: int = 0
    embedded: int = 0  # texts sent to the model in this build
    cached: int = 0  # texts whose embedding came from the cache
    changed: list[str] = field(default_factory=list)  # article ids new or edited since last build
    removed: list[str] = field(default_factory=list)
    failed: list[ArticleError] = field(default_factory=list)
    kind: str = ""
    languages: dict[str, int] = field(default_factory=dict)  # chunks per language
    seconds: float = 0.0
    path: Path | None = None


def embed_cached(
    texts: Sequence[str],
    embedder: TextEmbedder,
    cache: EmbeddingCache | None,
    *,
    progress: bool = False,
    batch_size: int = 64,
) -> tuple[npt.NDArray[np.float32], int]:
    """Embeddings of ``texts`` in order, and how many had to be computed (not in the cache)."""
    found: dict[str, npt.NDArray[np.float32]] = cache.get(texts) if cache else {}
    computed = compute_missing(
        texts,
        found,
        lambda batch: list(embedder.embed(batch, batch_size=batch_size)),
        lambda batch, vectors: cache.put(batch, np.stack(vectors)) if cache else None,
        "embedding" if progress else None,
        batch_size,
    )
    matrix = (
        np.stack([found[text] for text in texts])
        if texts
        else np.zeros((0, embedder.dimension), dtype=np.float32)
    )
    return matrix.astype(np.float32, copy=False), computed


def encode_cached(
    texts: Sequence[str],
    embedder: TextEmbedder,
    cache: EmbeddingCache | None,
    *,
    progress: bool = False,
    batch_size: int = 64,
) -> tuple[list[Encoded], int]:
    """``Encoded`` of ``texts`` in order (sentence and word-piece vectors, both cached), and
    how many had to go through the model."""
    found = cache.get_encoded(texts) if cache else {}
    computed = compute_missing(
        texts,
        found,
        lambda batch: embedder.encode(batch, batch_size=batch_size),
        lambda batch, encoded: cache.put_encoded(batch, encoded) if cache else None,
        "embedding titles" if progress else None,
        batch_size,
    )
    return [found[text] for text in texts], computed


def compute_missing(
    texts: Sequence[str],
    found: dict[str, T],
    compute: Callable[[list[str]], Sequence[T]],
    store: Callable[[list[str], Sequence[T]], object],
    progress: str | None,
    batch_size: int,
) -> int:
    """Computes the texts not in ``found`` in batches, adding them to it and passing each
    batch to ``store`` (the cache); a progress bar named ``progress`` if given. Returns how
    many texts were computed."""
    missing = list(dict.fromkeys(text for text in texts if text not in found))
    bar = progress_bar(len(missing), progress) if progress and missing else None
    for start in range(0, len(missing), batch_size):
        batch = missing[start : start + batch_size]
        results = compute(batch)
        store(batch, results)
        found.update(zip(batch, results, strict=True))
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()
    return len(missing)


def progress_bar(total: int, description: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="text")


def current_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The manifest of the build ``current`` points at (None: no readable build yet)."""
    path = index_dir / "current" / "manifest.json"
    if not path.exists():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text())
        return data
    except (OSError, ValueError):
        return None


def build_index(
    articles_dir: Path,
    index_dir: Path,
    embedder: TextEmbedder,
    *,
    progress: bool = False,
    calibration: dict[str, Any] | None = None,
    default_language: str = DEFAULT_LANGUAGE,
) -> BuildReport:
    """Index every article under ``articles_dir`` into ``index_dir``; embeds only texts not
    seen before. Articles that fail to load are reported and left out; the rest are indexed.
    An article without a ``language`` key is in ``default_language`` (the assistant's)."""
    started = time.perf_counter()
    articles, failed = load_articles(articles_dir, default_language)
    return write_index(
        articles, index_dir, embedder, progress=progress, failed=failed,
        calibration=calibration, started=started, default_language=default_language,
    )  # fmt: skip


def write_index(
    articles: Sequence[Article],
    index_dir: Path,
    embedder: TextEmbedder,
    *,
    progress: bool = False,
    failed: Sequence[ArticleError] = (),
    calibration: dict[str, Any] | None = None,
    started: float | None = None,
    default_language: str = DEFAULT_LANGUAGE,
) -> BuildReport:
    started = started if started is not None else time.perf_counter()
    if not articles:
        raise KnowledgeError("no article could be loaded; nothing to index")
    for language in {default_language, *(article.language for article in articles)}:
        if normalise_language(language) != language:
            raise KnowledgeError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    report = BuildReport(failed=list(failed))
    before = current_manifest(index_dir)
    old_hashes: dict[str, str] = (before or {}).get("articles", {})
    if before and before.get("model") != embedder.identity:
        old_hashes = {}  # another model: every article counts as changed
    report.changed = [a.id for a in articles if old_hashes.get(a.id) != a.digest]
    report.removed = sorted(set(old_hashes) - {a.id for a in articles})

    chunks: list[Chunk] = [chunk for article in articles for chunk in chunk_article(article)]
    index_dir.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(index_dir / "cache.sqlite3", embedder.identity, embedder.dimension)
    try:
        titles = [a.title for a in articles]
        title_encoded, titles_computed = encode_cached(titles, embedder, cache, progress=progress)
        texts = [chunk.embedding_text for chunk in chunks]
        chunk_vectors, computed = embed_cached(texts, embedder, cache, progress=progress)
    finally:
        cache.close()
    title_vectors = (
        np.stack([item.vector for item in title_encoded])
        if title_encoded
        else np.zeros((0, embedder.dimension), dtype=np.float32)
    )
    report.embedded = computed + titles_computed
    report.cached = len(set(texts)) + len(set(titles)) - report.embedded

    vector_index = build_vector_index(np.ascontiguousarray(chunk_vectors))
    texts_of_chunks = [chunk.words_text for chunk in chunks]
    languages = [chunk.language for chunk in chunks]
    lexical = LexicalByLanguage.build(texts_of_chunks, languages)
    # the speller corrects towards its own languages' words only (English: see spelling.py)
    spelled = [text for text, language in zip(texts_of_chunks, languages, strict=True)
               if language in SPELLING_LANGUAGES]  # fmt: skip

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    build = index_dir / "builds" / stamp
    build.mkdir(parents=True)
    faiss.write_index(vector_index, str(build / "vectors.faiss"))
    np.save(build / "titles.npy", title_vectors)
    TitleTokens.build(title_encoded, articles, chunks, embedder).save(build / TITLE_TOKENS)
    lexical.save(build / "lexical")
    (build / "words.json").write_text(json.dumps(word_counts(spelled), ensure_ascii=False))
    (build / "chunks.json").write_text(
        json.dumps([_chunk_record(chunk) for chunk in chunks], ensure_ascii=False)
    )
    report.kind = kind_of(vector_index)
    report.languages = {language: languages.count(language) for language in sorted(set(languages))}
    manifest = {
        "version": MANIFEST_VERSION,
        "model": embedder.identity,
        "dimension": embedder.dimension,
        "index_kind": report.kind,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "chunks": len(chunks),
        "articles": {article.id: article.digest for article in articles},
        "article_order": [article.id for article in articles],
        "default_language": default_language,
        "languages": report.languages,
        "calibration": calibration,
    }
    (build / "manifest.json").write_text(json.dumps(manifest, indent=2))
    _point_current_at(index_dir, build)
    report.articles, report.chunks = len(articles), len(chunks)
    report.seconds = time.perf_counter() - started
    report.path = build
    return report


def set_calibration(index_dir: Path, calibration: dict[str, Any]) -> None:
    """Record the answer threshold (see ``calibration.py``) in the current build's manifest."""
    path = index_dir / "current" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["calibration"] = calibration
    scratch = path.with_suffix(".json.tmp")
    scratch.write_text(json.dumps(manifest, indent=2))
    os.replace(scratch, path)


def _chunk_record(chunk: Chunk) -> dict[str, Any]:
    record = asdict(chunk)
    record["tags"] = list(chunk.tags)
    return record


def _point_current_at(index_dir: Path, build: Path) -> None:
    link = index_dir / "current"
    scratch = index_dir / f".current-{os.getpid()}"
    if scratch.is_symlink() or scratch.exists():
        scratch.unlink()
    scratch.symlink_to(build.relative_to(index_dir))
    os.replace(scratch, link)  # atomic: readers see the old build or the new one
    builds = sorted((index_dir / "builds").iterdir())
    for old in builds[:-KEEP_BUILDS]:
        shutil.rmtree(old, ignore_errors=True)

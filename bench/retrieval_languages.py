"""Knowledge answers per language: P@1 of the help centre's search in each language.

    python -m bench.retrieval_languages [--queries DIR] [--help-centre DIR]

One index of the whole help centre (every language, as ``baton index`` builds it); each
``<language>.json`` query file (``{"language", "queries": [{"text", "article_id"}]}``,
written for that language, nothing trained on them) is searched as the product searches:
BM25 alone, dense alone, the fusion tuned on English and the shipped one (each language's
weights, ``knowledge_index.search.weights_for``), each restricted to the query's language,
and the shipped one across languages (``search_any_language``: an answer in another language
when the customer's has none good enough). Reports P@1, R@5, MRR@10 and latency per language.
``python -m bench.retrieval`` runs this after its main dataset and puts the rows in the same
report.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from baton import paths
from bench.report import latency_summary
from knowledge_index import (
    DENSE_ONLY,
    LEXICAL_ONLY,
    SHIPPED,
    KnowledgeIndex,
    Weights,
    best_per_article,
    load_embedder,
    write_index,
)
from knowledge_index.articles import load_articles

QUERIES = paths.ROOT / "bench" / "data" / "retrieval"
HELP_CENTRE = paths.BOT / "help_centre"
# "shipped" is what the product searches with: each language's weights (weights_for);
# "english fusion" the weights tuned on English, for every language, side by side
MODES: dict[str, Weights | None] = {
    "bm25": LEXICAL_ONLY,
    "dense": DENSE_ONLY,
    "english fusion": SHIPPED,
    "shipped": None,
}
ANY_LANGUAGE = "shipped, any language"


class QuerySetError(ValueError):
    """A query file that cannot be used (the message says which and why)."""


def load_queries(path: Path, known: set[str]) -> tuple[str, list[tuple[str, str]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        language = str(data["language"])
        queries = [(str(q["text"]), str(q["article_id"])) for q in data["queries"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise QuerySetError(f"{path}: {error}") from error
    unknown = sorted({gold for _, gold in queries} - known)
    if unknown:
        raise QuerySetError(f"{path}: article ids not in the help centre: {', '.join(unknown)}")
    return language, queries


def run(queries_dir: Path = QUERIES, help_centre: Path = HELP_CENTRE) -> dict[str, Any]:
    from bench.retrieval import ranking_metrics

    articles, errors = load_articles(help_centre)
    if errors:
        raise QuerySetError(f"{help_centre}: {len(errors)} article(s) do not load: {errors[0]}")
    known = {a.id for a in articles}
    sets = [load_queries(path, known) for path in sorted(queries_dir.glob("*.json"))]
    if not sets:
        raise QuerySetError(f"{queries_dir}: no <language>.json query files")
    by_language: dict[str, int] = {}
    for article in articles:
        by_language[article.language] = by_language.get(article.language, 0) + 1
    print(f"==> help centre: {len(articles)} articles ({by_language})", flush=True)
    embedder = load_embedder()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        write_index(articles, Path(scratch), embedder, progress=True)
        index = KnowledgeIndex.load(Path(scratch), embedder)
        for language, queries in sets:
            for text, _ in queries[:5]:  # warm up
                index.search(text, k=10, language=language)
            for mode in (*MODES, ANY_LANGUAGE):
                ranked: list[list[str]] = []
                latencies = []
                for text, _ in queries:
                    started = time.perf_counter()
                    if mode == ANY_LANGUAGE:
                        hits = index.search_any_language(text, language, k=50)
                    else:
                        hits = index.search(text, k=50, weights=MODES[mode], language=language)
                    latencies.append((time.perf_counter() - started) * 1000)
                    ranked.append([hit.article_id for hit in best_per_article(hits)[:10]])
                scores = ranking_metrics(ranked, [gold for _, gold in queries])
                rows.append({
                    "language": language,
                    "mode": mode,
                    "queries": len(queries),
                    "articles": by_language.get(language, 0),
                    **scores,
                    "latency": latency_summary(latencies, len(queries)),
                })  # fmt: skip
            shipped = next(r for r in rows if r["language"] == language and r["mode"] == "shipped")
            print(f"    {language}: shipped P@1 {shipped['p_at_1']:.4f}", flush=True)
    return {"help_centre": str(help_centre), "articles": len(articles), "rows": rows}


def print_rows(part: dict[str, Any]) -> None:
    print(
        f"\n{'language':<9}{'mode':<23}{'queries':>8}{'articles':>9}{'P@1':>8}{'R@5':>8}"
        f"{'MRR@10':>8}{'p50 ms':>8}{'p99 ms':>8}"
    )
    for row in part["rows"]:
        print(
            f"{row['language']:<9}{row['mode']:<23}{row['queries']:>8}{row['articles']:>9}"
            f"{row['p_at_1']:>8.4f}{row['r_at_5']:>8.4f}{row['mrr_at_10']:>8.4f}"
            f"{row['latency']['p50_ms']:>8.2f}{row['latency']['p99_ms']:>8.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.retrieval_languages", description=__doc__
    )
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--help-centre", type=Path, default=HELP_CENTRE)
    args = parser.parse_args(argv)
    try:
        part = run(args.queries, args.help_centre)
    except QuerySetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print_rows(part)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Retrieval benchmark: BM25 alone, dense alone and the shipped fusion, side by side.

    python -m bench.retrieval [--data ../shared/datasets/stackfaq/stackExchange-FAQ.json]

Accepts StackFAQ's layout (``root.qapair``: threads with ``question``, ``answer``, ``rephr``;
the question is the article title, the answers its body, the rephrasings the queries) or the
generic ``{"articles": [{"id", "title", "body"}], "queries": [{"text", "article_id"}]}``.
Nothing is trained on the queries. Every configuration searches a question as the product
does, misspellings corrected; the shipped one runs once more on the questions as typed.
Reports P@1, R@5 and MRR@10 at article level, single-query
latency p50/p99 (embedding included), index build time and memory; prints a table and writes
bench/results/retrieval.json and retrieval.png; then P@1 per language on the demo help
centre (:mod:`bench.retrieval_languages`, rows in the same report). It also checks how the
shipped weights of the article and title word-piece signals were chosen: 2-fold
cross-validation over a small grid (choose on one half of the queries, score the other half,
both ways). The scale mode is ``python -m bench.vectors``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench import retrieval_languages
from bench.report import cpu_busy, latency_summary, machine
from knowledge_index import (
    DENSE_ONLY,
    LEXICAL_ONLY,
    SHIPPED,
    Article,
    Encoded,
    KnowledgeIndex,
    Weights,
    best_per_article,
    load_embedder,
    write_index,
)
from knowledge_index.lexical import LexicalIndex
from knowledge_index.title_tokens import TITLE_TOKENS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "stackfaq" / "stackExchange-FAQ.json"
AS_TYPED = "shipped, as typed"
MODES: dict[str, Weights] = {
    "bm25": LEXICAL_ONLY,
    "dense": DENSE_ONLY,
    "shipped": SHIPPED,
    AS_TYPED: SHIPPED,  # what the spelling correction adds, measured in the same run
}
# The weights the cross-validation chooses from, one signal at a time, the others as shipped.
GRIDS: dict[str, tuple[float, ...]] = {
    "article": (0.0, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0),
    "title_pieces": (0.0, 0.25, 0.5, 0.75, 1.0, 1.5),
}
SPLITS = 5  # random halvings of the queries for the cross-validation


def load_dataset(path: Path) -> tuple[list[Article], list[tuple[str, str]]]:
    """Articles and (query, expected article id) pairs from either accepted layout."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "articles" in data and "queries" in data:
        articles = [
            Article(
                id=str(item["id"]),
                title=str(item["title"]),
                url=None,
                tags=(),
                body=str(item.get("body") or item["title"]),
                digest=hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest(),
            )
            for item in data["articles"]
        ]
        queries = [(str(q["text"]), str(q["article_id"])) for q in data["queries"]]
        return articles, queries
    threads = data["root"]["qapair"]
    articles, queries = [], []
    for number, thread in enumerate(threads):
        article_id = f"thread-{number}"
        answers = thread.get("answer") or []
        if isinstance(answers, str):  # one thread (the Vimeo one) holds a bare string
            answers = [answers]
        answers = [a.strip() for a in answers if a and a.strip()]
        body = "\n\n".join(answers) or thread["question"]
        articles.append(
            Article(
                id=article_id,
                title=thread["question"].strip(),
                url=None,
                tags=(),
                body=body,
                digest=str(number),
            )
        )
        for text in thread.get("rephr") or []:
            if text and text.strip() and text.strip() != "*":
                queries.append((text.strip(), article_id))
    return articles, queries


def ranking_metrics(ranked: Sequence[Sequence[str]], expected: Sequence[str]) -> dict[str, float]:
    p1 = r5 = mrr = 0.0
    for ids, gold in zip(ranked, expected, strict=True):
        position = ids.index(gold) if gold in ids else None
        p1 += position == 0
        r5 += position is not None and position < 5
        mrr += 1 / (position + 1) if position is not None and position < 10 else 0
    n = max(len(expected), 1)
    return {"p_at_1": round(p1 / n, 4), "r_at_5": round(r5 / n, 4), "mrr_at_10": round(mrr / n, 4)}


def cross_validate(
    index: KnowledgeIndex,
    queries: Sequence[tuple[str, str]],
    encoded: Sequence[Encoded],
    signal: str,
) -> dict[str, Any]:
    """P@1 of the ``signal``'s weight chosen on one half of the queries, scored on the other
    half (both ways; seeded splits, the first one reported in detail); ties go to the smaller
    weight. Also the best weight on all queries, the optimistic figure the held-out one
    corrects."""
    grid = GRIDS[signal]
    correct = np.zeros((len(grid), len(queries)), dtype=bool)
    for row, weight in enumerate(grid):
        weights = replace(SHIPPED, **{signal: weight})
        for column, ((text, gold), item) in enumerate(zip(queries, encoded, strict=True)):
            hits = index.search_encoded(text, item, k=10, weights=weights)
            correct[row, column] = bool(hits) and hits[0].article_id == gold
    folds = []
    held_out_by_seed = []
    for seed in range(SPLITS):
        order = np.random.default_rng(seed).permutation(len(queries))
        halves = (order[: len(order) // 2], order[len(order) // 2 :])
        held_out = 0
        for chosen_on, scored_on in (halves, halves[::-1]):
            row = int(np.argmax(correct[:, chosen_on].mean(axis=1)))
            held_out += int(correct[row, scored_on].sum())
            if seed == 0:
                folds.append({
                    "weight": grid[row],
                    "p_at_1_chosen_on": round(float(correct[row, chosen_on].mean()), 4),
                    "p_at_1_held_out": round(float(correct[row, scored_on].mean()), 4),
                })  # fmt: skip
        held_out_by_seed.append(round(held_out / len(queries), 4))
    full = correct.mean(axis=1)
    return {
        "signal": signal,
        "shipped": getattr(SHIPPED, signal),
        "grid": list(grid),
        "p_at_1_by_weight": [round(float(value), 4) for value in full],
        "best_on_all": grid[int(np.argmax(full))],
        "folds": folds,
        "p_at_1_cross_validated": held_out_by_seed[0],
        "p_at_1_cross_validated_by_split": held_out_by_seed,
    }


def folder_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return round(sum(p.stat().st_size for p in files) / 1e6, 2)


def run(data: Path, limit: int | None) -> dict[str, Any]:
    articles, queries = load_dataset(data)
    if limit:
        queries = queries[:limit]
    print(f"==> {data.name}: {len(articles)} articles, {len(queries)} queries")
    embedder = load_embedder()
    with tempfile.TemporaryDirectory() as scratch:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        report = write_index(articles, Path(scratch), embedder, progress=True)
        assert report.path is not None
        build_mb = {
            "bm25": folder_mb(report.path / "lexical"),
            "dense": folder_mb(report.path / "vectors.faiss")
            + folder_mb(report.path / "titles.npy")
            + folder_mb(report.path / TITLE_TOKENS),
        }
        build_mb["shipped"] = round(build_mb["bm25"] + build_mb["dense"], 2)
        started = time.perf_counter()
        LexicalIndex.build([f"{a.title}\n{a.body}" for a in articles])
        bm25_seconds = time.perf_counter() - started
        index = KnowledgeIndex.load(Path(scratch), embedder)
        for text, _ in queries[:20]:  # warm up caches and the thread pool
            index.search(text, k=10)
        results = []
        for mode, weights in MODES.items():
            ranked: list[list[str]] = []
            latencies = []
            for text, _ in queries:
                started = time.perf_counter()
                if mode == AS_TYPED:  # the shipped search without the spelling correction
                    typed = text.strip()
                    hits = index.search_encoded(typed, embedder.encode([typed])[0], 50, weights)
                else:
                    hits = index.search(text, k=50, weights=weights)
                latencies.append((time.perf_counter() - started) * 1000)
                ranked.append([hit.article_id for hit in best_per_article(hits)[:10]])
            scores = ranking_metrics(ranked, [gold for _, gold in queries])
            seconds = bm25_seconds if mode == "bm25" else report.seconds
            corrected = sum(index.corrected(text) != text.strip() for text, _ in queries)
            results.append({
                "mode": mode,
                "weights": weights.describe(),
                **scores,
                "latency": latency_summary(latencies, len(queries)),
                "build_seconds": round(seconds, 2),
                "index_mb": build_mb["shipped" if mode == AS_TYPED else mode],
                "queries_corrected": 0 if mode == AS_TYPED else corrected,
            })  # fmt: skip
            print(f"    {mode}: P@1 {scores['p_at_1']:.4f}")
        searched = [(index.corrected(text), gold) for text, gold in queries]
        encoded = embedder.encode([text for text, _ in searched])
        tuning = [cross_validate(index, searched, encoded, signal) for signal in GRIDS]
        peak_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    return {
        "benchmark": "retrieval",
        "date": datetime.now(UTC).date().isoformat(),
        "machine": machine(),
        "data": str(data),
        "articles": len(articles),
        "chunks": report.chunks,
        "queries": len(queries),
        "index_kind": report.kind,
        "peak_rss_growth_mb": round(peak_mb, 1),
        "results": results,
        "weight_cross_validation": tuning,
    }


def print_results(result: dict[str, Any]) -> None:
    print()
    header = (
        f"{'mode':<18} {'P@1':>7} {'R@5':>7} {'MRR@10':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'build s':>8} {'index MB':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in result["results"]:
        print(
            f"{row['mode']:<18} {row['p_at_1']:>7.4f} {row['r_at_5']:>7.4f} "
            f"{row['mrr_at_10']:>7.4f} "
            f"{row['latency']['p50_ms']:>8.2f} {row['latency']['p99_ms']:>8.2f} "
            f"{row['build_seconds']:>8.1f} {row['index_mb']:>9.2f}"
        )
    print(
        f"\n{result['articles']} articles, {result['chunks']} chunks ({result['index_kind']}), "
        f"{result['queries']} queries; build time is embedding + FAISS + BM25 for dense and "
        f"shipped, BM25 alone for bm25; peak RSS growth {result['peak_rss_growth_mb']} MB; "
        f"{result['machine']['cores']} cores, {result['machine']['cpu']}"
    )
    for tuning in result["weight_cross_validation"]:
        by_weight = ", ".join(
            f"{w} → {p:.4f}"
            for w, p in zip(tuning["grid"], tuning["p_at_1_by_weight"], strict=True)
        )
        chosen = " and ".join(str(f["weight"]) for f in tuning["folds"])
        splits = tuning["p_at_1_cross_validated_by_split"]
        print(
            f"{tuning['signal']} weight (shipped {tuning['shipped']}, others as shipped), P@1 on "
            f"all queries: {by_weight}; 2-fold cross-validation chooses {chosen}, held-out "
            f"P@1 {tuning['p_at_1_cross_validated']:.4f} ({len(splits)} splits: "
            f"{min(splits):.4f} to {max(splits):.4f}, mean {sum(splits) / len(splits):.4f})"
        )


def draw(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["results"]
    names = ("p_at_1", "r_at_5", "mrr_at_10")
    x = np.arange(len(names))
    languages = [
        r for r in (result.get("languages") or {}).get("rows", []) if r["mode"] == "shipped"
    ]
    fig, axes = plt.subplots(1, 3 if languages else 2, figsize=(17 if languages else 12, 5))
    quality, speed = axes[0], axes[1]
    if languages:
        codes = [r["language"] for r in languages]
        bars = axes[2].bar(codes, [r["p_at_1"] for r in languages], color="C2")
        axes[2].bar_label(bars, [f"{r['p_at_1']:.2f}" for r in languages], fontsize=8)
        axes[2].set_ylim(0, 1.05)
        axes[2].set_title("demo help centre, shipped P@1 per language")
    for i, row in enumerate(rows):
        width = 0.8 / len(rows)
        offset = (i - (len(rows) - 1) / 2) * width
        values = [row[n] for n in names]
        bars = quality.bar(x + offset, values, width, label=row["mode"])
        quality.bar_label(bars, [f"{v:.4f}" for v in values], fontsize=6, rotation=90, padding=2)
        speed.bar(i - 0.17, row["latency"]["p50_ms"], 0.34, color=f"C{i}", alpha=0.55)
        speed.bar(i + 0.17, row["latency"]["p99_ms"], 0.34, color=f"C{i}")
    quality.set_xticks(x, ["P@1", "R@5", "MRR@10"])
    quality.set_ylim(min(r["p_at_1"] for r in rows) - 0.1, 1.04)
    quality.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=len(rows), fontsize=8)
    quality.set_title(f"{Path(result['data']).name}: quality")
    speed.set_xticks(range(len(rows)), [r["mode"] for r in rows])
    speed.set_ylabel("ms per query (p50 light, p99 dark)")
    speed.set_title(f"latency, {result['machine']['cores']} cores ({result['date']})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.retrieval",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, help="only the first N queries (a quick look)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--scale",
        type=int,
        metavar="N",
        help="scale mode instead: N synthetic vectors (python -m bench.vectors --vectors N)",
    )
    parser.add_argument(
        "--no-languages",
        action="store_true",
        help="skip the demo help centre's per-language queries (bench/data/retrieval/)",
    )
    args = parser.parse_args(argv)
    if args.scale:
        from bench.vectors import main as scale_main

        scale_main(["--vectors", str(args.scale), "--out", str(args.out)])
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not args.data.exists():
        parser.error(f"{args.data} not found")
    busy = cpu_busy()
    if busy > 0.2:  # other work on a 2-core machine shows up as latency, not as quality
        print(f"warning: CPU {busy:.0%} busy before start; latency figures may be inflated")
    result = run(args.data, args.limit)
    print_results(result)
    if not args.no_languages:
        try:
            result["languages"] = retrieval_languages.run()
        except retrieval_languages.QuerySetError as error:
            print(f"error: per-language run: {error}", file=sys.stderr)
            return 1
        retrieval_languages.print_rows(result["languages"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "retrieval.json").write_text(json.dumps(result, indent=2))
    draw(result, args.out / "retrieval.png")
    print(f"\nwrote {args.out / 'retrieval.json'} and retrieval.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

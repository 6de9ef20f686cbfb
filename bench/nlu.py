"""Intent benchmark: the shipped NLU pipeline (and Rasa's default one) through a real Rasa server.

    python -m bench.nlu [--data ../shared/datasets/clinc150/data_full.json] [--compare]

Trains the pipeline of bot/config.yml (``--pipeline default``: the pipeline of Rasa's own
default config, ``--compare``: both, one after the other) with ``rasa train nlu`` on the
file's train split, serves the model with ``rasa run --enable-api``, sends every test example
to ``/model/parse`` one at a time and reports in-scope accuracy, out-of-scope recall (when the
file has out-of-scope examples), macro-F1 over all labels, training wall time, parse latency
p50/p99 measured by the client, and the peak resident memory of training and of the server.
A message counts as predicted out of scope when its intent is ``out_of_scope`` (the trained
class the dataset's ``oos`` label becomes) or ``nlu_fallback`` (the FallbackClassifier's
low-confidence answer). Then, on the assistant of ``--project`` (default: the demo), intent
accuracy per language on its own held-out sets (:mod:`bench.nlu_languages`). Prints the
tables and writes bench/results/nlu.json and nlu.png.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from tqdm import tqdm

from baton import paths
from baton.knowledge import ensure_onnx
from baton.testing.services import free_port
from baton.training import rasa_env
from bench import nlu_languages
from bench.nlu_data import OOS_LABEL, Dataset, DatasetError, load_dataset, write_rasa_nlu
from bench.report import PeakMemory, cpu_busy, latency_summary, machine

RESULTS = paths.ROOT / "bench" / "results"
DEFAULT_DATA = paths.ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full.json"
WARM_UP = 20
SERVER_START_SECONDS = 300


class BenchError(RuntimeError):
    pass


def _nlu_part(config: dict[str, Any]) -> dict[str, Any]:
    return {key: config[key] for key in ("recipe", "language", "pipeline")}


def shipped_config() -> dict[str, Any]:
    return _nlu_part(yaml.safe_load((paths.BOT / "config.yml").read_text()))


def rasa_default_config(epochs: int | None) -> dict[str, Any]:
    """The pipeline Rasa itself ships as its default (read from the installed package)."""
    found = sorted(
        paths.ROOT.glob(
            ".venv-rasa/lib/python3*/site-packages/rasa/engine/recipes/config_files/default_config.yml"
        )
    )
    if not found:
        raise BenchError("Rasa's default_config.yml not found in .venv-rasa; run `make setup`")
    config = _nlu_part(yaml.safe_load(found[0].read_text()))
    if epochs:
        for component in config["pipeline"]:
            if "epochs" in component:
                component["epochs"] = epochs
    return config


def train(
    config: dict[str, Any], nlu: Path, work: Path, bot: Path = paths.BOT
) -> tuple[Path, float, float]:
    """``rasa train nlu`` in the Rasa runtime; its own output (progress bars) shows as it runs."""
    config_file = work / "config.yml"
    config_file.write_text(yaml.safe_dump({**config, "assistant_id": "bench-nlu"}, sort_keys=False))
    command = [
        str(paths.RASA_VENV_BIN / "rasa"), "train", "nlu", "--config", str(config_file),
        "--nlu", str(nlu), "--out", str(work / "models"), "--fixed-model-name", "nlu",
    ]  # fmt: skip
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=work, env=rasa_env(bot))
    with PeakMemory(process.pid) as memory:
        code = process.wait()
    seconds = time.monotonic() - started
    model = work / "models" / "nlu.tar.gz"
    if code != 0 or not model.exists():
        raise BenchError(f"rasa train nlu failed (exit {code}); its output is above")
    return model, seconds, memory.peak_mb


def parse_all(
    model: Path, dataset: Dataset, work: Path, bot: Path = paths.BOT
) -> tuple[list[str | None], list[float], float]:
    """Serve the model, parse every test text once (after a warm-up); predicted intents,
    client-side latencies in ms and the server's peak memory."""
    port = free_port()
    log = (work / "rasa-run.log").open("w")
    command = [
        str(paths.RASA_VENV_BIN / "rasa"), "run", "--enable-api", "--model", str(model),
        "--port", str(port), "--interface", "127.0.0.1",
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=work, env=rasa_env(bot), stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as client, PeakMemory(server.pid) as memory:
            _wait_until_ready(client, server, work / "rasa-run.log")
            for example in dataset.test[:WARM_UP]:
                client.post("/model/parse", json={"text": example.text})
            predicted: list[str | None] = []
            latencies: list[float] = []
            for example in tqdm(dataset.test, desc="parsing", unit="msg", mininterval=2):
                started = time.perf_counter()
                try:
                    response = client.post("/model/parse", json={"text": example.text})
                    response.raise_for_status()
                except httpx.HTTPError as error:
                    print(f"    parse failed ({error}): {example.text[:60]!r}", file=sys.stderr)
                    predicted.append(None)
                    continue
                latencies.append((time.perf_counter() - started) * 1000)
                predicted.append((response.json().get("intent") or {}).get("name"))
            return predicted, latencies, memory.peak_mb
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _wait_until_ready(client: httpx.Client, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"rasa run exited ({server.returncode}):\n{log.read_text()[-2000:]}")
        try:
            status = client.get("/status")
            if status.status_code == 200 and status.json().get("model_file"):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise BenchError(f"rasa run did not load the model in {SERVER_START_SECONDS} s (log: {log})")


def scores(dataset: Dataset, predicted: Sequence[str | None]) -> dict[str, Any]:
    from sklearn.metrics import f1_score

    truth = [e.label for e in dataset.test]
    labels = dataset.labels_of(predicted)
    in_scope = [(t, p) for t, p in zip(truth, labels, strict=True) if t != OOS_LABEL]
    out_of_scope = [p for t, p in zip(truth, labels, strict=True) if t == OOS_LABEL]
    result: dict[str, Any] = {
        "in_scope_accuracy": round(
            100 * sum(t == p for t, p in in_scope) / max(len(in_scope), 1), 2
        ),
        "macro_f1": round(
            100
            * float(
                f1_score(truth, labels, labels=sorted(set(truth)), average="macro", zero_division=0)
            ),
            2,
        ),
        "oos_recall": None,
        "oos_precision": None,
    }
    if out_of_scope:
        declared = sum(p == OOS_LABEL for p in labels)
        hits = sum(p == OOS_LABEL for p in out_of_scope)
        result["oos_recall"] = round(100 * hits / len(out_of_scope), 2)
        result["oos_precision"] = round(100 * hits / declared, 2) if declared else None
    return result


def run_pipeline(name: str, config: dict[str, Any], dataset: Dataset, nlu: Path) -> dict[str, Any]:
    print(f"\n==> {name} pipeline: training on {len(dataset.train)} examples", flush=True)
    with tempfile.TemporaryDirectory(prefix=f"bench-nlu-{name}-") as scratch:
        work = Path(scratch)
        model, train_seconds, train_mb = train(config, nlu, work)
        print(
            f"    trained in {train_seconds:.0f} s; parsing {len(dataset.test)} test messages",
            flush=True,
        )
        predicted, latencies, serve_mb = parse_all(model, dataset, work)
    result = {
        "pipeline": name,
        "components": [component["name"] for component in config["pipeline"]],
        **scores(dataset, predicted),
        "train_seconds": round(train_seconds, 1),
        "parse": latency_summary(latencies, len(dataset.test)),
        "train_peak_mb": round(train_mb),
        "serve_peak_mb": round(serve_mb),
        "config": config,
    }
    print(
        f"    in-scope accuracy {result['in_scope_accuracy']}%, "
        f"out-of-scope recall {result['oos_recall']}%"
    )
    return result


ROWS = (
    ("in-scope accuracy %", lambda r: r["in_scope_accuracy"]),
    ("out-of-scope recall %", lambda r: r["oos_recall"]),
    ("out-of-scope precision %", lambda r: r["oos_precision"]),
    ("macro-F1 %", lambda r: r["macro_f1"]),
    ("training wall time s", lambda r: r["train_seconds"]),
    ("parse p50 ms", lambda r: r["parse"]["p50_ms"]),
    ("parse p99 ms", lambda r: r["parse"]["p99_ms"]),
    ("parse failures", lambda r: r["parse"]["lost"]),
    ("peak memory, training MB", lambda r: r["train_peak_mb"]),
    ("peak memory, server MB", lambda r: r["serve_peak_mb"]),
)


def print_report(report: dict[str, Any]) -> None:
    results = report["results"]
    header = f"{'':<26}" + "".join(f"{r['pipeline']:>14}" for r in results)
    print("\n" + header + "\n" + "-" * len(header))
    for label, value in ROWS:
        cells = [value(r) for r in results]
        print(f"{label:<26}" + "".join(f"{'—' if c is None else c:>14}" for c in cells))
    data = report["dataset"]
    print(
        f"\n{Path(report['data']).name}: {data['train_examples']} training examples "
        f"({data['labels']} labels, {data['oos_train']} out of scope), "
        f"{data['test_examples']} test "
        f"({data['oos_test']} out of scope); {report['machine']['cores']} cores, "
        f"{report['machine']['cpu']}, {report['date']}"
    )
    for reason, count in data["dropped"].items():
        print(f"dropped {count}: {reason}")
    for note in data["notes"]:
        print(f"note: {note}")
    if data["renamed_labels"]:
        print(
            f"note: {data['renamed_labels']} labels renamed to Rasa-safe intent names "
            "(scored under their own)"
        )


def draw(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = report["results"]
    quality = [
        ("in-scope acc.", "in_scope_accuracy"),
        ("OOS recall", "oos_recall"),
        ("macro-F1", "macro_f1"),
    ]
    languages = (report.get("languages") or {}).get("rows") or []
    fig, axes = plt.subplots(1, 4 if languages else 3, figsize=(17 if languages else 13, 4.2))
    width = 0.8 / len(results)
    for i, result in enumerate(results):
        offset = (i - (len(results) - 1) / 2) * width
        axes[0].bar(
            [j + offset for j in range(len(quality))],
            [result[key] or 0 for _, key in quality],
            width,
            label=result["pipeline"],
        )
        axes[1].bar(i, result["train_seconds"] / 60, 0.6, color=f"C{i}")
        axes[2].bar(i - 0.18, result["parse"]["p50_ms"], 0.36, color=f"C{i}", alpha=0.55)
        axes[2].bar(i + 0.18, result["parse"]["p99_ms"], 0.36, color=f"C{i}")
    axes[0].set_xticks(range(len(quality)), [label for label, _ in quality])
    axes[0].set_ylim(0, 100)
    axes[0].set_ylabel("%")
    axes[0].legend(fontsize=8)
    axes[0].set_title(Path(report["data"]).name)
    names = [r["pipeline"] for r in results]
    axes[1].set_xticks(range(len(results)), names)
    axes[1].set_title("training wall time (min)")
    axes[2].set_xticks(range(len(results)), names)
    axes[2].set_title("/model/parse ms (p50 light, p99 dark)")
    if languages:
        codes = [row["language"] for row in languages]
        axes[3].bar(
            [i - 0.2 for i in range(len(codes))],
            [row["in_scope_accuracy"] for row in languages],
            0.4,
            label="in-scope acc.",
        )
        axes[3].bar(
            [i + 0.2 for i in range(len(codes))],
            [row["oos_recall"] or 0 for row in languages],
            0.4,
            label="OOS recall",
        )
        axes[3].set_xticks(range(len(codes)), codes)
        axes[3].set_ylim(0, 100)
        axes[3].legend(fontsize=8)
        axes[3].set_title("the demo assistant, per language (held out)")
    fig.suptitle(
        f"{report['machine']['cores']} cores, {report['machine']['cpu']} ({report['date']})",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.nlu",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="a file in CLINC150's layout"
    )
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--pipeline", choices=("shipped", "default"), default="shipped")
    choice.add_argument(
        "--compare", action="store_true", help="the shipped and Rasa's default pipeline"
    )
    parser.add_argument(
        "--default-epochs", type=int, help="override the default pipeline's 100 epochs"
    )
    parser.add_argument(
        "--limit-per-label", type=int, help="a quick look: at most N examples per label"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--project",
        type=Path,
        default=paths.BOT,
        help="then intent accuracy per language on this assistant's held-out sets "
        "(tests/nlu/<language>.yml); 'none' skips it",
    )
    args = parser.parse_args(argv)
    try:
        dataset = load_dataset(args.data, args.limit_per_label)
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    names = ("shipped", "default") if args.compare else (args.pipeline,)
    busy = cpu_busy()
    if busy > 0.2:
        print(f"warning: CPU {busy:.0%} busy before start; timings may be inflated")
    ensure_onnx()
    report: dict[str, Any] = {
        "benchmark": "nlu",
        "date": datetime.now(UTC).date().isoformat(),
        "machine": machine(),
        "data": str(args.data),
        "dataset": dataset.summary(),
        "default_epochs": args.default_epochs or "Rasa's own (100)",
        "results": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as scratch:
        nlu = Path(scratch) / "nlu.yml"
        write_rasa_nlu(dataset, nlu)
        for name in names:
            config = (
                shipped_config() if name == "shipped" else rasa_default_config(args.default_epochs)
            )
            try:
                report["results"].append(run_pipeline(name, config, dataset, nlu))
            except BenchError as error:
                print(f"error: {name} pipeline: {error}", file=sys.stderr)
                return 1
    print_report(report)
    if args.project is not None and args.project.name != "none":
        try:
            report["languages"] = nlu_languages.run(args.project)
        except (nlu_languages.LanguageSetError, BenchError) as error:
            print(f"error: per-language run: {error}", file=sys.stderr)
            return 1
        nlu_languages.print_rows(report["languages"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "nlu.json").write_text(json.dumps(report, indent=2))
    draw(report, args.out / "nlu.png")
    print(f"\nwritten: {args.out / 'nlu.json'}, {args.out / 'nlu.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

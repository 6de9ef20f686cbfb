"""What every benchmark reports: latency percentiles, the machine, a table and a chart."""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

STATS = ("p50_ms", "p90_ms", "p99_ms", "max_ms")


def latency_summary(values: Sequence[float], expected: int) -> dict[str, float | int]:
    """Count, lost (expected but never measured) and percentiles of latencies in ms."""
    data = np.array(values) if values else np.array([np.nan])
    return {
        "count": len(values),
        "expected": expected,
        "lost": expected - len(values),
        "p50_ms": round(float(np.nanpercentile(data, 50)), 2),
        "p90_ms": round(float(np.nanpercentile(data, 90)), 2),
        "p99_ms": round(float(np.nanpercentile(data, 99)), 2),
        "max_ms": round(float(np.nanmax(data)), 2),
    }


def machine() -> dict[str, Any]:
    """The machine a result was measured on."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def rss_mb() -> float:
    """Resident memory of this process; freed heap is handed back first, so deltas are real."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return _resident_pages("self") * os.sysconf("SC_PAGE_SIZE") / 2**20


def _resident_pages(pid: int | str) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1])


def cpu_busy(seconds: float = 1.0) -> float:
    """Share of all cores busy (with anything) over the next ``seconds``, from /proc/stat."""

    def times() -> list[int]:
        with open("/proc/stat") as stat:
            return [int(field) for field in stat.readline().split()[1:]]

    try:
        before = times()
        time.sleep(seconds)
        delta = [after - first for after, first in zip(times(), before, strict=False)]
    except OSError:
        return 0.0
    idle = delta[3] + delta[4]  # idle and iowait
    return 1.0 - idle / max(sum(delta), 1)


def print_table(results: Sequence[Mapping[str, Any]], metrics: Mapping[str, str]) -> None:
    """One row per result and metric: ``result["backend"]`` and ``result["metrics"][key]``."""
    print()
    columns = ("n", "lost", "p50 ms", "p90 ms", "p99 ms", "max ms")
    widths = (6, 5, 8, 8, 8, 8)
    name = max([len("back-end"), *(len(str(r["backend"])) for r in results)])
    header = f"{'back-end':<{name}} {'metric':<28} " + " ".join(
        f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)
    )
    print(header)
    print("-" * len(header))
    for result in results:
        for metric, label in metrics.items():
            row = result["metrics"][metric]
            print(
                f"{result['backend']:<{name}} {label:<28} {row['count']:>6} {row['lost']:>5} "
                + " ".join(f"{row[k]:>8.1f}" for k in STATS)
            )


def draw_chart(
    report: Mapping[str, Any],
    metrics: Mapping[str, str],
    path: Path,
    *,
    title: str,
    target_ms: float | None = None,
    stats: Sequence[str] = ("p50_ms", "p99_ms"),
    label: str = "backend",
    target_stat: str = "p99",
) -> None:
    """Grouped bars per metric and result (``result[label]``), one per statistic, lightest
    first, as a PNG; ``target_ms`` is the line the ``target_stat`` bars should stay under."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = report["results"]
    x = np.arange(len(metrics))
    bars = len(stats) * len(results)
    width = 0.8 / bars
    fig, ax = plt.subplots(figsize=(10, 5))
    colours = ["#4c72b0", "#dd8452", "#55a868", "#c44e52"]
    for i, result in enumerate(results):
        for j, stat in enumerate(stats):
            values = [result["metrics"][m][stat] for m in metrics]
            offset = (len(stats) * i + j - bars / 2 + 0.5) * width
            ax.bar(
                x + offset,
                values,
                width,
                label=f"{result[label]} — {stat[:3]}",
                color=colours[i % len(colours)],
                alpha=1.0 - 0.45 * (len(stats) - 1 - j) / max(1, len(stats) - 1),
            )
    if target_ms is not None:
        label_text = f"{target_stat} target"
        ax.axhline(target_ms, color="black", linestyle="--", linewidth=1, label=label_text)
    ax.set_xticks(x, list(metrics.values()))
    ax.set_ylabel("milliseconds")
    ax.set_title(f"{title}, {report['machine']['cores']} cores ({report['date']})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def process_tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc (0 once it is gone)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            # the command name, in parentheses, may hold spaces: the fields after it are fixed
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [
            child for child, ppid in parents.items() if ppid == parent and child not in tree
        ]
        tree.update(children)
        frontier.extend(children)
    total = 0
    for member in tree:
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += _resident_pages(member)
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakMemory:
    """Samples a process tree's resident memory in a thread; ``peak_mb`` is the highest seen."""

    def __init__(self, pid: int, every: float = 0.25) -> None:
        self.pid = pid
        self.peak_mb = 0.0
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, process_tree_rss_mb(self.pid))
            self._stop.wait(self._every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

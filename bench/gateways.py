"""The processes the handoff benchmark measures: a stand-in Rasa server and real gateways
on SQLite (one) or PostgreSQL + Redis (two replicas), started and stopped around a run."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import redis
from prometheus_client.parser import text_string_to_metric_families

from baton.testing.services import free_port, scratch_database

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "BATON_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("BATON_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


@dataclass
class Backend:
    name: str
    database_url: str
    redis_url: str | None
    replicas: int


def wait_healthy(
    url: str,
    process: subprocess.Popen[bytes],
    what: str,
    seconds: float = 60,
    ready: Callable[[httpx.Response], bool] = lambda response: response.status_code < 500,
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if ready(httpx.get(url, timeout=5)):
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} was not ready at {url} within {seconds:.0f} s")


def assist_loaded(response: httpx.Response) -> bool:
    return response.status_code == 200 and response.json().get("assist") != "loading"


@contextlib.contextmanager
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def start_fake_rasa(started: list[subprocess.Popen[bytes]]) -> str:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "baton.testing.fake_rasa:create_fake_rasa",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
    )
    started.append(process)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(f"{url}/status", process, "the stand-in Rasa server")
    return url


# what the benchmark's gateways want from a Prometheus scrape (the production profile)
METRICS_TOKEN = secrets.token_hex(16)
# the site the benchmark's customers' widget is embedded in (their websockets' Origin)
CUSTOMER_ORIGIN = "https://shop.example.com"


def start_gateway(
    started: list[subprocess.Popen[bytes]], backend: Backend, rasa_url: str, *, assist: bool
) -> str:
    port = free_port()
    env = os.environ | {
        "BATON_ASSIST_ENABLED": "true" if assist else "false",
        # the production profile, with what it requires on loopback; one address drives
        # every customer, so the per-address rate limits are off
        "BATON_ENV": "production",
        "BATON_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BATON_ALLOWED_HOSTS": '["127.0.0.1"]',
        "BATON_WEBCHAT_ALLOWED_ORIGINS": json.dumps([CUSTOMER_ORIGIN]),
        "BATON_API_DOCS": "false",
        "BATON_ANALYTICS_METRICS_TOKEN": METRICS_TOKEN,
        "BATON_RASA_TOKEN": secrets.token_hex(16),
        "BATON_RATE_LIMIT_ENABLED": "false",
        "BATON_PORT": str(port),
        "BATON_DATABASE_URL": backend.database_url,
        "BATON_RASA_URL": rasa_url,
        "BATON_LOG_LEVEL": "WARNING",
        "BATON_HANDOFF_HOURS": "always",
    }
    env.pop("BATON_REDIS_URL", None)
    if backend.redis_url:
        env["BATON_REDIS_URL"] = backend.redis_url
    process = subprocess.Popen([sys.executable, "-m", "gateway"], cwd=ROOT, env=env)
    started.append(process)
    url = f"http://127.0.0.1:{port}"
    # with assist on, the measurement starts once the model and index have loaded
    wait_healthy(f"{url}/health", process, f"gateway on port {port}", 120, assist_loaded)
    return url


@contextlib.contextmanager
def backend_storage(name: str, workdir: Path) -> Iterator[Backend]:
    if name == "sqlite":
        yield Backend("SQLite, in-process events", f"sqlite:///{workdir / 'bench.db'}", None, 1)
        return
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).delete("baton:events")
    except redis.RedisError as exc:
        raise SystemExit(f"Redis at {REDIS_URL} is not reachable: {exc}") from None
    try:
        with scratch_database(POSTGRES_URL, "baton_bench") as url:
            yield Backend("PostgreSQL + Redis, 2 gateways", url, REDIS_URL, 2)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}") from None


def lag_buckets(url: str) -> dict[float, float]:
    """The gateway's ``baton_event_loop_lag_seconds`` histogram so far: cumulative count per
    bucket bound (seconds)."""
    auth = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    text = httpx.get(f"{url}/metrics", headers=auth, timeout=10).text
    buckets: dict[float, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name == "baton_event_loop_lag_seconds":
            for sample in family.samples:
                if sample.name.endswith("_bucket"):
                    buckets[float(sample.labels["le"])] = sample.value
    return buckets


def lag_since(url: str, before: dict[float, float]) -> dict[str, float]:
    """The gateway's event-loop lag since ``before`` (a ``lag_buckets`` reading): samples,
    the share of wake-ups later than 10 / 25 / 50 ms, and the bucket bound the 99th
    percentile falls under."""
    buckets = {bound: count - before.get(bound, 0.0) for bound, count in lag_buckets(url).items()}
    total = buckets.get(float("inf"), 0.0)
    if not total:
        return {"samples": 0}

    def later_than(seconds: float) -> float:
        return round(1 - buckets[seconds] / total, 4)

    p99 = next(bound for bound, count in sorted(buckets.items()) if count >= 0.99 * total)
    return {
        "samples": int(total),
        "over_10ms": later_than(0.01),
        "over_25ms": later_than(0.025),
        "over_50ms": later_than(0.05),
        "p99_under_ms": p99 * 1000,
    }

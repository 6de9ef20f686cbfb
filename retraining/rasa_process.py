"""The Rasa runtime as child processes: ``rasa train`` with its progress read from its log,
and a short-lived ``rasa run --enable-api`` that serves a candidate model for evaluation.

Both start in a session of their own so that stopping one reaches Rasa's children too.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from baton.knowledge import ONNX_DIR
from baton.processes import stop_group
from baton.training import rasa_env

_COMPONENT = re.compile(
    r"(Starting to train|Finished training|Restored) component '(?P<name>[^']+)'"
)


class RasaProcessFailed(RuntimeError):
    """A Rasa command failed; the message says how, with the end of its output."""


@dataclass(frozen=True, slots=True)
class Progress:
    done: int  # components finished (trained or restored from cache)
    expected: int  # about how many train (the pipeline and the policies)
    stage: str

    @property
    def share(self) -> float:
        return min(0.95, self.done / max(self.expected, 1))


def expected_components(config: Path) -> int:
    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    return len(data.get("pipeline") or []) + len(data.get("policies") or [])


def _env(project: Path, cache: Path) -> dict[str, str]:
    env = rasa_env()
    # the project's custom components import as components.<module>; a shared cache lets a
    # retraining restore the components whose inputs did not change
    env.update(PYTHONPATH=str(project), RASA_CACHE_DIRECTORY=str(cache))
    # the MiniLM featurizer finds its ONNX export relative to its own file, which in a copy
    # of the project is elsewhere: name the checkout's export
    env.setdefault("BATON_MINILM_ONNX", str(ONNX_DIR))
    return env


async def train(
    rasa: Path,
    project: Path,
    domain: Path,
    out: Path,
    name: str,
    *,
    cache: Path,
    log_file: Path,
    on_progress: Callable[[Progress], Awaitable[None]],
    timeout_seconds: float,
) -> Path:
    """Train ``project`` into ``out/<name>.tar.gz``; RasaProcessFailed if it does not."""
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    await asyncio.to_thread(log_file.parent.mkdir, parents=True, exist_ok=True)
    target = out / f"{name}.tar.gz"
    expected = expected_components(project / "config.yml")
    process = await asyncio.create_subprocess_exec(
        str(rasa), "train",
        "--config", "config.yml", "--domain", str(domain), "--data", "data",
        "--out", str(out), "--fixed-model-name", name,
        cwd=project, env=_env(project, cache),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None  # stdout=PIPE
    tail: deque[str] = deque(maxlen=12)
    done = 0
    deadline = time.monotonic() + timeout_seconds
    try:
        with log_file.open("w", encoding="utf-8") as log:
            await on_progress(Progress(0, expected, "starting Rasa"))
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RasaProcessFailed(f"rasa train took longer than {timeout_seconds:.0f} s")
                try:
                    raw = await asyncio.wait_for(process.stdout.readline(), remaining)
                except TimeoutError:
                    raise RasaProcessFailed(
                        f"rasa train took longer than {timeout_seconds:.0f} s"
                    ) from None
                if not raw:
                    break
                line = raw.decode(errors="replace").rstrip()
                log.write(line + "\n")
                if line.strip():
                    tail.append(line.strip())
                found = _COMPONENT.search(line)
                if found:
                    if not found.group(1).startswith("Starting"):
                        done += 1
                    verb = "training" if found.group(1).startswith("Starting") else "trained"
                    await on_progress(Progress(done, expected, f"{verb} {found['name']}"))
            code = await process.wait()
    finally:
        if process.returncode is None:  # cancelled or timed out: stop Rasa, leave no model
            await stop_group(process, grace_seconds=10)
            target.unlink(missing_ok=True)
    if code != 0 or not target.exists():
        last = " | ".join(list(tail)[-4:])
        raise RasaProcessFailed(f"rasa train failed (exit {code}): {last}")
    return target


@contextlib.asynccontextmanager
async def serve(
    rasa: Path,
    model: Path,
    project: Path,
    port: int,
    *,
    cache: Path,
    log_file: Path,
    start_timeout: float,
) -> AsyncIterator[str]:
    """Serve ``model`` with ``rasa run --enable-api`` on 127.0.0.1:``port`` (NLU parsing
    only: no action server, no tracker store) until the block ends; yields its URL."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    with log_file.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            str(rasa), "run", "--enable-api", "--model", str(model),
            "--interface", "127.0.0.1", "--port", str(port),
            cwd=project, env=_env(project, cache),
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            await _wait_ready(url, process, start_timeout, log_file)
            yield url
        finally:
            await stop_group(process, grace_seconds=10)


async def _wait_ready(
    url: str, process: asyncio.subprocess.Process, seconds: float, log_file: Path
) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            if process.returncode is not None:
                raise RasaProcessFailed(
                    f"the evaluation server stopped while loading the model (exit "
                    f"{process.returncode}); see {log_file}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{url}/status")).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RasaProcessFailed(f"the evaluation server did not start in {seconds:.0f} s")
            await asyncio.sleep(0.5)

"""Rebuilding the knowledge index after an article is published: ``baton index`` as a child
process (it loads the embedding model; the gateway does not), its last output line shown as
progress. The build is incremental (only new or changed articles are embedded), written
beside the old one and switched to in one step; the action server picks it up by itself."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from handoff.models import utcnow
from retraining.errors import IndexBusy

_SEPARATORS = re.compile(rb"[\r\n]+")


@dataclass(frozen=True, slots=True)
class IndexStatus:
    state: str  # idle | running | done | failed
    stage: str = ""  # the latest line of ``baton index``
    message: str | None = None
    started_by: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class IndexRebuild:
    """One rebuild at a time, per gateway process (its state lives in memory)."""

    def __init__(self, baton: Path, articles: Path, target: Path | None) -> None:
        self._baton = baton
        self._articles = articles
        self._target = target
        self.status = IndexStatus("idle")
        self._task: asyncio.Task[None] | None = None

    def start(self, user_id: str) -> IndexStatus:
        if self._task is not None and not self._task.done():
            raise IndexBusy()
        self.status = IndexStatus("running", "starting", None, user_id, utcnow())
        self._task = asyncio.create_task(self._run())
        return self.status

    async def _run(self) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        if self._target is not None:
            env["BATON_KNOWLEDGE_INDEX"] = str(self._target)
        process = await asyncio.create_subprocess_exec(
            str(self._baton), "index", "--articles", str(self._articles),
            env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        assert process.stdout is not None  # stdout=PIPE
        lines: list[str] = []
        try:
            buffer = b""
            while chunk := await process.stdout.read(4096):
                *complete, buffer = _SEPARATORS.split(buffer + chunk)
                for raw in complete:
                    line = raw.decode(errors="replace").strip()
                    if line:
                        lines.append(line)
                        self.status = replace(self.status, stage=line[:200])
            if buffer.strip():
                lines.append(buffer.decode(errors="replace").strip())
            code = await process.wait()
        except asyncio.CancelledError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            self.status = replace(
                self.status, state="failed", message="stopped", finished_at=utcnow()
            )
            raise
        skipped = [line for line in lines if line.startswith("baton:")]
        if code == 0:
            summary = next((line for line in reversed(lines) if "chunks" in line), "up to date")
            self.status = replace(
                self.status, state="done", message=f"rebuilt: {summary}", finished_at=utcnow()
            )
        else:
            what = "; ".join(skipped) or (lines[-1] if lines else f"exit {code}")
            state = "done" if code == 1 else "failed"
            prefix = "rebuilt, but " if code == 1 else "the index was not rebuilt: "
            self.status = replace(
                self.status, state=state, message=prefix + what, finished_at=utcnow()
            )

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

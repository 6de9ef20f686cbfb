"""Child processes started in a process group of their own (Rasa, the action server, the
gateway, a training run): how they are stopped, children included."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal


async def stop_group(process: asyncio.subprocess.Process, grace_seconds: float) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after the grace period."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), grace_seconds)
    except TimeoutError:
        pass
    # children may outlive the leader: sweep the whole group
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, ChildProcessError):
        await process.wait()

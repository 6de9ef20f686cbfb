"""Child processes started in a process group of their own (Rasa, the action server, the
gateway, a training run): starting them with their output kept, waiting until they answer
their health checks, supervising them and stopping them, children included."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


class StackError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class ProcessSpec:
    name: str  # a replica's name is its kind's with a number: rasa, rasa-2, ...
    argv: Sequence[str]
    cwd: Path
    env: dict[str, str]
    health_url: str
    port: int  # its own port (health checks)
    log_file: Path
    # a port it shares with the other replicas of its kind (SO_REUSEPORT), if any
    shared_port: int | None = None

    @property
    def kind(self) -> str:
        return re.sub(r"-\d+$", "", self.name)


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


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


@dataclass
class Running:
    spec: ProcessSpec
    process: asyncio.subprocess.Process
    pump: asyncio.Task[None] = field(init=False)


async def _pump(name: str, stream: asyncio.StreamReader, log_file: Path) -> None:
    width = 10
    with log_file.open("ab") as log:
        while line := await stream.readline():
            log.write(line)
            log.flush()
            sys.stdout.write(f"{name:<{width}}| {line.decode(errors='replace')}")
            sys.stdout.flush()


async def start(spec: ProcessSpec) -> Running:
    spec.log_file.parent.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        *spec.argv,
        cwd=spec.cwd,
        env=spec.env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    running = Running(spec, process)
    assert process.stdout is not None  # guaranteed by stdout=PIPE
    running.pump = asyncio.create_task(_pump(spec.name, process.stdout, spec.log_file))
    return running


async def stop(running: Running, grace_seconds: float = 15.0) -> None:
    """Stop the process and its group (see ``stop_group``), then let its log pump finish."""
    await stop_group(running.process, grace_seconds)
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(running.pump, 5)


async def wait_healthy(running: Running, deadline: float) -> None:
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            if running.process.returncode is not None:
                raise StackError(
                    f"{running.spec.name} exited with code {running.process.returncode} "
                    f"while starting; see {running.spec.log_file}"
                )
            with contextlib.suppress(httpx.HTTPError):
                response = await client.get(running.spec.health_url)
                if response.status_code == 200:
                    return
            if time.monotonic() > deadline:
                where = running.spec.health_url.split("?")[0]  # not its token
                raise StackError(f"{running.spec.name} did not become healthy at {where}")
            await asyncio.sleep(0.5)


async def start_all(process_specs: Sequence[ProcessSpec], timeout_seconds: float) -> list[Running]:
    """Start every process and wait until each answers its health check; undo on failure."""
    ports = {
        port: spec.name
        for spec in process_specs
        for port in (spec.port, spec.shared_port)
        if port is not None
    }
    busy = [f"{name} ({port})" for port, name in ports.items() if port_in_use("127.0.0.1", port)]
    if busy:
        raise StackError(f"port already in use: {', '.join(busy)} — is Baton already running?")
    started: list[Running] = []
    try:
        for spec in process_specs:
            started.append(await start(spec))
        deadline = time.monotonic() + timeout_seconds
        await asyncio.gather(*(wait_healthy(r, deadline) for r in started))
    except BaseException:
        await asyncio.gather(*(stop(r) for r in started))
        raise
    return started


# a replica that exits is started again this many times in all (the others serve meanwhile)
REPLICA_RESTARTS = 5
# kinds that hold nothing and serve nobody directly: started again even without a twin
RESTARTABLE_ALONE = frozenset({"balancer"})


async def supervise(processes: list[Running], stopper: asyncio.Task[Any]) -> int:
    """Wait for Ctrl-C (0) or for a process to exit (1). A replica that exits while another
    of its kind serves (a Rasa server, an action server, a gateway), or a balancer, is
    started again, up to ``REPLICA_RESTARTS`` times; any other process that exits stops the
    stack. ``processes`` is kept current."""
    restarts = 0
    while True:
        exits = {asyncio.create_task(r.process.wait()): r for r in processes}
        done, _ = await asyncio.wait({stopper, *exits}, return_when=asyncio.FIRST_COMPLETED)
        for task in exits:
            if task not in done:
                task.cancel()
        if stopper in done:
            return 0
        crashed = [exits[t] for t in done if t in exits]
        serving = [r for r in processes if r not in crashed and r.process.returncode is None]
        covered = all(
            r.spec.kind in RESTARTABLE_ALONE or any(o.spec.kind == r.spec.kind for o in serving)
            for r in crashed
        )
        if not covered or restarts + len(crashed) > REPLICA_RESTARTS:
            for r in crashed:
                print(
                    f"==> {r.spec.name} exited with code {r.process.returncode}; stopping the rest",
                    flush=True,
                )
            return 1
        for r in crashed:
            restarts += 1
            print(
                f"==> {r.spec.name} exited with code {r.process.returncode}; the others serve"
                f" while it starts again ({restarts}/{REPLICA_RESTARTS})",
                flush=True,
            )
            await stop(r)
            again = await start(r.spec)
            processes[processes.index(r)] = again
            try:
                await wait_healthy(again, time.monotonic() + 240)
            except StackError as exc:
                print(f"==> {r.spec.name} did not come back: {exc}", flush=True)
                return 1

"""Run the whole stack: Rasa, the action server and the gateway, as one supervised group.

Each process starts in its own session so that stopping it reaches its children too
(Sanic workers, uvicorn); output is prefixed with the process name and kept under var/log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from baton import paths
from baton.active_model import ModelChoice, choose, record_path, set_aside
from baton.processes import stop_group
from baton.training import model_path, rasa_env


class StackSettings(BaseSettings):
    """Ports and start-up limits of ``baton run`` (BATON_* variables)."""

    model_config = SettingsConfigDict(env_prefix="BATON_", env_file=".env", extra="ignore")

    # the address all three processes listen on
    host: str = "127.0.0.1"
    port: int = 8000  # gateway: web chat, APIs, console
    # the Rasa server's port
    rasa_port: int = 5005
    # the action server's port
    actions_port: int = 5055
    # Rasa's endpoints file, relative to the assistant folder; default: one Baton writes under
    # the assistant's var/ (its action server, an SQL tracker store on var/rasa-tracker.db)
    rasa_endpoints: str | None = None
    # how long each process may take to answer its health check
    startup_timeout_seconds: float = Field(default=240.0, gt=0)
    # the token of Rasa's HTTP API (--auth-token), given to the gateway too; unset: a new
    # random one each run
    rasa_token: SecretStr | None = None
    # the token Rasa sends with every call to the action server, which refuses calls without
    # it (Baton's endpoints file passes it); unset: a new random one each run
    actions_token: SecretStr | None = None
    # how many Rasa servers to start, on rasa_port, rasa_port + 1, ... (the gateway spreads
    # conversations over them); more than one needs the two stores below
    rasa_replicas: int = Field(default=1, ge=1, le=32)
    # Rasa's tracker store on PostgreSQL, postgresql://user:password@host:5432/database (the
    # database must exist); unset: an SQLite file under var/ (one Rasa server only)
    rasa_tracker_store_url: SecretStr | None = None
    # Rasa's lock store on Redis, redis://[:password@]host:6379/db: one conversation's turns
    # in order whichever replica takes them; unset: in memory (one Rasa server only)
    rasa_lock_store_url: SecretStr | None = None


class StackError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class ProcessSpec:
    name: str
    argv: Sequence[str]
    cwd: Path
    env: dict[str, str]
    health_url: str
    port: int
    log_file: Path


def serving_model(models: Path = paths.MODELS) -> ModelChoice:
    """The model Rasa starts with: the approved one recorded in ``models`` when it still fits,
    else the one ``baton train`` made there (baton.active_model says when)."""
    return choose(record_path(models), model_path(models), models.parent)


# Baton talks to Rasa over its REST channel; the assistant's own credentials.yml (other
# channels, secrets) is not Baton's business
CREDENTIALS = "rest:\n"
ACTION_ENDPOINT = """\
action_endpoint:
  url: ${BATON_ACTION_ENDPOINT_URL}
  token: ${BATON_ACTIONS_TOKEN}
"""
SQLITE_TRACKER_STORE = """\
tracker_store:
  type: SQL
  dialect: sqlite
  db: ${BATON_RASA_TRACKER_DB}
"""


def endpoints_yaml(settings: StackSettings) -> str:
    """Baton's endpoints file for Rasa: the action server it starts; the tracker store on
    SQLite, or on PostgreSQL with a Redis lock store when several Rasa servers share the
    assistant (their passwords are in the file, which only its owner may read)."""
    parts = ["# written by baton run\n", ACTION_ENDPOINT]
    if settings.rasa_tracker_store_url is None:
        parts.append(SQLITE_TRACKER_STORE)
    else:
        url = urlsplit(settings.rasa_tracker_store_url.get_secret_value())
        if url.scheme not in ("postgresql", "postgres") or not url.path.strip("/"):
            raise StackError(
                "BATON_RASA_TRACKER_STORE_URL must be postgresql://user:password@host:port/db"
            )
        lines = [
            "tracker_store:",
            "  type: SQL",
            "  dialect: postgresql",
            f"  url: {url.hostname or '127.0.0.1'}",
            f"  port: {url.port or 5432}",
            f"  db: {unquote(url.path.strip('/'))}",
        ]
        if url.username:
            lines.append(f"  username: {unquote(url.username)}")
        if url.password:
            lines.append(f"  password: {json.dumps(unquote(url.password))}")
        parts.append("\n".join(lines) + "\n")
    if settings.rasa_lock_store_url is not None:
        url = urlsplit(settings.rasa_lock_store_url.get_secret_value())
        db = url.path.strip("/") or "0"
        if url.scheme != "redis" or not db.isdigit():
            raise StackError("BATON_RASA_LOCK_STORE_URL must be redis://[:password@]host:port/db")
        lines = [
            "lock_store:",
            "  type: redis",
            f"  url: {url.hostname or '127.0.0.1'}",
            f"  port: {url.port or 6379}",
            f"  db: {db}",
        ]
        if url.password:
            lines.append(f"  password: {json.dumps(unquote(url.password))}")
        parts.append("\n".join(lines) + "\n")
    return "".join(parts)


def check_replicas(settings: StackSettings) -> None:
    """Several Rasa servers answer one conversation in order only on shared stores."""
    if settings.rasa_replicas == 1 or settings.rasa_endpoints:
        return  # a team's own endpoints file says where its stores are
    missing = [
        name
        for name, value in (
            ("BATON_RASA_TRACKER_STORE_URL", settings.rasa_tracker_store_url),
            ("BATON_RASA_LOCK_STORE_URL", settings.rasa_lock_store_url),
        )
        if value is None
    ]
    if missing:
        raise StackError(
            f"{settings.rasa_replicas} Rasa servers need a shared tracker store and lock store:"
            f" set {' and '.join(missing)} (PostgreSQL and Redis)"
        )


def rasa_files(var: Path, settings: StackSettings | None = None) -> tuple[Path, Path]:
    """The endpoints and credentials files Baton gives Rasa, written under ``var``."""
    folder = var / "rasa"
    folder.mkdir(parents=True, exist_ok=True)
    endpoints, credentials = folder / "endpoints.yml", folder / "credentials.yml"
    endpoints.touch(mode=0o600)
    endpoints.chmod(0o600)  # it may hold the stores' passwords
    endpoints.write_text(endpoints_yaml(settings or StackSettings()), encoding="utf-8")
    credentials.write_text(CREDENTIALS, encoding="utf-8")
    return endpoints, credentials


def specs(
    settings: StackSettings,
    var: Path = paths.VAR,
    models: Path = paths.MODELS,
    model: Path | None = None,
    project: Path = paths.BOT,
) -> list[ProcessSpec]:
    """The three processes serving the assistant in ``project``, their environments and
    health checks; state and logs go to ``var``; Rasa serves ``model`` (default:
    :func:`serving_model` of ``models``)."""
    if model is None:
        model = serving_model(models).path
    project = project.resolve()
    host = settings.host
    logs = var / "log"
    check_replicas(settings)
    endpoints, credentials = rasa_files(var, settings)
    if settings.rasa_endpoints:
        endpoints = project / settings.rasa_endpoints
    # every process reads the same assistant folder (its baton.yml, domain, actions)
    base_env = dict(os.environ, BATON_PROJECT_DIR=str(project))
    base_env.setdefault("BATON_DATABASE_URL", f"sqlite:///{var / 'baton.db'}")
    rasa_token = _secret(settings.rasa_token)
    # an endpoints file of the team's own passes the token only if it says so (``token:
    # ${BATON_ACTIONS_TOKEN}`` under action_endpoint): none is made up for it
    actions_token = (
        settings.actions_token.get_secret_value()
        if settings.actions_token
        else ("" if settings.rasa_endpoints else secrets.token_urlsafe(32))
    )
    rasa = rasa_env(project)
    rasa.update(
        BATON_ACTION_ENDPOINT_URL=f"http://{host}:{settings.actions_port}/webhook",
        BATON_ACTIONS_TOKEN=actions_token,
        BATON_RASA_TRACKER_DB=str(var / "rasa-tracker.db"),
    )
    rasa_ports = [settings.rasa_port + n for n in range(settings.rasa_replicas)]
    rasa_urls = [f"http://{host}:{port}" for port in rasa_ports]
    actions_env = base_env | {
        "SANIC_HOST": host,
        "PYTHONUNBUFFERED": "1",
        "BATON_ACTIONS_TOKEN": actions_token,
    }
    gateway_env = base_env | {
        "BATON_HOST": host,
        "BATON_PORT": str(settings.port),
        "BATON_RASA_URL": rasa_urls[0],
        "BATON_RASA_TOKEN": rasa_token,
        "PYTHONUNBUFFERED": "1",
    }
    if len(rasa_urls) > 1:
        gateway_env["BATON_RASA_URLS"] = json.dumps(rasa_urls)
    replicas = [
        ProcessSpec(
            name="rasa" if n == 0 else f"rasa-{n + 1}",
            argv=[
                str(paths.RASA_VENV_BIN / "rasa"),
                "run",
                "--enable-api",
                "--model",
                str(model),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(credentials),
                "--interface",
                host,
                "--port",
                str(port),
                "--auth-token",
                rasa_token,
            ],
            cwd=project,
            env=rasa,
            health_url=f"http://{host}:{port}/status?token={rasa_token}",
            port=port,
            log_file=logs / ("rasa.log" if n == 0 else f"rasa-{n + 1}.log"),
        )
        for n, port in enumerate(rasa_ports)
    ]
    return [
        *replicas,
        ProcessSpec(
            name="actions",
            argv=[
                str(paths.VENV_BIN / "python"),
                "-m",
                "baton_actions.server",
                "--project",
                str(project),
                "--port",
                str(settings.actions_port),
            ],
            cwd=paths.ROOT,
            env=actions_env,
            health_url=f"http://{host}:{settings.actions_port}/health",
            port=settings.actions_port,
            log_file=logs / "actions.log",
        ),
        ProcessSpec(
            name="gateway",
            argv=[str(paths.VENV_BIN / "python"), "-m", "gateway"],
            cwd=paths.ROOT,
            env=gateway_env,
            health_url=f"http://{host}:{settings.port}/health",
            port=settings.port,
            log_file=logs / "gateway.log",
        ),
    ]


def _secret(configured: SecretStr | None) -> str:
    return configured.get_secret_value() if configured else secrets.token_urlsafe(32)


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
    width = 8
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
    busy = [f"{s.name} ({s.port})" for s in process_specs if port_in_use("127.0.0.1", s.port)]
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


async def run(settings: StackSettings) -> int:
    """Run until Ctrl-C / SIGTERM or until one process dies; always stop them all."""
    choice = serving_model()
    if not choice.path.exists():
        raise StackError("no trained model: run `make train` (or `baton train`) first")
    print(f"==> Rasa model: {choice.note}", flush=True)
    if choice.superseded:
        try:
            print(f"    (the approval record is kept as {set_aside(record_path())})", flush=True)
        except OSError as exc:  # the choice stands; the next start makes it again
            print(f"    (could not set the approval record aside: {exc})", flush=True)
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_requested.set)
    print("==> starting Rasa, the action server and the gateway", flush=True)
    started = time.monotonic()
    starting = asyncio.create_task(
        start_all(specs(settings, model=choice.path), settings.startup_timeout_seconds)
    )
    stopper = asyncio.create_task(stop_requested.wait())
    await asyncio.wait({starting, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if not starting.done():
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        print("==> stopped before start-up finished", flush=True)
        return 130
    processes = starting.result()  # raises StackError if start-up failed
    host = settings.host
    print(
        f"\n==> Baton is ready in {time.monotonic() - started:.0f} s\n"
        f"    web chat demo   http://{host}:{settings.port}/\n"
        f"    agent console   http://{host}:{settings.port}/console"
        "  (a sign-in: .venv/bin/baton user add dana)\n"
        f"    REST API docs   http://{host}:{settings.port}/docs\n"
        + "".join(
            f"    Rasa server     http://{host}:{settings.rasa_port + n}\n"
            for n in range(settings.rasa_replicas)
        )
        + f"    action server   http://{host}:{settings.actions_port}\n"
        f"    logs            {paths.LOGS}/\n"
        "    Ctrl-C stops everything\n",
        flush=True,
    )
    code = await supervise(processes, stopper)
    print("==> stopping", flush=True)
    await asyncio.gather(*(stop(r) for r in processes))
    print("==> stopped", flush=True)
    return code


# a Rasa replica that exits is started again this many times (the others serve meanwhile)
REPLICA_RESTARTS = 5


async def supervise(processes: list[Running], stopper: asyncio.Task[Any]) -> int:
    """Wait for Ctrl-C (0) or for a process to exit (1). One of several Rasa replicas that
    exits is started again while the others serve, up to ``REPLICA_RESTARTS`` times; any
    other process that exits stops the stack. ``processes`` is kept current."""
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
        replicas = [r for r in processes if r.spec.name.startswith("rasa")]
        alive = [r for r in replicas if r not in crashed and r.process.returncode is None]
        if (
            not all(r.spec.name.startswith("rasa") for r in crashed)
            or not alive
            or restarts + len(crashed) > REPLICA_RESTARTS
        ):
            for r in crashed:
                print(
                    f"==> {r.spec.name} exited with code {r.process.returncode}; stopping the rest",
                    flush=True,
                )
            return 1
        for r in crashed:
            restarts += 1
            print(
                f"==> {r.spec.name} exited with code {r.process.returncode}; the other Rasa"
                f" replicas serve while it starts again ({restarts}/{REPLICA_RESTARTS})",
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

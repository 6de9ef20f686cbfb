"""Run the whole stack: Rasa, the action server and the gateway, as one supervised group;
or, scaled out on one machine, N Rasa servers, M action servers (behind a small balancer)
and K gateways (sharing one port), on PostgreSQL and Redis.

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
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from baton import paths
from baton.active_model import ModelChoice, choose, record_path, set_aside
from baton.processes import (
    ProcessSpec,
    StackError,
    start_all,
    stop,
    supervise,
)
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
    # how many action servers to start; more than one: on actions_port + 1, + 2, ..., with a
    # small balancer on actions_port in front of them (Rasa's endpoints file names one URL)
    actions_replicas: int = Field(default=1, ge=1, le=32)
    # how many gateways to start, all on `port` (the kernel spreads connections over them),
    # each also on port + 1, + 2, ... for its own health check; more than one needs the
    # conversation record on PostgreSQL and events through Redis (the two settings below)
    gateway_replicas: int = Field(default=1, ge=1, le=32)
    # the gateways' database and Redis, as the gateway reads them (BATON_DATABASE_URL,
    # BATON_REDIS_URL): read here only to refuse several gateways without them
    database_url: str | None = None
    redis_url: str | None = None

    @property
    def scaled(self) -> bool:
        return max(self.rasa_replicas, self.actions_replicas, self.gateway_replicas) > 1


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
    """Several gateways share conversations only through PostgreSQL and Redis; several Rasa
    servers answer one conversation in order only on shared stores."""
    if settings.gateway_replicas > 1:
        missing = []
        if not (settings.database_url or "").startswith(("postgresql", "postgres")):
            missing.append("BATON_DATABASE_URL (postgresql://...)")
        if not settings.redis_url:
            missing.append("BATON_REDIS_URL (redis://...)")
        if missing:
            raise StackError(
                f"{settings.gateway_replicas} gateways share one desk only on PostgreSQL and"
                f" Redis: set {' and '.join(missing)}"
            )
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
    """The processes serving the assistant in ``project`` (Rasa servers, action servers and
    their balancer, gateways), their environments and health checks; state and logs go to
    ``var``; Rasa serves ``model`` (default: :func:`serving_model` of ``models``)."""
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
    # as this run read them (from the environment or .env), the same for every process
    for name, value in (
        ("BATON_DATABASE_URL", settings.database_url),
        ("BATON_REDIS_URL", settings.redis_url),
    ):
        if value:
            base_env[name] = value
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
    rasa_servers = [
        ProcessSpec(
            name=replica_name("rasa", n),
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
            log_file=logs / f"{replica_name('rasa', n)}.log",
        )
        for n, port in enumerate(rasa_ports)
    ]
    # one action server on actions_port, or several behind a balancer there
    actions_ports = (
        [settings.actions_port]
        if settings.actions_replicas == 1
        else [settings.actions_port + 1 + n for n in range(settings.actions_replicas)]
    )
    action_servers = [
        ProcessSpec(
            name=replica_name("actions", n),
            argv=[
                str(paths.VENV_BIN / "python"),
                "-m",
                "baton_actions.server",
                "--project",
                str(project),
                "--port",
                str(port),
            ],
            cwd=paths.ROOT,
            env=actions_env,
            health_url=f"http://{host}:{port}/health",
            port=port,
            log_file=logs / f"{replica_name('actions', n)}.log",
        )
        for n, port in enumerate(actions_ports)
    ]
    if len(action_servers) > 1:
        action_servers.append(
            ProcessSpec(
                name="balancer",
                argv=[
                    str(paths.VENV_BIN / "python"),
                    "-m",
                    "baton.balancer",
                    "--listen",
                    f"{host}:{settings.actions_port}",
                    *(arg for p in actions_ports for arg in ("--backend", f"{host}:{p}")),
                ],
                cwd=paths.ROOT,
                env=base_env | {"PYTHONUNBUFFERED": "1"},
                health_url=f"http://{host}:{settings.actions_port}/health",
                port=settings.actions_port,
                log_file=logs / "balancer.log",
            )
        )
    if settings.gateway_replicas == 1:
        gateways = [
            ProcessSpec(
                name="gateway",
                argv=[str(paths.VENV_BIN / "python"), "-m", "gateway"],
                cwd=paths.ROOT,
                env=gateway_env,
                health_url=f"http://{host}:{settings.port}/health",
                port=settings.port,
                log_file=logs / "gateway.log",
            )
        ]
    else:  # all on settings.port, each on its own port too (health checks, one replica)
        gateways = [
            ProcessSpec(
                name=replica_name("gateway", n),
                argv=[str(paths.VENV_BIN / "python"), "-m", "gateway"],
                cwd=paths.ROOT,
                env=gateway_env
                | {"BATON_SHARE_PORT": "true", "BATON_OWN_PORT": str(settings.port + 1 + n)},
                health_url=f"http://{host}:{settings.port + 1 + n}/health",
                port=settings.port + 1 + n,
                log_file=logs / f"{replica_name('gateway', n)}.log",
                shared_port=settings.port,
            )
            for n in range(settings.gateway_replicas)
        ]
    return [*rasa_servers, *action_servers, *gateways]


def replica_name(kind: str, n: int) -> str:
    """The first of a kind is named by its kind, the others numbered from 2: rasa, rasa-2."""
    return kind if n == 0 else f"{kind}-{n + 1}"


def _secret(configured: SecretStr | None) -> str:
    return configured.get_secret_value() if configured else secrets.token_urlsafe(32)


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
    if settings.scaled:
        print(
            f"==> starting {settings.rasa_replicas} Rasa servers,"
            f" {settings.actions_replicas} action servers and"
            f" {settings.gateway_replicas} gateways",
            flush=True,
        )
    else:
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
    lines = [
        f"\n==> Baton is ready in {time.monotonic() - started:.0f} s",
        f"    web chat demo   http://{host}:{settings.port}/",
        f"    agent console   http://{host}:{settings.port}/console"
        "  (a sign-in: .venv/bin/baton user add dana)",
        f"    REST API docs   http://{host}:{settings.port}/docs",
        *(
            f"    Rasa server     http://{host}:{settings.rasa_port + n}"
            for n in range(settings.rasa_replicas)
        ),
        f"    action server   http://{host}:{settings.actions_port}"
        + (
            f"  (a balancer over {settings.actions_replicas})"
            if settings.actions_replicas > 1
            else ""
        ),
    ]
    if settings.gateway_replicas > 1:
        lines.append(
            f"    gateways        {settings.gateway_replicas} on port {settings.port}, each also"
            f" on its own ({settings.port + 1}-{settings.port + settings.gateway_replicas})"
        )
    lines += [f"    logs            {paths.LOGS}/", "    Ctrl-C stops everything\n"]
    print("\n".join(lines), flush=True)
    code = await supervise(processes, stopper)
    print("==> stopping", flush=True)
    await asyncio.gather(*(stop(r) for r in processes))
    print("==> stopped", flush=True)
    return code

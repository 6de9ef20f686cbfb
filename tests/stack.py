"""The real stack as processes: Rasa 3.6 (Python 3.10), the action server and the gateway.

The scenario and browser tests each give their modules a ``stack`` fixture from
:func:`running_stack`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from baton import paths
from baton.knowledge import ensure_index
from baton.processes import (
    ProcessSpec,
    Running,
    port_in_use,
    start,
    start_all,
    stop,
    wait_healthy,
)
from baton.stack import StackSettings, replica_name, specs
from baton.testing.services import OwnPostgres, OwnRedis, OwnServerError
from baton.training import ensure_model
from tests.services import free_port, service_missing


@dataclass
class Stack:
    settings: StackSettings
    running: dict[str, Running]
    http: httpx.AsyncClient
    var: Path  # the stack's state: its SQLite database, Rasa's tracker store, logs
    project: Path = paths.BOT  # the assistant it serves

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.settings.port}/ws/chat"

    @property
    def database_url(self) -> str:
        return self.settings.database_url or f"sqlite:///{self.var / 'baton.db'}"

    def gateway_url(self, n: int) -> str:
        """The ``n``-th gateway's own address (0: the first), past the shared port."""
        return f"http://127.0.0.1:{self.running[replica_name('gateway', n)].spec.port}"

    def command_env(self) -> dict[str, str]:
        """What an operator's `baton …` command against this stack runs with."""
        return dict(
            os.environ,
            BATON_DATABASE_URL=self.database_url,
            BATON_PROJECT_DIR=str(self.project),
        )

    async def new_conversation(self, language: str | None = None) -> tuple[str, str]:
        """A web chat conversation, started with the widget's ``language`` hint if given."""
        hint = {"json": {"language": language}} if language else {}
        body = (await self.http.post("/api/conversations", **hint)).json()
        return body["id"], body["token"]

    async def say(
        self, chat: tuple[str, str], text: str, payload: str | None = None
    ) -> list[dict[str, Any]]:
        """A customer message over the web chat REST API; the bot's replies to it."""
        cid, token = chat
        body: dict[str, Any] = {"text": text} | ({"payload": payload} if payload else {})
        response = await self.http.post(
            f"/api/conversations/{cid}/messages",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        replies: list[dict[str, Any]] = response.json()["replies"]
        return replies

    def add_agent(
        self,
        agent_id: str,
        skills: str = "general,orders,billing,technical",
        languages: str | None = None,
    ) -> dict[str, str]:
        """Create an agent as an operator does (`baton agent add`, with the ``languages`` it
        speaks if given); returns its auth header."""
        speaks = ["--languages", languages] if languages else []
        result = subprocess.run(
            [str(paths.VENV_BIN / "baton"), "agent", "add", agent_id, "--skills", skills,
             *speaks],
            env=self.command_env(),
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        token = result.stdout.rsplit("API token (shown once): ", 1)[1].split()[0]
        return {"Authorization": f"Bearer {token}"}

    def add_user(self, user_id: str, password: str, role: str = "agent") -> None:
        """A console sign-in, created as an operator does (`baton user add`)."""
        subprocess.run(
            [str(paths.VENV_BIN / "baton"), "user", "add", user_id, "--role", role,
             "--skills", "general,orders,billing,technical", "--password-stdin"],
            input=password + "\n",
            env=self.command_env(),
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip

    async def rasa_tracker(self, conversation_id: str, replica: str = "rasa") -> dict[str, Any]:
        """Rasa's own tracker of this conversation (slots, events), as the Rasa process
        ``replica`` reads it."""
        token = self.running["gateway"].spec.env["BATON_RASA_TOKEN"]  # Rasa's --auth-token
        port = self.running[replica].spec.port
        async with httpx.AsyncClient(timeout=30, params={"token": token}) as rasa:
            response = await rasa.get(
                f"http://127.0.0.1:{port}/conversations/{conversation_id}/tracker"
            )
        assert response.status_code == 200, response.text
        tracker: dict[str, Any] = response.json()
        return tracker

    async def rasa_user_texts(self, conversation_id: str, replica: str = "rasa") -> list[str]:
        """What Rasa itself received from this customer (its tracker's user events)."""
        tracker = await self.rasa_tracker(conversation_id, replica)
        return [e.get("text") or "" for e in tracker["events"] if e["event"] == "user"]

    async def restart(self, name: str) -> None:
        """Start a stopped process again on its port and wait until it is healthy."""
        spec: ProcessSpec = self.running[name].spec
        self.running[name] = await start(spec)
        await wait_healthy(self.running[name], time.monotonic() + 180)


@contextlib.asynccontextmanager
async def running_stack(
    var: Path,
    project: Path | None = None,
    model: Path | None = None,
    env: dict[str, str] | None = None,
    rasa_replicas: int = 1,
    **stack: Any,
) -> AsyncIterator[Stack]:
    """Start the three processes on free ports with their state under ``var``, and stop them
    all afterwards. With no ``project``: the demo, trained and indexed first if it changed;
    another assistant is served with ``model`` (trained by the caller). ``env``: settings
    an operator would set, for every process; ``rasa_replicas`` and ``stack``: the
    ``baton run`` settings (``StackSettings``) an operator would set."""
    if project is None:
        ensure_model()
        if ensure_index() != 0:
            raise RuntimeError("the knowledge index could not be built (see above)")
    # one block of free ports for all: several gateways or action servers take the shared
    # port, then one port each
    gateways, action_servers = stack.get("gateway_replicas", 1), stack.get("actions_replicas", 1)
    gateway_ports = 1 + gateways if gateways > 1 else 1
    actions_ports = 1 + action_servers if action_servers > 1 else 1
    first = free_ports(gateway_ports + rasa_replicas + actions_ports)
    settings = StackSettings(
        port=first,
        rasa_port=first + gateway_ports,
        actions_port=first + gateway_ports + rasa_replicas,
        startup_timeout_seconds=240,
        rasa_replicas=rasa_replicas,
        **stack,
    )
    # every scenario's customers come from 127.0.0.1, faster than people type: the rate
    # limits (tests/gateway/test_limits.py) would refuse them
    quiet = {"BATON_RATE_LIMIT_ENABLED": "false"}
    chosen = [
        dataclasses.replace(spec, env=spec.env | quiet | (env or {}))
        for spec in specs(settings, var=var, project=project or paths.BOT, model=model)
    ]
    processes = await start_all(chosen, settings.startup_timeout_seconds)
    running = {r.spec.name: r for r in processes}
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{settings.port}", timeout=30
        ) as http:
            yield Stack(settings, running, http, var, (project or paths.BOT).resolve())
    finally:
        # the Stack shares this dict: a process a test restarted is the one stopped here
        for process in running.values():
            await stop(process)


@dataclass
class Services:
    """The PostgreSQL cluster and Redis server a scaled stack runs on: its own, so that
    fault tests may restart them (never the machine's)."""

    postgres: OwnPostgres
    redis: OwnRedis
    database_url: str  # Baton's conversation record
    tracker_url: str  # Rasa's tracker store (a database of its own: both have an events table)


@contextlib.contextmanager
def own_services(folder: Path) -> Iterator[Services]:
    """A PostgreSQL cluster with two empty databases and a Redis server, stopped and
    deleted afterwards. Under CI, servers that cannot start fail the test."""
    postgres, redis = OwnPostgres(), OwnRedis(folder / "redis")
    try:
        try:
            postgres.init()
            postgres.start()
            redis.start()
        except OwnServerError as exc:
            service_missing("a PostgreSQL cluster and a Redis server of the test's own", exc)
            raise
        with psycopg.connect(postgres.url, autocommit=True) as admin:
            for name in ("baton", "rasa_tracker"):
                admin.execute(f"CREATE DATABASE {name}")
        base = postgres.url.rsplit("/", 1)[0]
        yield Services(postgres, redis, f"{base}/baton", f"{base}/rasa_tracker")
    finally:
        redis.stop()
        postgres.remove()


@contextlib.asynccontextmanager
async def scaled_stack(
    var: Path, services: Services, rasa: int = 2, actions: int = 2, gateways: int = 2
) -> AsyncIterator[Stack]:
    """``baton run --scale rasa,actions,gateways`` on ``services``: the demo on several Rasa
    servers, action servers and gateways."""
    async with running_stack(
        var,
        rasa_replicas=rasa,
        actions_replicas=actions,
        gateway_replicas=gateways,
        database_url=services.database_url,
        redis_url=services.redis.url,
        rasa_tracker_store_url=services.tracker_url,
        rasa_lock_store_url=services.redis.url.rsplit("/", 1)[0] + "/1",
    ) as stack:
        yield stack


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports (Rasa replicas listen on them)."""
    while True:
        first = free_port()
        if all(not port_in_use("127.0.0.1", first + n) for n in range(1, count)):
            return first


def words(replies: list[dict[str, Any]]) -> str:
    """The texts of the bot's replies, as one string."""
    return " ".join(r["text"] for r in replies)

"""``baton run`` with several Rasa replicas: the endpoints file on shared stores, the refusal
to start replicas without them, the processes and ports, and the supervisor starting a
replica that exited again while the others serve."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path

import pytest
import yaml

from baton.processes import ProcessSpec, StackError, start, stop, supervise, wait_healthy
from baton.stack import StackSettings, endpoints_yaml, specs
from tests.services import free_port

TRACKER = "postgresql://rasa:s3cret%21@db.internal:6543/rasa_trackers"
LOCKS = "redis://:lock-pass@cache.internal:6380/4"


def test_the_default_endpoints_keep_one_rasa_on_sqlite_and_memory_locks() -> None:
    endpoints = yaml.safe_load(endpoints_yaml(StackSettings()))
    assert endpoints["tracker_store"] == {
        "type": "SQL", "dialect": "sqlite", "db": "${BATON_RASA_TRACKER_DB}",
    }  # fmt: skip
    assert "lock_store" not in endpoints
    assert endpoints["action_endpoint"]["token"] == "${BATON_ACTIONS_TOKEN}"


def test_replicas_share_a_postgresql_tracker_store_and_a_redis_lock_store() -> None:
    settings = StackSettings(
        rasa_replicas=3, rasa_tracker_store_url=TRACKER, rasa_lock_store_url=LOCKS
    )
    endpoints = yaml.safe_load(endpoints_yaml(settings))
    assert endpoints["tracker_store"] == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "db.internal",
        "port": 6543,
        "db": "rasa_trackers",
        "username": "rasa",
        "password": "s3cret!",
    }
    assert endpoints["lock_store"] == {
        "type": "redis", "url": "cache.internal", "port": 6380, "db": 4, "password": "lock-pass",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("tracker", "locks", "named"),
    [
        (None, None, "BATON_RASA_TRACKER_STORE_URL and BATON_RASA_LOCK_STORE_URL"),
        (TRACKER, None, "BATON_RASA_LOCK_STORE_URL"),
        (None, LOCKS, "BATON_RASA_TRACKER_STORE_URL"),
    ],
)
def test_replicas_without_shared_stores_are_refused_with_what_to_set(
    tmp_path: Path, tracker: str | None, locks: str | None, named: str
) -> None:
    settings = StackSettings(
        rasa_replicas=2, rasa_tracker_store_url=tracker, rasa_lock_store_url=locks
    )
    with pytest.raises(StackError, match=named):
        specs(settings, var=tmp_path, model=tmp_path / "model.tar.gz")


@pytest.mark.parametrize(
    ("tracker", "locks"),
    [("mysql://db/rasa", LOCKS), ("postgresql://db:5432/", LOCKS), (TRACKER, "redis://c/x")],
)
def test_store_urls_of_the_wrong_kind_are_refused(tracker: str, locks: str) -> None:
    settings = StackSettings(
        rasa_replicas=2, rasa_tracker_store_url=tracker, rasa_lock_store_url=locks
    )
    with pytest.raises(StackError, match="must be"):
        endpoints_yaml(settings)


def test_each_replica_is_a_rasa_process_on_its_own_port_and_the_gateway_has_them_all(
    tmp_path: Path,
) -> None:
    settings = StackSettings(
        rasa_port=7000, rasa_replicas=3, rasa_tracker_store_url=TRACKER, rasa_lock_store_url=LOCKS
    )
    processes = specs(settings, var=tmp_path, model=tmp_path / "model.tar.gz")
    names = [p.name for p in processes]
    assert names == ["rasa", "rasa-2", "rasa-3", "actions", "gateway"]
    assert [p.port for p in processes[:3]] == [7000, 7001, 7002]
    assert [p.log_file.name for p in processes[:3]] == ["rasa.log", "rasa-2.log", "rasa-3.log"]
    gateway = processes[-1].env
    assert json.loads(gateway["BATON_RASA_URLS"]) == [
        "http://127.0.0.1:7000", "http://127.0.0.1:7001", "http://127.0.0.1:7002",
    ]  # fmt: skip
    endpoints = tmp_path / "rasa" / "endpoints.yml"
    assert endpoints.stat().st_mode & 0o077 == 0  # the stores' passwords: the owner's only
    assert "s3cret!" in endpoints.read_text()


def server(name: str, tmp_path: Path) -> ProcessSpec:
    """A stand-in process that answers its health check (python's http.server)."""
    port = free_port()
    return ProcessSpec(
        name=name,
        argv=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp_path,
        env={},
        health_url=f"http://127.0.0.1:{port}/",
        port=port,
        log_file=tmp_path / f"{name}.log",
    )


async def test_a_replica_that_exits_is_started_again_and_anything_else_stops_the_stack(
    tmp_path: Path,
) -> None:
    processes = [await start(server(n, tmp_path)) for n in ("rasa", "rasa-2", "gateway")]
    try:
        for running in processes:
            await wait_healthy(running, time.monotonic() + 30)
        never = asyncio.create_task(asyncio.Event().wait())
        supervising = asyncio.create_task(supervise(processes, never))
        replica = processes[1]
        replica.process.send_signal(signal.SIGKILL)
        for _ in range(100):  # started again: a new process on the same port
            if processes[1] is not replica and processes[1].process.returncode is None:
                break
            await asyncio.sleep(0.1)
        assert processes[1] is not replica and processes[1].spec == replica.spec
        assert not supervising.done()

        processes[2].process.send_signal(signal.SIGKILL)  # the gateway: no replica of it
        assert await asyncio.wait_for(supervising, 30) == 1
        never.cancel()
    finally:
        await asyncio.gather(*(stop(r) for r in processes))


def test_several_action_servers_sit_behind_a_balancer_on_the_action_port(tmp_path: Path) -> None:
    settings = StackSettings(actions_port=6000, actions_replicas=3)
    processes = {p.name: p for p in specs(settings, var=tmp_path, model=tmp_path / "m.tar.gz")}
    assert [n for n in processes if n.startswith("actions")] == [
        "actions",
        "actions-2",
        "actions-3",
    ]
    assert [processes[n].port for n in ("actions", "actions-2", "actions-3")] == [6001, 6002, 6003]
    balancer = processes["balancer"]
    assert balancer.port == 6000 and balancer.kind == "balancer"
    argv = list(balancer.argv)
    assert argv[argv.index("--listen") + 1] == "127.0.0.1:6000"
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--backend"] == [
        "127.0.0.1:6001", "127.0.0.1:6002", "127.0.0.1:6003",
    ]  # fmt: skip
    # Rasa calls the balancer; every action server has the token Rasa sends
    assert processes["rasa"].env["BATON_ACTION_ENDPOINT_URL"] == "http://127.0.0.1:6000/webhook"
    tokens = {
        processes[n].env["BATON_ACTIONS_TOKEN"] for n in ("actions", "actions-2", "actions-3")
    }
    assert tokens == {processes["rasa"].env["BATON_ACTIONS_TOKEN"]}


def test_several_gateways_share_the_port_each_with_its_own_for_health(tmp_path: Path) -> None:
    settings = StackSettings(
        port=9000,
        gateway_replicas=2,
        database_url="postgresql://baton@db/baton",
        redis_url="redis://cache:6379/0",
    )
    processes = {p.name: p for p in specs(settings, var=tmp_path, model=tmp_path / "m.tar.gz")}
    first, second = processes["gateway"], processes["gateway-2"]
    for gateway, own in ((first, 9001), (second, 9002)):
        assert gateway.env["BATON_PORT"] == "9000" and gateway.env["BATON_SHARE_PORT"] == "true"
        assert gateway.env["BATON_OWN_PORT"] == str(own) and gateway.port == own
        assert gateway.health_url == f"http://127.0.0.1:{own}/health"
        assert gateway.shared_port == 9000
        # every process reads the settings this run read (from the environment or .env)
        assert gateway.env["BATON_DATABASE_URL"] == "postgresql://baton@db/baton"
        assert gateway.env["BATON_REDIS_URL"] == "redis://cache:6379/0"


@pytest.mark.parametrize(
    ("database", "redis", "named"),
    [
        (None, None, "BATON_DATABASE_URL .* and BATON_REDIS_URL"),
        ("sqlite:///var/baton.db", "redis://c:6379/0", "BATON_DATABASE_URL"),
        ("postgresql://db/baton", None, "BATON_REDIS_URL"),
    ],
)
def test_several_gateways_without_postgresql_and_redis_are_refused(
    tmp_path: Path, database: str | None, redis: str | None, named: str
) -> None:
    settings = StackSettings(gateway_replicas=2, database_url=database, redis_url=redis)
    with pytest.raises(StackError, match=named):
        specs(settings, var=tmp_path, model=tmp_path / "model.tar.gz")


async def test_a_balancer_is_started_again_even_alone_and_an_action_server_beside_its_twin(
    tmp_path: Path,
) -> None:
    names = ("actions", "actions-2", "balancer", "gateway")
    processes = [await start(server(n, tmp_path)) for n in names]
    try:
        for running in processes:
            await wait_healthy(running, time.monotonic() + 30)
        never = asyncio.create_task(asyncio.Event().wait())
        supervising = asyncio.create_task(supervise(processes, never))
        for index in (0, 2):  # an action server with a twin, then the balancer
            before = processes[index]
            before.process.send_signal(signal.SIGKILL)
            for _ in range(100):
                if processes[index] is not before and processes[index].process.returncode is None:
                    break
                await asyncio.sleep(0.1)
            assert processes[index] is not before and processes[index].spec == before.spec
        assert not supervising.done()
        never.cancel()
        supervising.cancel()
    finally:
        await asyncio.gather(*(stop(r) for r in processes))

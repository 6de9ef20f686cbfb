"""Deploy and roll back against a stand-in Rasa server that behaves like Rasa 3.6's
``PUT /model`` (switches only after loading; refuses a broken file, keeping the old model)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from baton.active_model import RECORD_NAME, read
from gateway.gate import TrafficGate
from gateway.rasa import RasaClient
from handoff.store import ConversationStore
from retraining.deploy import PROJECT_FINGERPRINT, Deployer
from retraining.errors import (
    ActiveModelNotRecorded,
    ModelLoadFailed,
    NoCandidate,
    NoPreviousModel,
    RasaUnreachable,
)
from retraining.registry import ModelState, Registry
from tests.services import serve


def fake_rasa(first: str, refuses: str = "broken") -> FastAPI:
    """A Rasa server's model API; a model whose file name has ``refuses`` in it fails."""
    app = FastAPI()
    app.state.model = (first, "id-" + first)
    app.state.loading = asyncio.Event()  # set by the test: the load may finish
    app.state.loading.set()
    app.state.load_started = asyncio.Event()
    app.state.answered = []  # (message, the model that answered it)

    @app.get("/status")
    async def status() -> dict[str, str]:
        return {"model_file": app.state.model[0], "model_id": app.state.model[1]}

    @app.put("/model")
    async def load(request: Request) -> Response:
        path = Path((await request.json())["model_file"])
        app.state.load_started.set()
        await app.state.loading.wait()
        if refuses in path.name or not await asyncio.to_thread(path.exists):
            return JSONResponse(
                {"status": "failure", "message": "An unexpected error occurred. Error: bad tar"},
                status_code=500,
            )
        app.state.model = (path.name, "id-" + path.name)
        return Response(status_code=204)

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request) -> list[dict[str, Any]]:
        body = await request.json()
        app.state.answered.append((body["message"], app.state.model[0]))
        return [{"recipient_id": body["sender"], "text": f"answered by {app.state.model[0]}"}]

    @app.get("/conversations/{cid}/tracker")
    async def tracker(cid: str) -> dict[str, Any]:
        return {"latest_message": {"intent": {"name": "greet", "confidence": 0.9}}}

    return app


@pytest.fixture
async def setup(
    store: ConversationStore, tmp_path: Path
) -> AsyncIterator[tuple[FastAPI, Deployer, Registry, RasaClient, Path]]:
    models = tmp_path / "models"
    models.mkdir()
    for name in ("baton.tar.gz", "candidate.tar.gz", "broken.tar.gz"):
        (models / name).write_bytes(b"model")
    rasa = fake_rasa("baton.tar.gz")
    async with serve(rasa) as url:
        client = RasaClient(url, timeout=10)
        registry = Registry(store.sessions)
        try:
            deployer = Deployer(url, client.gate, registry, active_record=models / RECORD_NAME)
            yield rasa, deployer, registry, client, models
        finally:
            await client.close()
            async with store.sessions.begin() as session:
                from sqlalchemy import text

                await session.execute(text("DELETE FROM rasa_models"))


async def test_a_deploy_holds_messages_during_the_swap_and_answers_them_with_the_new_model(
    setup: tuple[FastAPI, Deployer, Registry, RasaClient, Path],
) -> None:
    rasa, deployer, registry, client, models = setup
    candidate = await registry.add_model(str(models / "candidate.tar.gz"), ModelState.CANDIDATE)
    rasa.state.loading.clear()
    deploying = asyncio.create_task(deployer.deploy(candidate.id, models))
    await rasa.state.load_started.wait()
    # a customer writes while Rasa is loading: the message waits at the gate, it is not lost
    sending = asyncio.create_task(client.send("c1", "hello during the swap"))
    await asyncio.sleep(0.05)
    assert not sending.done() and rasa.state.answered == []
    rasa.state.loading.set()
    deployed = await deploying
    turn = await sending
    assert turn.replies[0].text == "answered by candidate.tar.gz"
    assert deployed.state is ModelState.ACTIVE and deployed.fingerprint == "id-candidate.tar.gz"
    assert deployer.held_last_swap == 1
    previous = await registry.in_state(ModelState.PREVIOUS)
    assert previous is not None and Path(previous.file).name == "baton.tar.gz"


async def test_a_deploy_and_a_rollback_are_recorded_for_the_next_start(
    setup: tuple[FastAPI, Deployer, Registry, RasaClient, Path],
) -> None:
    _, deployer, registry, _, models = setup
    record = models / RECORD_NAME
    candidate = await registry.add_model(
        str(models / "candidate.tar.gz"), ModelState.CANDIDATE, sha256="ab" * 32
    )
    await registry.set_model(candidate.id, metrics={PROJECT_FINGERPRINT: "hand-written"})
    await deployer.deploy(candidate.id, models)
    deployed = read(record)
    assert deployed is not None and deployed.how == "deploy"
    assert (deployed.file, deployed.sha256, deployed.project) == (
        str(models / "candidate.tar.gz"), "ab" * 32, "hand-written",
    )  # fmt: skip
    broken = await registry.add_model(str(models / "broken.tar.gz"), ModelState.CANDIDATE)
    with pytest.raises(ModelLoadFailed):
        await deployer.deploy(broken.id, models)
    assert read(record) == deployed  # a refused model changes nothing
    await deployer.rollback(models)
    back = read(record)
    assert back is not None and back.how == "rollback"
    assert Path(back.file).name == "baton.tar.gz" and back.project is None


async def test_a_swap_that_cannot_be_recorded_says_so_and_still_serves(
    setup: tuple[FastAPI, Deployer, Registry, RasaClient, Path],
) -> None:
    rasa, deployer, registry, _, models = setup
    (models / RECORD_NAME).mkdir()  # a folder where the record goes: it cannot be replaced
    candidate = await registry.add_model(str(models / "candidate.tar.gz"), ModelState.CANDIDATE)
    with pytest.raises(ActiveModelNotRecorded, match="after a restart"):
        await deployer.deploy(candidate.id, models)
    assert rasa.state.model[0] == "candidate.tar.gz"
    active = await registry.in_state(ModelState.ACTIVE)
    assert active is not None and active.id == candidate.id


async def test_a_model_rasa_cannot_load_leaves_the_serving_model_untouched(
    setup: tuple[FastAPI, Deployer, Registry, RasaClient, Path],
) -> None:
    _, deployer, registry, client, models = setup
    broken = await registry.add_model(str(models / "broken.tar.gz"), ModelState.CANDIDATE)
    with pytest.raises(ModelLoadFailed, match="still serves") as refused:
        await deployer.deploy(broken.id, models)
    assert "bad tar" in refused.value.message
    assert (await deployer.serving()).file == "baton.tar.gz"
    assert (await registry.model(broken.id)).state is ModelState.REJECTED  # type: ignore[union-attr]
    active = await registry.in_state(ModelState.ACTIVE)
    assert active is not None and Path(active.file).name == "baton.tar.gz"
    assert (await client.send("c2", "still there?")).replies[0].text == "answered by baton.tar.gz"
    with pytest.raises(NoCandidate):
        await deployer.deploy(broken.id, models)


async def test_rollback_returns_to_the_previous_model_in_one_step_and_back_again(
    setup: tuple[FastAPI, Deployer, Registry, RasaClient, Path],
) -> None:
    rasa, deployer, registry, _, models = setup
    with pytest.raises(NoPreviousModel):
        await deployer.rollback(models)
    candidate = await registry.add_model(str(models / "candidate.tar.gz"), ModelState.CANDIDATE)
    await deployer.deploy(candidate.id, models)
    back = await deployer.rollback(models)
    assert Path(back.file).name == "baton.tar.gz" and back.state is ModelState.ACTIVE
    assert rasa.state.model[0] == "baton.tar.gz"
    previous = await registry.in_state(ModelState.PREVIOUS)
    assert previous is not None and previous.id == candidate.id
    forward = await deployer.rollback(models)  # a rollback of the rollback
    assert forward.id == candidate.id and rasa.state.model[0] == "candidate.tar.gz"


@pytest.fixture
async def two_replicas(
    store: ConversationStore, tmp_path: Path
) -> AsyncIterator[tuple[list[FastAPI], Deployer, Registry, Path]]:
    models = tmp_path / "models"
    models.mkdir()
    for name in ("baton.tar.gz", "candidate.tar.gz", "odd-candidate.tar.gz"):
        (models / name).write_bytes(b"model")
    # the second replica cannot load "odd" models (a different Rasa build, say)
    replicas = [fake_rasa("baton.tar.gz"), fake_rasa("baton.tar.gz", refuses="odd")]
    async with serve(replicas[0]) as first, serve(replicas[1]) as second:
        client = RasaClient([first, second], timeout=10)
        registry = Registry(store.sessions)
        try:
            deployer = Deployer([first, second], client.gate, registry)
            yield replicas, deployer, registry, models
        finally:
            await client.close()
            async with store.sessions.begin() as session:
                from sqlalchemy import text

                await session.execute(text("DELETE FROM rasa_models"))


async def test_every_replica_switches_to_the_deployed_model_and_back(
    two_replicas: tuple[list[FastAPI], Deployer, Registry, Path],
) -> None:
    replicas, deployer, registry, models = two_replicas
    candidate = await registry.add_model(str(models / "candidate.tar.gz"), ModelState.CANDIDATE)
    deployed = await deployer.deploy(candidate.id, models)
    assert deployed.state is ModelState.ACTIVE
    assert [r.state.model[0] for r in replicas] == ["candidate.tar.gz"] * 2
    await deployer.rollback(models)
    assert [r.state.model[0] for r in replicas] == ["baton.tar.gz"] * 2


async def test_a_model_one_replica_refuses_is_served_by_none(
    two_replicas: tuple[list[FastAPI], Deployer, Registry, Path],
) -> None:
    replicas, deployer, registry, models = two_replicas
    odd = await registry.add_model(str(models / "odd-candidate.tar.gz"), ModelState.CANDIDATE)
    with pytest.raises(ModelLoadFailed, match="none serves it") as refused:
        await deployer.deploy(odd.id, models)
    # the first replica had switched: it was given its model back
    assert [r.state.model[0] for r in replicas] == ["baton.tar.gz"] * 2
    message = refused.value.message
    assert "bad tar" in message and "gave its model back" in message
    assert (await registry.model(odd.id)).state is ModelState.REJECTED  # type: ignore[union-attr]
    active = await registry.in_state(ModelState.ACTIVE)
    assert active is not None and Path(active.file).name == "baton.tar.gz"


async def test_a_deploy_while_a_replica_is_down_changes_nothing(
    store: ConversationStore, tmp_path: Path
) -> None:
    from tests.services import free_port

    models = tmp_path / "models"
    models.mkdir()
    for name in ("baton.tar.gz", "candidate.tar.gz"):
        (models / name).write_bytes(b"model")
    rasa = fake_rasa("baton.tar.gz")
    async with serve(rasa) as up:
        down = f"http://127.0.0.1:{free_port()}"
        registry = Registry(store.sessions)
        deployer = Deployer([up, down], TrafficGate(), registry)
        try:
            candidate = await registry.add_model(
                str(models / "candidate.tar.gz"), ModelState.CANDIDATE
            )
            with pytest.raises(RasaUnreachable, match="nothing was changed"):
                await deployer.deploy(candidate.id, models)
            assert rasa.state.model[0] == "baton.tar.gz"
            still = await registry.model(candidate.id)
            assert still is not None and still.state is ModelState.CANDIDATE
        finally:
            async with store.sessions.begin() as session:
                from sqlalchemy import text

                await session.execute(text("DELETE FROM rasa_models"))

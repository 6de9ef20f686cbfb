"""Retrain, deploy and roll back with real Rasa 3.6 processes on a tiny project, while
customers keep writing through the gateway: every message is answered, none by a server
in the middle of loading a model.

The tiny bot (bag-of-words features, logistic regression) does not know opening hours; the
knowledge owner labels the failed questions as a new intent, one action trains and
evaluates a new model beside the serving one, approval swaps it in with ``PUT /model``, a
second action rolls back, and a broken model file changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from baton import paths
from baton.catalogue import Catalogue
from baton.processes import ProcessSpec, start, stop, wait_healthy
from baton.training import rasa_env
from gateway.app import create_app
from handoff.settings import HandoffSettings
from retraining.rasa_process import Progress, train
from retraining.registry import ModelState
from retraining.settings import ReviewSettings
from tests.harness import gateway_settings
from tests.services import free_port, serve

# the notice a customer gets when the bot cannot answer (English: these customers write English)
RASA_UNAVAILABLE = Catalogue(("en",)).text("gateway.rasa_unavailable", "en")

pytestmark = pytest.mark.slow

RASA = paths.RASA_VENV_BIN / "rasa"
PASSWORD = "correct horse battery"

CONFIG = """recipe: default.v1
assistant_id: baton-retrain-scenario
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
  - name: FallbackClassifier
    threshold: 0.4
policies:
  - name: RulePolicy
"""
DOMAIN = """version: "3.1"
intents: [greet, goodbye, order_status, out_of_scope]
responses:
  utter_greet: [{text: "Hello! How can I help?"}]
  utter_goodbye: [{text: "Goodbye!"}]
  utter_order: [{text: "Your order is on its way."}]
  utter_out_of_scope: [{text: "I can't help with that."}]
  utter_default: [{text: "Sorry, I didn't get that."}]
"""
NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi
    - hey there
    - good morning
    - hi bot
- intent: goodbye
  examples: |
    - bye
    - goodbye
    - see you later
    - bye bye
- intent: order_status
  examples: |
    - where is my order
    - track my order
    - has my order shipped
    - when will my parcel arrive
    - status of my order
- intent: out_of_scope
  examples: |
    - what is the weather
    - tell me a joke
    - who won the football
    - sing a song
"""
RULES = """version: "3.1"
rules:
- rule: greet
  steps: [{intent: greet}, {action: utter_greet}]
- rule: goodbye
  steps: [{intent: goodbye}, {action: utter_goodbye}]
- rule: order
  steps: [{intent: order_status}, {action: utter_order}]
- rule: out of scope
  steps: [{intent: out_of_scope}, {action: utter_out_of_scope}]
- rule: not understood
  steps: [{intent: nlu_fallback}, {action: utter_default}]
"""
# none of these words is in the tiny bot's data: the first model cannot read them
HOURS = [
    "opening hours",
    "opening hours please",
    "opening hours saturday",
    "opening times",
    "opening hours today",
    "shop opening hours",
    "store hours",
    "business hours",
    "opening hours sunday",
    "opening hours christmas",
    "hours today",
    "opening times tomorrow",
]


def tiny_project(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True)
    (folder / "config.yml").write_text(CONFIG)
    (folder / "domain.yml").write_text(DOMAIN)
    (folder / "credentials.yml").write_text("rest:\n")
    (folder / "data" / "nlu.yml").write_text(NLU)
    (folder / "data" / "rules.yml").write_text(RULES)
    return folder


@dataclass
class Customers:
    """Customers writing through the gateway, one message after another, until stopped."""

    http: httpx.AsyncClient
    answers: list[tuple[str, list[str]]] = field(default_factory=list)
    during_swap: int = 0
    swapping: bool = False
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    more: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def answered(self, count: int) -> None:
        """Until at least ``count`` messages in all have been answered."""
        async with self.more:
            await self.more.wait_for(lambda: len(self.answers) >= count)

    async def write(self, name: str) -> None:
        created = (await self.http.post("/api/conversations")).json()
        auth = {"Authorization": f"Bearer {created['token']}"}
        number = 0
        while not self.stopping.is_set():
            number += 1
            in_swap = self.swapping
            response = await self.http.post(
                f"/api/conversations/{created['id']}/messages",
                json={"text": "where is my order", "client_id": f"{name}-{number}"},
                headers=auth,
                timeout=120,
            )
            assert response.status_code == 200, response.text
            assert not response.json()["duplicate"]
            texts = [r["text"] for r in response.json()["replies"]]
            self.answers.append((f"{name}-{number}", texts))
            self.during_swap += in_swap or self.swapping
            async with self.more:
                self.more.notify_all()


async def sign_in(app: FastAPI, http: httpx.AsyncClient, base: str) -> dict[str, str]:
    from agent_console.auth import Role, Users

    await Users(app.state.services.store.sessions).add("kim", "Kim", Role.KNOWLEDGE_OWNER, PASSWORD)
    response = await http.post(
        "/console/login",
        content=f"user_id=kim&password={PASSWORD.replace(' ', '+')}",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": base},
    )
    assert response.status_code == 303
    return {"Cookie": response.headers["set-cookie"].split(";", 1)[0], "Origin": base}


async def ask(http: httpx.AsyncClient, text: str) -> dict[str, Any]:
    created = (await http.post("/api/conversations")).json()
    auth = {"Authorization": f"Bearer {created['token']}"}
    response = await http.post(
        f"/api/conversations/{created['id']}/messages",
        json={"text": text},
        headers=auth,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def parse(port: int, text: str) -> str:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(f"http://127.0.0.1:{port}/model/parse", json={"text": text})
        return str(response.json()["intent"]["name"])


async def serving(port: int) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as client:
        body: dict[str, Any] = (await client.get(f"http://127.0.0.1:{port}/status")).json()
        return body


@contextlib.asynccontextmanager
async def rasa_server(project: Path, model: Path, log: Path) -> AsyncIterator[int]:
    port = free_port()
    spec = ProcessSpec(
        name="rasa",
        argv=[str(RASA), "run", "--enable-api", "--model", str(model),
              "--credentials", "credentials.yml", "--interface", "127.0.0.1", "--port", str(port)],
        cwd=project, env=rasa_env(), health_url=f"http://127.0.0.1:{port}/status", port=port,
        log_file=log,
    )  # fmt: skip
    running = await start(spec)
    try:
        await wait_healthy(running, time.monotonic() + 240)
        yield port
    finally:
        await stop(running)


async def until_settled(http: httpx.AsyncClient, kim: dict[str, str]) -> dict[str, Any]:
    seen: list[float] = []
    for _ in range(1200):
        training = (await http.get("/api/review/training", headers=kim)).json()
        run = training["runs"][0]
        seen.append(run["progress"])
        if run["state"] not in ("training", "evaluating"):
            assert seen == sorted(seen), "progress only moves forward"
            return training
        await asyncio.sleep(0.5)
    raise AssertionError("the training run did not finish in 10 minutes")


async def test_retrain_deploy_and_roll_back_while_customers_write(tmp_path: Path) -> None:
    project = tiny_project(tmp_path / "bot")

    async def quiet(_: Progress) -> None:
        return None

    first = await train(
        RASA, project, project / "domain.yml", project / "models", "first",
        cache=tmp_path / "cache", log_file=tmp_path / "first.log", on_progress=quiet,
        timeout_seconds=900,
    )  # fmt: skip
    async with rasa_server(project, first, tmp_path / "rasa.log") as port:
        settings = gateway_settings(
            rasa_url=f"http://127.0.0.1:{port}",
            rasa_timeout_seconds=30,
            # the tiny bot falls back a lot: customers stay with it (no handoff trigger)
            handoff=HandoffSettings(low_confidence_turns=1000),
            database_url=f"sqlite:///{tmp_path / 'gw.db'}",
            review=ReviewSettings(
                bot_dir=project,
                work_dir=tmp_path / "work",
                help_centre_dir=tmp_path / "help",
                replay_messages=50,
                held_out_share=0.25,
            ),
        )
        app = create_app(settings)
        async with serve(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as http:
            kim = await sign_in(app, http, base)
            for text in HOURS:
                await ask(http, text)
            inbox = (await http.get("/api/review/inbox", headers=kim, timeout=300)).json()
            failed = [m for c in inbox["clusters"] for m in c["members"] if m["text"] in HOURS]
            assert len(failed) >= 8, inbox  # the first model does not know opening hours
            labelled = await http.post(
                "/api/review/labels",
                json={
                    "message_ids": [m["message_id"] for m in failed],
                    "action": "intent",
                    "intent": "opening_hours",
                },
                headers=kim,
            )
            assert labelled.status_code == 201, labelled.text
            assert "opening_hours" in (project / "data" / "reviewed" / "fallback.yml").read_text()

            # one action trains and evaluates in the background
            started = await http.post("/api/review/runs", headers=kim)
            assert started.status_code == 202, started.text
            training = await until_settled(http, kim)
            run = training["runs"][0]
            assert run["state"] == "ready", run
            assert run["progress"] == 1.0 and run["held_out"] >= 1
            assert (
                "Finished training component"
                in (tmp_path / "work" / f"run-{run['id']}" / "train.log").read_text()
            )
            candidate = next(m for m in training["models"] if m["id"] == run["model_id"])
            metrics = candidate["metrics"]
            assert metrics["new_intents"] == ["opening_hours"]
            assert metrics["held_out"]["examples"] == run["held_out"]
            assert metrics["held_out"]["new"] > metrics["held_out"]["old"] == 0
            replay = metrics["replay"]
            assert replay["new"]["understood"] > replay["old"]["understood"]
            assert (await serving(port))["model_file"] == "first.tar.gz"  # not before approval

            customers = Customers(http)
            writers = [asyncio.create_task(customers.write(f"w{i}")) for i in range(3)]
            await customers.answered(6)
            customers.swapping = True
            deployed = await http.post(
                f"/api/review/models/{candidate['id']}/deploy", headers=kim, timeout=300
            )
            customers.swapping = False
            assert deployed.status_code == 200, deployed.text
            assert deployed.json()["model"]["state"] == "active"
            status = await serving(port)
            assert status["model_file"] == candidate["name"]
            assert status["model_id"] == candidate["fingerprint"]
            assert await parse(port, "opening hours") == "opening_hours"

            count = len(customers.answers)
            await customers.answered(count + 6)
            customers.swapping = True
            rolled = await http.post("/api/review/rollback", headers=kim, timeout=300)
            customers.swapping = False
            assert rolled.status_code == 200, rolled.text
            assert (await serving(port))["model_file"] == "first.tar.gz"
            count = len(customers.answers)
            await customers.answered(count + 6)
            customers.stopping.set()
            await asyncio.gather(*writers)

            # every message was answered by the bot, none got the "having trouble" notice
            assert len(customers.answers) >= 18
            assert customers.during_swap >= 1
            for name, texts in customers.answers:
                assert texts and RASA_UNAVAILABLE not in texts, (name, texts)

            # a model file Rasa cannot load: a clear message, the serving model untouched
            before = await serving(port)
            broken = project / "models" / "broken.tar.gz"
            broken.write_bytes(b"this is not a model")
            model = await app.state.review.registry.add_model(str(broken), ModelState.CANDIDATE)
            refused = await http.post(
                f"/api/review/models/{model.id}/deploy", headers=kim, timeout=300
            )
            assert refused.status_code == 502, refused.text
            error = refused.json()["error"]
            assert error["code"] == "model_load_failed" and "still serves" in error["message"]
            assert (await serving(port))["model_id"] == before["model_id"]
            hello = await ask(http, "where is my order")
            assert [r["text"] for r in hello["replies"]] == ["Your order is on its way."]

"""Putting a model into service on the running Rasa server, and taking it back.

``PUT /model`` makes Rasa load the file and switch to it only once it has loaded; a file
it cannot load leaves the serving model in place. Around the swap the gateway's gate holds
new customer messages and lets those in flight finish, so none reaches a server that is
busy loading, and each is answered once the new model serves. Afterwards ``GET /status``
must name the new file: the registry changes only when Rasa really serves it. Then the
model is recorded for restarts (``baton.active_model``): ``baton run`` starts Rasa with it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

import httpx

from baton.active_model import ActiveModel, now, record
from gateway.gate import GateTimeout, TrafficGate
from retraining.errors import (
    ActiveModelNotRecorded,
    ModelLoadFailed,
    NoCandidate,
    NoPreviousModel,
    RasaUnreachable,
)
from retraining.registry import Model, ModelState, Registry

log = logging.getLogger(__name__)

# the key in a candidate's metrics: baton.training.bot_fingerprint(generated=False) of the
# project it was trained from (what a restart compares with bot/ as it is then)
PROJECT_FINGERPRINT = "project_fingerprint"


@dataclass(frozen=True, slots=True)
class Serving:
    file: str  # as Rasa reports it (a file name)
    model_id: str | None


class Deployer:
    def __init__(
        self,
        rasa_url: str,
        gate: TrafficGate,
        registry: Registry,
        load_timeout: float = 300,
        active_record: Path | None = None,
        rasa_token: str | None = None,
    ) -> None:
        self._url = rasa_url.rstrip("/")
        # Rasa's --auth-token, sent as its query parameter
        self._params = {"token": rasa_token} if rasa_token else None
        self._gate = gate
        self._registry = registry
        self._load_timeout = load_timeout
        # where the model in service is recorded for restarts (None: not recorded)
        self._active_record = active_record
        # customer calls that waited at the gate during the latest swap
        self.held_last_swap = 0

    async def serving(self) -> Serving:
        try:
            async with httpx.AsyncClient(timeout=10, params=self._params) as client:
                response = await client.get(f"{self._url}/status")
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnreachable(
                f"the Rasa server at {self._url} does not answer ({exc}); nothing was changed."
            ) from None
        return Serving(str(body.get("model_file") or ""), body.get("model_id"))

    async def register_serving(self, models_dir: Path) -> Model | None:
        """The model Rasa serves now, in the registry as active (added if the loop did not
        deploy it, e.g. the demo model ``baton train`` made)."""
        serving = await self.serving()
        active = await self._registry.in_state(ModelState.ACTIVE)
        if active is not None and Path(active.file).name == Path(serving.file).name:
            return active
        path = Path(serving.file)
        if not path.is_absolute():
            path = models_dir / path.name
        known = await self._registry.by_file(str(path))
        model = known or await self._registry.add_model(str(path), ModelState.ACTIVE)
        await self._registry.activate(model.id, serving.model_id)
        return await self._registry.model(model.id)

    async def deploy(self, model_id: int, models_dir: Path) -> Model:
        """Serve candidate ``model_id``; the serving model becomes the previous one."""
        model = await self._registry.model(model_id)
        if model is None or model.state is not ModelState.CANDIDATE:
            raise NoCandidate(f"model {model_id} is not a candidate waiting for approval.")
        await self.register_serving(models_dir)
        await self._swap(model, "deploy")
        return await self._registry.model(model_id) or model

    async def rollback(self, models_dir: Path) -> Model:
        """Serve the previous model again; the one serving becomes previous."""
        await self.register_serving(models_dir)
        previous = await self._registry.in_state(ModelState.PREVIOUS)
        if previous is None:
            raise NoPreviousModel("there is no previous model to roll back to.")
        if not await asyncio.to_thread(Path(previous.file).exists):
            raise NoPreviousModel(f"the previous model's file {previous.file} is gone.")
        await self._swap(previous, "rollback")
        return await self._registry.model(previous.id) or previous

    async def _swap(self, model: Model, how: str) -> None:
        before = await self.serving()
        try:
            async with (
                self._gate.closed(),
                httpx.AsyncClient(timeout=self._load_timeout, params=self._params) as client,
            ):
                response = await client.put(f"{self._url}/model", json={"model_file": model.file})
                after = await self.serving()
        except GateTimeout as exc:
            raise ModelLoadFailed(f"{exc}; the model was not changed, try again.") from None
        except httpx.HTTPError as exc:
            raise ModelLoadFailed(
                f"the Rasa server did not finish loading {Path(model.file).name} ({exc})."
            ) from None
        if response.status_code >= 400 or Path(after.file).name != Path(model.file).name:
            reason = _rasa_message(response)
            untouched = after.model_id == before.model_id
            log.warning("model %s refused by Rasa: %s", model.file, reason)
            if model.state is ModelState.CANDIDATE:
                await self._registry.set_model(model.id, state=ModelState.REJECTED)
            raise ModelLoadFailed(
                f"Rasa could not load {Path(model.file).name}: {reason}. "
                + (
                    "The model that was serving still serves."
                    if untouched
                    else f"Rasa now serves {after.file}."
                )
            )
        self.held_last_swap = self._gate.held_last_close
        await self._registry.activate(model.id, after.model_id)
        log.info(
            "Rasa serves %s (model id %s); %d calls waited during the swap",
            model.file,
            after.model_id,
            self.held_last_swap,
        )
        await self._remember(model, how)

    async def _remember(self, model: Model, how: str) -> None:
        if self._active_record is None:
            return
        project = (model.metrics or {}).get(PROJECT_FINGERPRINT)
        active = ActiveModel(model.file, model.sha256, project, how, now())
        try:
            await asyncio.to_thread(record, self._active_record, active)
        except OSError as exc:
            log.error("could not record the model in service in %s: %s", self._active_record, exc)
            raise ActiveModelNotRecorded(
                f"Rasa serves {Path(model.file).name} now, but it could not be recorded in "
                f"{self._active_record} ({exc}): after a restart Rasa would serve the model "
                "baton train made. Fix the file's folder, then deploy or roll back again."
            ) from None


def _rasa_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return f"HTTP {response.status_code}"

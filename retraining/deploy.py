"""Putting a model into service on the running Rasa servers, and taking it back.

``PUT /model`` makes Rasa load the file and switch to it only once it has loaded; a file
it cannot load leaves the serving model in place. Around the swap the gateway's gate holds
new customer messages and lets those in flight finish, so none reaches a server that is
busy loading, and each is answered once the new model serves. Afterwards ``GET /status``
must name the new file: the registry changes only when Rasa really serves it. Then the
model is recorded for restarts (``baton.active_model``): ``baton run`` starts Rasa with it.

With several Rasa replicas every one loads the model, all or none: a replica that cannot
be reached is asked again (``SWAP_ATTEMPTS``); if one still does not serve the new model,
those that switched are given back the model they served, and the refusal names each
replica and what it serves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
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
# how many times a replica that could not be reached is asked to load a model
SWAP_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why one replica does not serve the model: ``rasa`` when Rasa itself refused the file
    (the model is rejected), else it was not reached, did not finish loading, or could not
    be given its model back (the model may be deployed again)."""

    reason: str
    rasa: bool = False
    timed_out: bool = False


@dataclass(frozen=True, slots=True)
class Serving:
    file: str  # as Rasa reports it (a file name)
    model_id: str | None


class Deployer:
    def __init__(
        self,
        rasa_url: str | Sequence[str],
        gate: TrafficGate,
        registry: Registry,
        load_timeout: float = 300,
        active_record: Path | None = None,
        rasa_token: str | None = None,
    ) -> None:
        urls = [rasa_url] if isinstance(rasa_url, str) else list(rasa_url)
        self._urls = [url.rstrip("/") for url in urls]
        self._url = self._urls[0]  # the replica whose model the registry records
        # Rasa's --auth-token, sent as its query parameter
        self._params = {"token": rasa_token} if rasa_token else None
        self._gate = gate
        self._registry = registry
        self._load_timeout = load_timeout
        # where the model in service is recorded for restarts (None: not recorded)
        self._active_record = active_record
        # customer calls that waited at the gate during the latest swap
        self.held_last_swap = 0

    async def serving(self, url: str | None = None) -> Serving:
        """What the Rasa server at ``url`` (default: the first replica) serves."""
        url = url or self._url
        try:
            async with httpx.AsyncClient(timeout=10, params=self._params) as client:
                response = await client.get(f"{url}/status")
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnreachable(
                f"the Rasa server at {url} does not answer ({exc}); nothing was changed."
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
        # every replica must answer before anything changes
        answers = await asyncio.gather(*(self.serving(url) for url in self._urls))
        before = dict(zip(self._urls, answers, strict=True))
        try:
            async with (
                self._gate.closed(),
                httpx.AsyncClient(timeout=self._load_timeout, params=self._params) as client,
            ):
                loads = await asyncio.gather(
                    *(self._load(client, url, model.file) for url in self._urls)
                )
                refused = {
                    url: reason for url, reason in zip(self._urls, loads, strict=True) if reason
                }
                if refused:
                    await self._give_back(client, before, refused)
        except GateTimeout as exc:
            raise ModelLoadFailed(f"{exc}; the model was not changed, try again.") from None
        if refused:
            await self._refused(model, before, refused)
        after = await self.serving()
        self.held_last_swap = self._gate.held_last_close
        await self._registry.activate(model.id, after.model_id)
        log.info(
            "Rasa serves %s (model id %s) on %d replica(s); %d calls waited during the swap",
            model.file,
            after.model_id,
            len(self._urls),
            self.held_last_swap,
        )
        await self._remember(model, how)

    async def _load(self, client: httpx.AsyncClient, url: str, file: str) -> Refusal | None:
        """Make the replica at ``url`` serve ``file``; None once it does, else why not (one
        that cannot be reached is asked again, ``SWAP_ATTEMPTS`` times in all)."""
        for attempt in range(1, SWAP_ATTEMPTS + 1):
            try:
                response = await client.put(f"{url}/model", json={"model_file": file})
                after = await self.serving(url)
            except (httpx.TransportError, RasaUnreachable) as exc:
                reason = f"not reached ({exc or type(exc).__name__})"
                if attempt < SWAP_ATTEMPTS and not isinstance(exc, httpx.ReadTimeout):
                    log.warning("Rasa at %s %s: asking again", url, reason)
                    await asyncio.sleep(attempt)
                    continue
                if isinstance(exc, httpx.ReadTimeout):
                    loading = f"did not finish loading {Path(file).name} ({exc or 'timed out'})"
                    return Refusal(loading, timed_out=True)
                return Refusal(reason)
            if response.status_code < 400 and Path(after.file).name == Path(file).name:
                return None
            return Refusal(_rasa_message(response), rasa=True)
        raise AssertionError("unreachable")  # the loop returns

    async def _give_back(
        self, client: httpx.AsyncClient, before: dict[str, Serving], refused: dict[str, Refusal]
    ) -> None:
        """All or none: the replicas that switched load what they served before (Rasa names
        a file; the registry has its path, recorded as active before the swap)."""
        active = await self._registry.in_state(ModelState.ACTIVE)
        for url in self._urls:
            if url in refused:
                continue
            file = before[url].file
            if active is not None and Path(active.file).name == Path(file).name:
                file = active.file
            kept = await self._load(client, url, file)
            if kept:
                reason = f"switched, and could not be given back its model: {kept.reason}"
                refused[url] = Refusal(reason)
                log.error("Rasa at %s kept the new model: %s", url, kept.reason)

    async def _refused(
        self, model: Model, before: dict[str, Serving], refused: dict[str, Refusal]
    ) -> None:
        log.warning("model %s refused: %s", model.file, refused)
        if model.state is ModelState.CANDIDATE and any(r.rasa for r in refused.values()):
            # Rasa itself could not load it: not a model to try again
            await self._registry.set_model(model.id, state=ModelState.REJECTED)
        name = Path(model.file).name
        if len(self._urls) == 1:
            refusal = refused[self._url]
            if refusal.timed_out:
                raise ModelLoadFailed(f"the Rasa server {refusal.reason}.")
            serving = await self._serving_or_none(self._url)
            untouched = serving is not None and serving.model_id == before[self._url].model_id
            raise ModelLoadFailed(
                f"Rasa could not load {name}: {refusal.reason}. "
                + (
                    "The model that was serving still serves."
                    if untouched
                    else f"Rasa now serves {serving.file if serving else 'an unknown model'}."
                )
            )
        lines = []
        for url in self._urls:
            serving = await self._serving_or_none(url)
            now_serving = serving.file if serving else "no answer"
            said = refused[url].reason if url in refused else "gave its model back"
            lines.append(f"{url}: {said}, serves {now_serving}")
        raise ModelLoadFailed(
            f"not every Rasa replica could load {name}, so none serves it: " + "; ".join(lines)
        )

    async def _serving_or_none(self, url: str) -> Serving | None:
        try:
            return await self.serving(url)
        except RasaUnreachable:
            return None

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

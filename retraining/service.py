"""The review-and-retrain loop as one service the console drives: the inbox, labels,
article drafts, and retraining runs (train → evaluate → wait for approval → deploy)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from baton.active_model import file_sha256, record_path
from baton.training import bot_fingerprint
from gateway.gate import TrafficGate
from handoff.models import MessageRow
from retraining.deploy import PROJECT_FINGERPRINT, Deployer
from retraining.drafts import Drafts
from retraining.errors import NothingToTrain, RetrainingError, TrainingBusy
from retraining.evaluation import evaluate
from retraining.export import normalise
from retraining.inbox import Embedder, Inbox
from retraining.labels import LabelBook
from retraining.project import prepare
from retraining.rasa_process import Progress, RasaProcessFailed, serve, train
from retraining.registry import Model, ModelState, Registry, Run, RunState
from retraining.reindex import IndexRebuild
from retraining.settings import ReviewSettings

log = logging.getLogger(__name__)

# shares of the progress bar: training, then starting the candidate and comparing
_TRAIN_SHARE = 0.8


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Retraining:
    """Runs one retraining at a time in the background; its state lives in the database,
    so every console (and a restarted gateway) sees the same progress."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: ReviewSettings,
        labels: LabelBook,
        registry: Registry,
        deployer: Deployer,
        rasa_url: str,
        rasa_token: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._rasa_token = rasa_token
        self._settings = settings
        self._labels = labels
        self._registry = registry
        self._deployer = deployer
        self._rasa_url = rasa_url
        self._task: asyncio.Task[None] | None = None
        self._task_run: int | None = None

    async def begin(self, user_id: str) -> Run:
        if not await self._labels.examples():
            raise NothingToTrain(
                "there are no labelled messages to train on yet: label some in the inbox first."
            )
        run = await self._registry.start_run(user_id)
        if run is None:
            busy = await self._registry.busy_run()
            raise TrainingBusy(busy.id if busy else 0)
        self._task_run = run.id
        self._task = asyncio.create_task(self._run(run))
        return run

    async def cancel(self, run_id: int, user_id: str) -> Run:
        run = await self._registry.run(run_id)
        if run.state not in (RunState.TRAINING, RunState.EVALUATING):
            raise RetrainingError(f"run {run_id} is not under way ({run.state.value}).")
        if self._task is not None and self._task_run == run_id and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._registry.update_run(
            run_id,
            state=RunState.INTERRUPTED,
            message=f"stopped by {user_id}; the serving model was not touched.",
        )
        return await self._registry.run(run_id)

    async def close(self) -> None:
        """The gateway stops: a run under way is stopped and recorded as interrupted."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, run: Run) -> None:
        folder = self._settings.work_dir / f"run-{run.id}"
        model_file: Path | None = None
        candidate: Model | None = None
        try:
            await self._labels.export()
            examples = await self._labels.examples()
            # the hand-written project this model is trained from: a restart serves the
            # model only while bot/ still has it (baton.active_model)
            project_fingerprint = await asyncio.to_thread(
                bot_fingerprint, self._settings.bot_dir, generated=False
            )
            project = await asyncio.to_thread(
                prepare,
                self._settings.bot_dir,
                folder / "project",
                examples,
                self._settings.held_out_share,
            )
            await self._registry.update_run(
                run.id, labels=len(project.trained), held_out=len(project.held_out)
            )

            async def progress(p: Progress) -> None:
                await self._registry.update_run(
                    run.id,
                    stage=f"{p.stage} (component {p.done} of about {p.expected})",
                    progress=round(p.share * _TRAIN_SHARE, 3),
                )

            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            model_file = await train(
                self._settings.rasa_bin,
                project.folder,
                project.domain,
                self._settings.models,
                f"reviewed-{stamp}-run{run.id}",
                cache=self._settings.work_dir / "cache",
                log_file=folder / "train.log",
                on_progress=progress,
                timeout_seconds=self._settings.train_timeout_seconds,
            )
            candidate = await self._registry.add_model(
                str(model_file.resolve()),
                ModelState.CANDIDATE,
                sha256=await asyncio.to_thread(file_sha256, model_file),
                run_id=run.id,
            )
            await self._registry.update_run(
                run.id,
                state=RunState.EVALUATING,
                model_id=candidate.id,
                stage="starting the new model beside the serving one",
                progress=_TRAIN_SHARE,
            )
            replay = await self.replay_texts()
            async with serve(
                self._settings.rasa_bin,
                model_file,
                project.folder,
                free_port(),
                cache=self._settings.work_dir / "cache",
                log_file=folder / "evaluate.log",
                start_timeout=self._settings.evaluation_start_seconds,
            ) as url:
                await self._registry.update_run(
                    run.id,
                    stage=f"comparing on {len(project.held_out)} held-out examples and "
                    f"{len(replay)} recent customer messages",
                    progress=0.9,
                )
                metrics = await evaluate(
                    self._rasa_url,
                    url,
                    [(e.text, e.intent) for e in project.held_out],
                    replay,
                    self._settings.handoff_intents,
                    old_token=self._rasa_token,
                )
                fingerprint = await _model_id(url)
            metrics["new_intents"] = project.new_intents
            metrics["trained_examples"] = len(project.trained)
            metrics[PROJECT_FINGERPRINT] = project_fingerprint
            await self._registry.set_model(candidate.id, metrics=metrics, fingerprint=fingerprint)
            await self._registry.update_run(
                run.id, state=RunState.READY, stage="ready: compare and approve", progress=1.0
            )
        except asyncio.CancelledError:
            await self._discard_files(candidate, model_file)
            await self._registry.update_run(
                run.id,
                state=RunState.INTERRUPTED,
                message="interrupted before it finished; the serving model was not touched.",
            )
            raise
        except (RasaProcessFailed, RetrainingError, httpx.HTTPError, OSError, ValueError) as exc:
            log.warning("training run %s failed: %s", run.id, exc)
            await self._discard_files(candidate, model_file)
            what = "evaluation" if candidate is not None else "training"
            await self._registry.update_run(
                run.id,
                state=RunState.FAILED,
                message=f"the {what} failed: {exc}. The serving model was not touched.",
            )
        except Exception as exc:
            log.exception("training run %s failed", run.id)
            await self._discard_files(candidate, model_file)
            await self._registry.update_run(
                run.id,
                state=RunState.FAILED,
                message=f"unexpected error ({type(exc).__name__}: {exc}); the serving model "
                "was not touched.",
            )

    async def _discard_files(self, candidate: Model | None, model_file: Path | None) -> None:
        if candidate is not None:
            await self._registry.set_model(candidate.id, state=ModelState.REJECTED)
        if model_file is not None:
            await asyncio.to_thread(model_file.unlink, True)

    async def replay_texts(self) -> list[str]:
        """The latest real customer messages (typed, not button clicks), each text once."""
        limit = self._settings.replay_messages
        if limit == 0:
            return []
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(MessageRow.text, MessageRow.meta)
                    .where(MessageRow.sender == "customer")
                    .order_by(MessageRow.id.desc())
                    .limit(limit * 3)
                )
            ).all()
        texts: list[str] = []
        seen: set[str] = set()
        for text, meta in rows:
            key = normalise(text)
            if (meta or {}).get("payload") or not key or key in seen:
                continue
            seen.add(key)
            texts.append(text)
            if len(texts) == limit:
                break
        return texts

    async def approve(self, model_id: int) -> Model:
        model = await self._deployer.deploy(model_id, self._settings.models)
        if model.run_id is not None:
            await self._registry.update_run(model.run_id, state=RunState.DEPLOYED, stage="serving")
        return model

    async def discard(self, model_id: int) -> Model:
        model = await self._registry.model(model_id)
        if model is None or model.state is not ModelState.CANDIDATE:
            raise RetrainingError(f"model {model_id} is not a candidate.")
        await self._registry.set_model(model_id, state=ModelState.REJECTED)
        await asyncio.to_thread(Path(model.file).unlink, True)
        if model.run_id is not None:
            await self._registry.update_run(
                model.run_id, state=RunState.DISCARDED, stage="discarded"
            )
        return await self._registry.model(model_id) or model

    async def rollback(self) -> Model:
        return await self._deployer.rollback(self._settings.models)


async def _model_id(url: str) -> str | None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(f"{url}/status")
        response.raise_for_status()
        value = response.json().get("model_id")
        return str(value) if value else None


@dataclass
class Review:
    """Everything the review page uses, built in the gateway's lifespan."""

    settings: ReviewSettings
    labels: LabelBook
    inbox: Inbox
    drafts: Drafts
    registry: Registry
    deployer: Deployer
    retraining: Retraining
    index: IndexRebuild

    @classmethod
    def create(
        cls,
        sessions: async_sessionmaker[AsyncSession],
        settings: ReviewSettings,
        rasa_url: str | Sequence[str],
        gate: TrafficGate,
        embedder: Callable[[], Embedder],
        rejection_intents: Sequence[str] = ("deny",),
        rasa_token: str | None = None,
    ) -> Review:
        labels = LabelBook(
            sessions,
            settings.bot_dir,
            low_confidence=settings.low_confidence,
            rejection_intents=rejection_intents,
            declined_intents=settings.declined_intents,
            languages=settings.languages,
        )
        inbox = Inbox(
            sessions,
            labels,
            embedder,
            settings.bot_dir,
            low_confidence=settings.low_confidence,
            similarity=settings.cluster_similarity,
            scan=settings.inbox_scan,
            rejection_intents=rejection_intents,
            declined_intents=settings.declined_intents,
            languages=settings.languages,
        )
        registry = Registry(sessions)
        deployer = Deployer(
            rasa_url,
            gate,
            registry,
            active_record=record_path(settings.models),
            rasa_token=rasa_token,
        )
        return cls(
            settings,
            labels,
            inbox,
            Drafts(sessions, labels, settings.help_centre_dir, settings.article_url_base),
            registry,
            deployer,
            Retraining(
                sessions,
                settings,
                labels,
                registry,
                deployer,
                # a candidate is compared with what the (first) Rasa replica serves
                rasa_url if isinstance(rasa_url, str) else rasa_url[0],
                rasa_token,
            ),
            IndexRebuild(
                settings.baton_bin, settings.help_centre_dir, settings.knowledge_index_dir
            ),
        )

    async def start(self) -> None:
        """Runs a stopped gateway left under way are recorded as interrupted; the YAML files
        are regenerated from the database (repairing whatever a crash left)."""
        interrupted = await self.registry.interrupt_unfinished()
        if interrupted:
            log.warning("%d training run(s) were interrupted by a stop", interrupted)
        if await self.labels.count():
            # only then: a fresh database must not empty the reviewed files of a project
            await self.labels.export()
        with contextlib.suppress(FileNotFoundError):
            for stale in self.settings.work_dir.glob("run-*/project"):
                await asyncio.to_thread(shutil.rmtree, stale, True)

    async def close(self) -> None:
        await self.retraining.close()
        await self.index.close()

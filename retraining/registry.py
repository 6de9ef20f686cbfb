"""The record of training runs and of the Rasa models the loop knows, with their states.

At most one model is ``active`` (serving) and one ``previous`` (what a rollback returns to);
a state change of a deploy or rollback is one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff.models import utcnow
from retraining.errors import RunNotFound
from retraining.models import ModelRow, TrainingRunRow


class RunState(StrEnum):
    TRAINING = "training"
    EVALUATING = "evaluating"
    READY = "ready"  # a candidate waits for approval
    DEPLOYED = "deployed"
    DISCARDED = "discarded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


UNDER_WAY = (RunState.TRAINING, RunState.EVALUATING)


class ModelState(StrEnum):
    CANDIDATE = "candidate"
    ACTIVE = "active"
    PREVIOUS = "previous"
    RETIRED = "retired"
    REJECTED = "rejected"  # discarded by the owner, or refused by the Rasa server


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    state: RunState
    stage: str
    progress: float
    message: str | None
    labels: int
    held_out: int
    model_id: int | None
    started_by: str
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class Model:
    id: int
    file: str
    sha256: str | None
    fingerprint: str | None
    state: ModelState
    metrics: dict[str, Any] | None
    run_id: int | None
    created_at: datetime
    deployed_at: datetime | None


def _run(row: TrainingRunRow) -> Run:
    return Run(
        row.id,
        RunState(row.state),
        row.stage,
        row.progress,
        row.message,
        row.labels,
        row.held_out,
        row.model_id,
        row.started_by,
        row.started_at,
        row.finished_at,
    )


def _model(row: ModelRow) -> Model:
    return Model(
        row.id,
        row.file,
        row.sha256,
        row.fingerprint,
        ModelState(row.state),
        row.metrics,
        row.run_id,
        row.created_at,
        row.deployed_at,
    )


class Registry:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # -- runs

    async def start_run(self, user_id: str) -> Run | None:
        """A new run, or None when one is under way (checked in the same transaction)."""
        async with self._sessions.begin() as session:
            busy = await session.scalar(
                select(TrainingRunRow.id).where(
                    TrainingRunRow.state.in_([s.value for s in UNDER_WAY])
                )
            )
            if busy is not None:
                return None
            row = TrainingRunRow(
                state=RunState.TRAINING.value,
                stage="preparing the training data",
                progress=0.0,
                labels=0,
                held_out=0,
                started_by=user_id,
            )
            session.add(row)
            await session.flush()
            return _run(row)

    async def busy_run(self) -> Run | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(TrainingRunRow).where(TrainingRunRow.state.in_([s.value for s in UNDER_WAY]))
            )
            return _run(row) if row is not None else None

    async def update_run(self, run_id: int, **values: Any) -> None:
        if "state" in values:
            values["state"] = RunState(values["state"]).value
            if values["state"] not in [s.value for s in UNDER_WAY]:
                values.setdefault("finished_at", utcnow())
        async with self._sessions.begin() as session:
            await session.execute(
                update(TrainingRunRow).where(TrainingRunRow.id == run_id).values(**values)
            )

    async def run(self, run_id: int) -> Run:
        async with self._sessions() as session:
            row = await session.get(TrainingRunRow, run_id)
            if row is None:
                raise RunNotFound(run_id)
            return _run(row)

    async def runs(self, limit: int = 20) -> list[Run]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(TrainingRunRow).order_by(TrainingRunRow.id.desc()).limit(limit)
            )
            return [_run(row) for row in rows]

    async def interrupt_unfinished(self) -> int:
        """Runs a stopped process left under way are marked interrupted (on start-up)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(TrainingRunRow)
                .where(TrainingRunRow.state.in_([s.value for s in UNDER_WAY]))
                .values(
                    state=RunState.INTERRUPTED.value,
                    message="the gateway stopped while this run was under way; nothing was "
                    "deployed. Start a new run.",
                    finished_at=utcnow(),
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    # -- models

    async def add_model(
        self, file: str, state: ModelState, *, sha256: str | None = None, run_id: int | None = None
    ) -> Model:
        async with self._sessions.begin() as session:
            row = ModelRow(file=file, state=state.value, sha256=sha256, run_id=run_id)
            session.add(row)
            await session.flush()
            return _model(row)

    async def model(self, model_id: int) -> Model | None:
        async with self._sessions() as session:
            row = await session.get(ModelRow, model_id)
            return _model(row) if row is not None else None

    async def by_file(self, file: str) -> Model | None:
        async with self._sessions() as session:
            row = await session.scalar(select(ModelRow).where(ModelRow.file == file))
            return _model(row) if row is not None else None

    async def in_state(self, state: ModelState) -> Model | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(ModelRow).where(ModelRow.state == state.value).order_by(ModelRow.id.desc())
            )
            return _model(row) if row is not None else None

    async def models(self, limit: int = 20) -> list[Model]:
        async with self._sessions() as session:
            rows = await session.scalars(select(ModelRow).order_by(ModelRow.id.desc()).limit(limit))
            return [_model(row) for row in rows]

    async def set_model(self, model_id: int, **values: Any) -> None:
        if "state" in values:
            values["state"] = ModelState(values["state"]).value
        async with self._sessions.begin() as session:
            await session.execute(update(ModelRow).where(ModelRow.id == model_id).values(**values))

    async def activate(self, model_id: int, fingerprint: str | None) -> None:
        """``model_id`` serves now; the one that served becomes previous, the previous one
        retired. One transaction."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(ModelRow)
                .where(ModelRow.state == ModelState.PREVIOUS.value, ModelRow.id != model_id)
                .values(state=ModelState.RETIRED.value)
            )
            await session.execute(
                update(ModelRow)
                .where(ModelRow.state == ModelState.ACTIVE.value, ModelRow.id != model_id)
                .values(state=ModelState.PREVIOUS.value)
            )
            values: dict[str, Any] = {"state": ModelState.ACTIVE.value, "deployed_at": utcnow()}
            if fingerprint:
                values["fingerprint"] = fingerprint
            await session.execute(update(ModelRow).where(ModelRow.id == model_id).values(**values))

"""Training runs that fail or are stopped, with a stand-in for the ``rasa`` command (the real
one trains in tests/scenarios/test_retrain_with_rasa.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.gate import TrafficGate
from handoff.store import ConversationStore
from retraining.errors import NothingToTrain, TrainingBusy
from retraining.labels import Action
from retraining.registry import Run, RunState
from retraining.service import Review
from retraining.settings import ReviewSettings
from tests.retraining.seed import bot_project, customer_turn

FAILING = """#!/bin/sh
echo "Starting to train component 'WhitespaceTokenizer'."
echo "Finished training component 'WhitespaceTokenizer'."
echo "InvalidConfigException: the pipeline names an unknown component" >&2
exit 1
"""
HANGING = """#!/bin/sh
echo $$ > "{pidfile}"
echo "Starting to train component 'CountVectorsFeaturizer'."
exec sleep 600
"""


def script(folder: Path, body: str) -> Path:
    path = folder / "rasa"
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.fixture
async def review(store: ConversationStore, tmp_path: Path) -> AsyncIterator[Review]:
    settings = ReviewSettings(
        bot_dir=bot_project(tmp_path),
        work_dir=tmp_path / "work",
        help_centre_dir=tmp_path / "help",
        rasa_bin=tmp_path / "rasa",
        replay_messages=0,
    )
    made = Review.create(
        store.sessions,
        settings,
        "http://127.0.0.1:9",
        TrafficGate(),
        lambda: None,  # type: ignore[arg-type,return-value]
    )
    await made.start()
    try:
        yield made
    finally:
        await made.close()
        async with store.sessions.begin() as session:
            await session.execute(text("DELETE FROM training_runs"))
            await session.execute(text("DELETE FROM rasa_models"))


async def settled(review: Review, run_id: int) -> Run:
    for _ in range(400):
        run = await review.registry.run(run_id)
        if run.state not in (RunState.TRAINING, RunState.EVALUATING):
            return run
        await asyncio.sleep(0.05)
    raise AssertionError("the run did not finish")


async def test_nothing_labelled_nothing_to_train(review: Review) -> None:
    with pytest.raises(NothingToTrain, match="label some"):
        await review.retraining.begin("kim")


async def test_a_failing_training_is_recorded_with_rasas_reason_and_deploys_nothing(
    review: Review, store: ConversationStore, tmp_path: Path
) -> None:
    script(tmp_path, FAILING)
    m = await customer_turn(store, "do you sell gift cards")
    await review.labels.label([m.id], Action.INTENT, "kim", "gift_cards")
    run = await review.retraining.begin("kim")
    done = await settled(review, run.id)
    assert done.state is RunState.FAILED
    assert done.message is not None
    assert "rasa train failed (exit 1)" in done.message and "unknown component" in done.message
    assert "serving model was not touched" in done.message
    assert await review.registry.models() == []
    assert not list(review.settings.models.glob("*.tar.gz"))
    assert (review.settings.work_dir / f"run-{run.id}" / "train.log").exists()
    # the labels are still there for the next run
    assert len(await review.labels.examples()) == 1


async def test_a_run_stopped_half_way_is_interrupted_its_rasa_process_gone(
    review: Review, store: ConversationStore, tmp_path: Path
) -> None:
    pidfile = tmp_path / "rasa.pid"
    script(tmp_path, HANGING.format(pidfile=pidfile))
    m = await customer_turn(store, "do you sell gift cards")
    await review.labels.label([m.id], Action.INTENT, "kim", "gift_cards")
    run = await review.retraining.begin("kim")
    with pytest.raises(TrainingBusy, match="still under way"):
        await review.retraining.begin("lee")
    for _ in range(400):
        if "CountVectorsFeaturizer" in (await review.registry.run(run.id)).stage:
            break
        await asyncio.sleep(0.05)
    pid = int(pidfile.read_text())
    stopped = await review.retraining.cancel(run.id, "kim")
    assert stopped.state is RunState.INTERRUPTED and "stopped by kim" in (stopped.message or "")
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert await review.registry.models() == []


async def test_a_run_left_under_way_by_a_stopped_gateway_is_marked_interrupted(
    review: Review,
) -> None:
    run = await review.registry.start_run("kim")
    assert run is not None
    await review.start()  # what the next gateway does on start-up
    after = await review.registry.run(run.id)
    assert after.state is RunState.INTERRUPTED and "gateway stopped" in (after.message or "")
    with contextlib.suppress(NothingToTrain):
        await review.retraining.begin("kim")  # not blocked by the dead run

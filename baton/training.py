"""Train the Rasa model only when bot/ changed since the last one."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from baton import paths
from baton.domain import domain_path, is_generated

MODEL_NAME = "baton"
# what a model depends on; anything else in bot/ (tests, endpoints, credentials) does not count
_TRAINING_INPUTS = ("config.yml", "domain.yml", "domain", "data", "components")


class TrainingFailed(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class ModelState:
    path: Path
    trained: bool  # False when the existing model was already up to date
    seconds: float


def model_path(models: Path = paths.MODELS) -> Path:
    return models / f"{MODEL_NAME}.tar.gz"


def bot_fingerprint(bot: Path = paths.BOT, *, generated: bool = True) -> str:
    """A hash of every file a model is trained from, path and content; without the files the
    review inbox generates when ``generated`` is False (what people changed on purpose)."""
    digest = hashlib.sha256()
    for name in _TRAINING_INPUTS:
        top = bot / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for file in files:
            if "__pycache__" in file.parts or (not generated and is_generated(bot, file)):
                continue
            digest.update(file.relative_to(bot).as_posix().encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def rasa_env(bot: Path = paths.BOT) -> dict[str, str]:
    """Environment for any process of the Rasa runtime serving or training ``bot``."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",  # no network here, and no reason to phone home
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONPATH=str(bot),  # custom components import as components.<module>
    )
    return env


def shown(path: Path) -> str:
    """``path`` relative to the checkout when it is inside it (shorter in messages)."""
    try:
        return str(path.resolve().relative_to(paths.ROOT.resolve()))
    except ValueError:
        return str(path)


def ensure_model(
    force: bool = False, bot: Path = paths.BOT, models: Path = paths.MODELS
) -> ModelState:
    """Train when the fingerprint of bot/ differs from the last trained model's (or ``force``)."""
    target = model_path(models)
    stamp = target.with_suffix("").with_suffix(".fingerprint")
    fingerprint = bot_fingerprint(bot)
    if not force and target.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        print(f"==> Rasa model up to date ({shown(target)})", flush=True)
        return ModelState(target, trained=False, seconds=0.0)
    print("==> training the Rasa model (bot/ changed since the last model)", flush=True)
    started = time.monotonic()
    command = [
        str(paths.RASA_VENV_BIN / "rasa"), "train",
        "--config", "config.yml", "--domain", domain_path(bot).name, "--data", "data",
        "--out", str(models), "--fixed-model-name", MODEL_NAME,
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=bot, env=rasa_env(bot), stdout=sys.stdout, stderr=sys.stderr
    )
    seconds = time.monotonic() - started
    if result.returncode != 0 or not target.exists():
        raise TrainingFailed(f"rasa train failed (exit {result.returncode}); see its output above")
    stamp.write_text(fingerprint)
    print(f"==> trained {shown(target)} in {seconds:.0f} s", flush=True)
    return ModelState(target, trained=True, seconds=seconds)

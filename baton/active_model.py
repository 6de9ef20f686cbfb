"""Which Rasa model ``baton run`` serves: the one a knowledge owner approved last, if it
still fits, or the model ``baton train`` made from ``bot/``.

Every deploy or rollback on the review page records the model it put into service in one
small file beside the models, ``bot/models/active-model.json`` (as ``baton.fingerprint``
records what ``baton train`` made), replaced atomically. A file rather than the registry
table because the choice is made before anything else runs: ``baton run`` starts Rasa
before the gateway, without a database connection or migrations, and the model files it
names are local files of this machine anyway. The registry stays the history; this file is
the one fact a restart needs. Beside the models, a test or a second checkout that trains
into its own models folder never touches the record of the real one.

The newest intentional change wins. The record keeps the fingerprint of the hand-written
part of ``bot/`` the approved model was trained from (the reviewed files the inbox generates
do not count: labelling is not a decision about the serving model, approving is). When a
developer has changed ``bot/`` since, the model ``baton train`` makes from the change serves,
and the record is set aside so that the change keeps winning.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from baton import paths
from baton.atomic import write_atomically
from baton.training import bot_fingerprint

RECORD_NAME = "active-model.json"


def record_path(models: Path = paths.MODELS) -> Path:
    return models / RECORD_NAME


class RecordUnreadable(ValueError):
    """The record exists but is not what :func:`record` writes."""


@dataclass(frozen=True, slots=True)
class ActiveModel:
    """The model a deploy or rollback put into service."""

    file: str  # absolute path of the model archive
    sha256: str | None  # of the archive when it was registered (None: not known)
    # bot_fingerprint(generated=False) of the project it was trained from (None: not known)
    project: str | None
    how: str  # "deploy" or "rollback"
    at: str  # ISO 8601, UTC


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record(path: Path, model: ActiveModel) -> None:
    """Replace the record in one step: a crash leaves the previous record or this one."""
    write_atomically(path, json.dumps(asdict(model), indent=2) + "\n")


def read(path: Path) -> ActiveModel | None:
    """The record, None when there is none; RecordUnreadable when it is damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RecordUnreadable(str(exc)) from None
    try:
        return ActiveModel(
            file=str(data["file"]),
            sha256=data.get("sha256"),
            project=data.get("project"),
            how=str(data.get("how") or "deploy"),
            at=str(data.get("at") or ""),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise RecordUnreadable(f"missing or wrong field: {exc}") from None


def set_aside(path: Path) -> Path:
    """Keep a superseded record for the curious, out of the way of the next start."""
    target = path.with_name(path.name + ".superseded")
    path.replace(target)
    return target


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def archive_problem(path: Path, sha256: str | None) -> str | None:
    """Why Rasa could not load the model archive at ``path``, or None if it looks whole:
    it exists, has the recorded checksum, and is a gzip tar with Rasa's metadata.json."""
    if not path.is_file():
        return "the file is gone"
    if sha256 and file_sha256(path) != sha256:
        return "the file changed since it was approved (checksum differs)"
    try:
        with tarfile.open(path, "r:gz") as archive:
            names = {name.lstrip("./") for name in archive.getnames()}
    except (tarfile.TarError, OSError, EOFError) as exc:
        return f"it is not a readable model archive ({exc})"
    if "metadata.json" not in names:
        return "it is not a Rasa model archive (no metadata.json)"
    return None


@dataclass(frozen=True, slots=True)
class ModelChoice:
    path: Path
    approved: bool  # True: the model a knowledge owner put into service
    note: str  # one line for the log: which model and why
    superseded: bool = False  # bot/ changed after the approval: set the record aside


def choose(record_file: Path, trained: Path, bot: Path = paths.BOT) -> ModelChoice:
    """The model Rasa should start with (see the module's docstring for the rule)."""
    fallback = f"the trained model {_show(trained)}"
    try:
        active = read(record_file)
    except RecordUnreadable as exc:
        return ModelChoice(
            trained, False, f"the record of the approved model ({record_file}) is damaged "
            f"({exc}); serving {fallback}",
        )  # fmt: skip
    if active is None:
        return ModelChoice(trained, False, f"no approved model recorded; serving {fallback}")
    approved = Path(active.file)
    if approved.resolve() == trained.resolve():
        return ModelChoice(
            trained, False, f"the approved model ({active.how}, {active.at}) is {fallback}"
        )
    if active.project is not None and active.project != bot_fingerprint(bot, generated=False):
        return ModelChoice(
            trained, False, f"bot/ changed after the approval of {approved.name} ({active.how}, "
            f"{active.at}): the newer change wins, serving {fallback}",
            superseded=True,
        )  # fmt: skip
    problem = archive_problem(approved, active.sha256)
    if problem is not None:
        return ModelChoice(
            trained, False, f"the approved model {approved} cannot be served: {problem}; "
            f"serving {fallback} instead",
        )  # fmt: skip
    return ModelChoice(
        approved, True, f"serving the approved model {_show(approved)} ({active.how}, {active.at})"
    )


def _show(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)

"""``baton init DIR``: write a small, working starter assistant to change into your own.

The starter is Example Co's English assistant, kept as real files in ``baton/starter/``
(shipped as package data): a Rasa 3.x project as Rasa lays it out — config, domain, training
data, a test story — plus what Baton reads: ``baton.yml``, a help centre of four articles,
canned responses for the agent console and an actions package with one example action.
``baton run --project DIR`` trains it, indexes its help centre and serves it end to end.
"""

from __future__ import annotations

import re
import sys
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

# the config line whose id is replaced by one made from the target folder's name
_ASSISTANT_ID = re.compile(r"^assistant_id: baton-starter$", re.MULTILINE)
_SKIPPED = frozenset({"__pycache__"})


class InitError(ValueError):
    """The starter cannot be written to ``target``; the message says why and what to do."""

    def __init__(self, target: Path, problem: str) -> None:
        self.target = target
        self.problem = problem
        super().__init__(f"{target}: {problem}")


def starter_files() -> dict[str, bytes]:
    """The starter's files by their path relative to the assistant folder (POSIX style)."""
    found: dict[str, bytes] = {}

    def walk(folder: Traversable, prefix: str) -> None:
        for item in sorted(folder.iterdir(), key=lambda t: t.name):
            if item.name in _SKIPPED or item.name.endswith(".pyc"):
                continue
            if item.is_dir():
                walk(item, f"{prefix}{item.name}/")
            else:
                found[f"{prefix}{item.name}"] = item.read_bytes()

    walk(files("baton") / "starter", "")
    return found


def assistant_id(folder: Path) -> str:
    """Rasa's ``assistant_id`` for an assistant in ``folder``: its name, as a slug."""
    slug = re.sub(r"[^a-z0-9]+", "-", folder.name.lower()).strip("-")
    return slug or "assistant"


def write_starter(target: Path, *, force: bool = False) -> list[Path]:
    """Write the starter assistant into ``target`` (created with its parents) and return the
    files written, in path order.

    Raises :class:`InitError` when ``target`` is a file, or a folder that already holds
    something and ``force`` is not set; with ``force`` the starter's files replace files of
    the same name and everything else in the folder stays.
    """
    target = target.expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise InitError(target, "is a file, not a folder: choose a new folder for the assistant")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise InitError(
            target,
            "the folder is not empty: choose a new one, or pass --force to write the starter "
            "over it (files of the same name are replaced)",
        )
    written: list[Path] = []
    for relative, content in starter_files().items():
        path = target / relative
        if relative == "config.yml":
            text = _ASSISTANT_ID.sub(f"assistant_id: {assistant_id(target)}", content.decode())
            content = text.encode()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written


def init_command(target: str | Path, *, force: bool = False) -> int:
    """``baton init DIR``: write the starter, print what was written and what to run next."""
    folder = Path(target)
    try:
        written = write_starter(folder, force=force)
    except (InitError, OSError) as exc:
        print(f"baton: {exc}", file=sys.stderr)
        return 1
    root = folder.expanduser().resolve()
    print(f"==> wrote a starter assistant to {root} ({len(written)} files)")
    for path in written:
        print(f"    {path.relative_to(root).as_posix()}")
    shown = str(folder)
    print(
        "\nNext:\n"
        f"    baton check --project {shown}    check baton.yml against the domain\n"
        f"    baton run --project {shown}      train, index the help centre, serve web chat "
        "and the agent console\n"
        f"Then change it: see {Path(shown) / 'README.md'}."
    )
    return 0


__all__ = ["InitError", "assistant_id", "init_command", "starter_files", "write_starter"]

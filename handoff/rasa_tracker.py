"""Rasa's tracker store, as the endpoints file Rasa is started with configures it.

Rasa keeps its own copy of every conversation (the tracker: each user message, slot and
action, keyed by ``sender_id``, which is Baton's conversation id). Data protection has to
reach it: export reads its events, erase deletes them. The location is read from the
same endpoints file Rasa reads, with ``${VARIABLES}`` substituted as Rasa does, so the two
cannot disagree. An SQL tracker store (SQLite or PostgreSQL) is read and written directly
with SQLAlchemy; an in-memory one holds nothing on disk (it is gone when Rasa restarts) and
any other kind is reported as not reachable, never silently skipped.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine
from sqlalchemy.engine import URL

from handoff.database import sync_url

_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_EVENTS = Table(
    "events",  # Rasa 3.6's SQLTrackerStore.SQLEvent
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)

Kind = Literal["sql", "in_memory", "unsupported", "missing"]


@dataclass(frozen=True, slots=True)
class TrackerStore:
    """Where Rasa keeps trackers: ``url`` for an SQL store; ``note`` says what it is in words."""

    kind: Kind
    note: str
    url: URL | None = None


def _substitute(value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: env.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: _substitute(v, env) for k, v in value.items()}
    return value


def locate(endpoints: Path, *, cwd: Path, env: Mapping[str, str] | None = None) -> TrackerStore:
    """The tracker store the endpoints file configures; relative SQLite paths are taken
    from ``cwd`` (Rasa's working folder, the assistant folder)."""
    if not endpoints.is_file():
        return TrackerStore("missing", f"no endpoints file at {endpoints}")
    data = yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}
    config = _substitute(
        data.get("tracker_store") or {}, dict(env if env is not None else os.environ)
    )
    kind = str(config.get("type") or "").strip()
    if kind.lower() in ("", "in_memory", "inmemorytrackerstore", "memory"):
        return TrackerStore(
            "in_memory",
            f"{endpoints} configures no tracker store: Rasa keeps trackers in memory, nothing "
            "is on disk to export or erase, and they are gone when Rasa restarts",
        )
    if kind.lower() != "sql":
        return TrackerStore(
            "unsupported",
            f"{endpoints} configures a {kind!r} tracker store: Baton reaches SQL tracker stores "
            "only; export and erase its trackers with that store's own tools",
        )
    dialect = str(config.get("dialect") or "sqlite")
    db = str(config.get("db") or "rasa.db")
    if "$" in db:
        return TrackerStore("missing", f"{endpoints}: the tracker database {db!r} is not set")
    if dialect == "sqlite":
        path = Path(db) if Path(db).is_absolute() else cwd / db
        if not path.is_file():
            return TrackerStore("missing", f"no SQLite tracker store at {path} (Rasa has not run)")
        return TrackerStore("sql", f"SQLite tracker store {path}", sync_url(f"sqlite:///{path}"))
    host = config.get("url") or config.get("host")  # Rasa reads the host from `url`
    if host and "://" in str(host):
        url = sync_url(str(host))
    else:
        port = config.get("port")
        url = sync_url(
            URL.create(
                "postgresql" if dialect.startswith("postgres") else dialect,
                username=config.get("username"),
                password=config.get("password"),
                host=host,
                port=int(port) if port else None,
                database=db,
            )
        )
    return TrackerStore("sql", f"SQL tracker store {url.render_as_string()}", url)


def _decoded(data: str | None) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return data


def read_events(store: TrackerStore, sender_ids: Sequence[str]) -> dict[str, list[Any]]:
    """Each sender's tracker events, oldest first (blocking: call from a thread)."""
    if store.url is None or not sender_ids:
        return {}
    engine = create_engine(store.url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                _EVENTS.select()
                .where(_EVENTS.c.sender_id.in_(list(sender_ids)))
                .order_by(_EVENTS.c.id)
            )
            found: dict[str, list[Any]] = {}
            for row in rows:
                found.setdefault(row.sender_id, []).append(_decoded(row.data))
            return found
    finally:
        engine.dispose()


def delete_events(store: TrackerStore, sender_ids: Sequence[str]) -> int:
    """Delete the senders' trackers in one transaction; how many events went (blocking)."""
    if store.url is None or not sender_ids:
        return 0
    engine = create_engine(store.url)
    try:
        with engine.begin() as connection:
            result = connection.execute(
                _EVENTS.delete().where(_EVENTS.c.sender_id.in_(list(sender_ids)))
            )
            return int(result.rowcount)
    finally:
        engine.dispose()


def configured(project_dir: Path, endpoints: str | None = None) -> TrackerStore:
    """The tracker store of the Rasa server serving ``project_dir``: ``endpoints`` (relative
    to the assistant folder, as ``BATON_RASA_ENDPOINTS`` gives it to ``baton run``), else the
    file ``baton run`` writes under the assistant's var/ with its SQLite store there."""
    from baton import paths

    var = paths.var_dir(project_dir)
    file = project_dir / endpoints if endpoints else var / "rasa" / "endpoints.yml"
    # what `baton run` gives the Rasa process, whatever this process's environment says
    env = dict(os.environ) | {"BATON_RASA_TRACKER_DB": str(var / "rasa-tracker.db")}
    return locate(file, cwd=project_dir, env=env)

"""Database URLs, engines and migrations for the conversation record.

One setting, ``BATON_DATABASE_URL``, names the database in its plain form
(``sqlite:///var/baton.db`` or ``postgresql://user@host/db``); the async driver used at
run time and the sync driver Alembic uses are derived from it here, in one place.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


class UnsupportedDatabase(ValueError):
    """The URL names a database Baton has no driver for."""


def _with_driver(url: str | URL, drivers: dict[str, str]) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise UnsupportedDatabase(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.set(drivername=drivers[backend])


def async_url(url: str | URL) -> URL:
    """The URL with the async driver Baton runs on (aiosqlite / psycopg)."""
    return _with_driver(url, _ASYNC_DRIVERS)


def sync_url(url: str | URL) -> URL:
    """The URL with the sync driver Alembic migrates with."""
    return _with_driver(url, _SYNC_DRIVERS)


def _ensure_sqlite_folder(url: URL) -> None:
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str | URL) -> AsyncEngine:
    """An async engine for SQLite or PostgreSQL.

    SQLite takes one writer at a time, and a writer that finds the file locked sleeps in
    SQLite's busy handler (up to 100 ms a try). One connection per process avoids that: the
    gateway's transactions queue in the pool instead, each a few milliseconds.
    """
    target = async_url(url)
    _ensure_sqlite_folder(target)
    if target.get_backend_name() != "sqlite":
        return create_async_engine(target, pool_pre_ping=True, pool_size=10, max_overflow=20)
    engine = create_async_engine(target, pool_size=1, max_overflow=0, pool_timeout=60)

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL with synchronous=NORMAL cannot corrupt the file; a power cut may lose the
        # last commits, an application crash loses nothing
        cursor.execute("PRAGMA synchronous=NORMAL")
        # other processes (the CLI, a second gateway) may still hold the lock briefly
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def alembic_config(url: str | URL) -> Config:
    """An Alembic config for this database, without needing an ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    target = sync_url(url)
    _ensure_sqlite_folder(target)
    # Alembic's config is ConfigParser-based: a literal % must be doubled.
    config.set_main_option(
        "sqlalchemy.url", target.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def migrate(url: str | URL, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` (blocking; call it from a thread inside a loop).

    ``heads`` rather than ``head``: a capability may add its tables on a branch of its own.
    """
    command.upgrade(alembic_config(url), revision)

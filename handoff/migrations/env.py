"""Alembic environment: migrates the database named in the config (see handoff.database)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool, text

from handoff.models import Base

config = context.config
target_metadata = Base.metadata
# the PostgreSQL advisory lock key of Baton's migrations (any constant of its own)
MIGRATION_LOCK = 0x6261746F6E  # "baton"


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # several gateways starting at once on one database migrate one at a time: the
            # others wait here, then find the schema current (released with the connection)
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            connection.commit()
        # batch mode lets later migrations alter SQLite tables
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

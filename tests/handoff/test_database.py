from __future__ import annotations

import pytest

from handoff.database import UnsupportedDatabase, alembic_config, async_url, sync_url


@pytest.mark.parametrize(
    ("plain", "run_time", "migrations"),
    [
        ("sqlite:///var/baton.db", "sqlite+aiosqlite", "sqlite"),
        ("postgresql://u@db:5432/baton", "postgresql+psycopg", "postgresql+psycopg"),
        ("postgresql+asyncpg://u@db/baton", "postgresql+psycopg", "postgresql+psycopg"),
    ],
)
def test_one_url_setting_gives_both_drivers(plain: str, run_time: str, migrations: str) -> None:
    assert async_url(plain).drivername == run_time
    assert sync_url(plain).drivername == migrations
    assert async_url(plain).database == sync_url(plain).database


def test_an_unsupported_database_is_refused_clearly() -> None:
    with pytest.raises(UnsupportedDatabase, match="mysql"):
        async_url("mysql://root@localhost/baton")


def test_the_migrations_form_one_line_of_history() -> None:
    # capabilities may be developed on branches of their own; what ships has one head, so
    # `alembic upgrade head` and `downgrade <revision>` mean what they say
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite:///:memory:"))
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1


def test_gateways_starting_at_once_on_one_postgresql_database_all_migrate_it(
    postgres_url: str,
) -> None:
    # each gateway migrates on start; several starting together (baton run with
    # BATON_GATEWAY_REPLICAS, or a deployment restarted) must not trip over each other
    import concurrent.futures
    import multiprocessing

    from sqlalchemy import create_engine, inspect

    from handoff.database import migrate

    context = multiprocessing.get_context("spawn")  # Alembic's context is one per process
    with concurrent.futures.ProcessPoolExecutor(4, mp_context=context) as pool:
        assert list(pool.map(migrate, [postgres_url] * 4)) == [None] * 4
    engine = create_engine(sync_url(postgres_url))
    try:
        assert "conversations" in inspect(engine).get_table_names()
    finally:
        engine.dispose()

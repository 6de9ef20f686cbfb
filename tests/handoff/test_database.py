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

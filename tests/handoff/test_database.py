from __future__ import annotations

import pytest

from handoff.database import UnsupportedDatabase, async_url, sync_url


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

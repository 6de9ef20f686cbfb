"""The real stack for the scenario tests: one per module (starting it takes about a minute)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.stack import Stack, running_stack

__all__ = ["Stack"]  # the scenario modules import it from here


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running

"""Real Chromium (Debian's package, driven by Playwright) against the real stack.

Screenshots go to ``test-artifacts/screenshots/``: the ones a test takes on purpose, and one
of every page a failing test leaves behind.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Callable, Coroutine, Generator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from baton import paths
from tests.scenarios.conftest import Stack, stack  # noqa: F401  (the real stack, module-scoped)
from tests.services import service_missing

CHROMIUM = Path(os.environ.get("BATON_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_INSTALLED = CHROMIUM.exists()
SCREENSHOTS = paths.ROOT / "test-artifacts" / "screenshots"

Shot = Callable[[Page, str], Coroutine[Any, Any, Path]]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, Any]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM_INSTALLED:
        service_missing(
            "Chromium", FileNotFoundError(f"{CHROMIUM}; `make setup` installs Debian's chromium")
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def pages(
    browser: Browser, request: pytest.FixtureRequest
) -> AsyncIterator[Callable[[], Coroutine[Any, Any, Page]]]:
    """Opens pages in separate browser contexts (a customer and an agent do not share
    cookies), 1280x800; a failing test leaves a screenshot of each."""
    contexts: list[BrowserContext] = []

    async def new_page() -> Page:
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        return await context.new_page()

    yield new_page
    failed = getattr(request.node, "report_call", None)
    for number, context in enumerate(contexts):
        if failed is not None and failed.failed:
            for page in context.pages:
                await save(page, f"{request.node.name}-failed-{number}")
        await context.close()


async def save(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    await page.screenshot(path=str(path), full_page=False)
    return path


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shot:
    """``await shot(page, "step")`` saves test-artifacts/screenshots/<test>-<step>.png."""

    async def take(page: Page, name: str) -> Path:
        return await save(page, f"{request.node.name}-{name}")

    return take

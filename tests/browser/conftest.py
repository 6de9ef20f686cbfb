"""Real Chromium (Debian's package, driven by Playwright) against the real stack.

Screenshots go to ``test-artifacts/screenshots/`` at the repository root: the ones a test
takes on purpose (``await shot(page, "step")``), and one of every page a failing test
leaves behind (``<test>-failed-<n>.png``).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Callable, Coroutine, Generator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, async_playwright

from tests.services import service_missing
from tests.stack import Stack, running_stack

CHROMIUM = Path(os.environ.get("BATON_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORT = ViewportSize(width=1280, height=800)

NewPage = Callable[[], Coroutine[Any, Any, Page]]
Shot = Callable[[Page, str], Coroutine[Any, Any, Path]]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # fixtures read item.report_call in their teardown to know whether the test failed
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium: missing, the browser tests skip (fail under CI) before the stack
    is started, which takes a minute."""
    if not CHROMIUM.exists():
        service_missing(
            "Chromium",
            FileNotFoundError(
                f"no {CHROMIUM}; `make setup` installs Debian's chromium (scripts/install-browser),"
                " or point BATON_CHROMIUM at one"
            ),
        )
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="module")
async def stack(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture
async def pages(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[NewPage]:
    """Opens pages in separate browser contexts (a customer and an agent do not share
    cookies), 1280x800; a failing test leaves a screenshot of each."""
    contexts: list[BrowserContext] = []

    async def new_page() -> Page:
        context = await browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        return await context.new_page()

    yield new_page
    report = getattr(request.node, "report_call", None)
    for number, context in enumerate(contexts):
        if report is not None and report.failed:
            for page in context.pages:
                await save(page, f"{request.node.name}-failed-{number}")
        await context.close()


@pytest.fixture
async def page(pages: NewPage) -> Page:
    """One page in a fresh browser context, 1280x800."""
    return await pages()


async def save(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    # the widget fades in: finish animations so a shot never catches it half-drawn
    await page.screenshot(path=str(path), animations="disabled")
    return path


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shot:
    """``await shot(page, "step")`` saves test-artifacts/screenshots/<test>-<step>.png."""

    async def take(page: Page, name: str) -> Path:
        return await save(page, f"{request.node.name}-{name}")

    return take

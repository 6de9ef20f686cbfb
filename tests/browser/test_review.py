"""In headless Chromium: a knowledge owner signs in, sees the failed customer messages
grouped by meaning, labels a group with a new intent (the YAML follows), and gets a clear
message for a name Rasa would refuse. The bot project is a temporary copy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from playwright.async_api import expect

from handoff.database import create_engine
from handoff.store import ConversationStore
from retraining.registry import ModelState, Registry, RunState
from tests.browser.conftest import NewPage, Shot
from tests.retraining.seed import bot_project, customer_turn
from tests.stack import Stack, running_stack

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PASSWORD = "correct horse battery"
GIFT_CARDS = [
    "do you sell gift cards?",
    "can I buy a gift card for my brother",
    "are gift cards available in your shop",
]
OTHER = ["the parcel arrived soaking wet", "my package came completely wet and soggy"]


@pytest.fixture(scope="module")
async def review_dirs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("review")
    bot_project(folder)
    (folder / "help").mkdir()
    return folder


@pytest.fixture(scope="module")
async def stack(chromium: Path, review_dirs: Path) -> AsyncIterator[Stack]:
    """The real stack, its review loop writing into a copy of the bot project."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BATON_REVIEW_BOT_DIR", str(review_dirs / "bot"))
        patch.setenv("BATON_REVIEW_HELP_CENTRE_DIR", str(review_dirs / "help"))
        patch.setenv("BATON_REVIEW_WORK_DIR", str(review_dirs / "work"))
        (review_dirs / "stack").mkdir(exist_ok=True)
        async with running_stack(review_dirs / "stack") as running:
            yield running


async def seed(stack: Stack) -> None:
    engine = create_engine(stack.database_url)
    try:
        store = ConversationStore(engine)
        for text in GIFT_CARDS:
            await customer_turn(store, text)
        for text in OTHER:
            await customer_turn(store, text, "order_status", 0.31)
    finally:
        await engine.dispose()


async def test_a_knowledge_owner_labels_a_cluster_in_the_browser(
    stack: Stack, pages: NewPage, shot: Shot, review_dirs: Path
) -> None:
    stack.add_user("kim", PASSWORD, role="knowledge_owner")
    await seed(stack)
    page = await pages()
    await page.goto(stack.url + "/console")
    await page.fill("input[name=user_id]", "kim")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(stack.url + "/console/review")

    clusters = page.locator(".cluster")
    await expect(clusters).to_have_count(2, timeout=120_000)
    gift = clusters.filter(has_text="gift card")
    await expect(gift.locator(".cluster-size")).to_have_text("3 messages")
    await expect(gift.locator(".source")).to_have_text("not understood · 3")
    other = clusters.filter(has_text="soaking wet")
    await expect(other.locator(".source")).to_have_text("unsure · 2")
    await shot(page, "1-inbox")

    await other.locator("[data-intent-input]").fill("Wet Parcels!")
    await other.locator("[data-action=assign]").click()
    await expect(other.locator(".cluster-error")).to_contain_text("cannot be an intent name")
    await shot(page, "2-invalid-intent")

    await gift.locator("[data-intent-input]").fill("gift_cards")
    await gift.locator("[data-action=assign]").click()
    await expect(page.locator("#notice")).to_have_text("3 messages labelled gift_cards.")
    await expect(clusters).to_have_count(1)
    await expect(page.locator("#label-count")).to_have_text("3 labelled examples")
    await shot(page, "3-labelled")

    data = yaml.safe_load((review_dirs / "bot" / "data" / "reviewed" / "fallback.yml").read_text())
    examples = "".join(f"- {t}\n" for t in sorted(GIFT_CARDS, key=str.casefold))
    assert data["nlu"] == [{"intent": "gift_cards", "examples": examples}]

    # a label taken back: the message returns to the inbox, the file loses the example
    labels = page.locator("#labels li")
    await expect(labels).to_have_count(3)
    await expect(labels.first.locator(".label-meta")).to_have_text("gift_cards · kim")
    undone = (await labels.first.locator(".label-text").inner_text()).strip("“”")
    await labels.first.locator("button").click()
    await expect(labels).to_have_count(2)
    await expect(clusters).to_have_count(2)
    await expect(clusters.filter(has_text=undone).locator(".cluster-size")).to_have_text(
        "1 message"
    )
    await shot(page, "4-undone")
    data = yaml.safe_load((review_dirs / "bot" / "data" / "reviewed" / "fallback.yml").read_text())
    kept = sorted((t for t in GIFT_CARDS if t != undone), key=str.casefold)
    assert data["nlu"] == [{"intent": "gift_cards", "examples": "".join(f"- {t}\n" for t in kept)}]


async def test_the_comparison_of_a_trained_model_is_shown_side_by_side(
    stack: Stack, pages: NewPage, shot: Shot, review_dirs: Path
) -> None:
    """A run that finished evaluating (recorded as the retraining records it) shows the
    serving and the new model side by side, with approve and discard."""
    stack.add_user("ines", PASSWORD, role="knowledge_owner")
    engine = create_engine(stack.database_url)
    try:
        registry = Registry(ConversationStore(engine).sessions)
        run = await registry.start_run("ines")
        assert run is not None
        model = await registry.add_model(
            str(review_dirs / "bot" / "models" / "reviewed-test.tar.gz"),
            ModelState.CANDIDATE,
            run_id=run.id,
        )
        metrics = {
            "held_out": {"examples": 10, "old": 2, "new": 9},
            "replay": {
                "messages": 200,
                "old": {"understood": 140, "contained": 120},
                "new": {"understood": 171, "contained": 150},
            },
            "changes": [
                {"text": "do you sell gift cards?", "old": "nlu_fallback", "new": "gift_cards"}
            ],
            "changed": 31,
            "new_intents": ["gift_cards"],
        }
        await registry.set_model(model.id, metrics=metrics)
        await registry.update_run(
            run.id, state=RunState.READY, stage="ready: compare and approve", progress=1.0,
            model_id=model.id, labels=40, held_out=10,
        )  # fmt: skip
    finally:
        await engine.dispose()

    page = await pages()
    await page.goto(stack.url + "/console/login")
    await page.fill("input[name=user_id]", "ines")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("#run-state")).to_have_text(f"Run {run.id}: Ready for approval")
    await expect(page.locator("#comparison")).to_be_visible()
    rows = page.locator("#figures tr")
    await expect(rows.nth(0)).to_contain_text("held-out examples recognised (of 10)29")
    await expect(rows.nth(1)).to_contain_text("recent messages understood (of 200)140171")
    # three pairs of bars (serving, new) and the legend's two keys
    await expect(page.locator("#chart rect.old")).to_have_count(4)
    await expect(page.locator("#chart rect.new")).to_have_count(4)
    await expect(page.locator("#approve")).to_be_enabled()
    await expect(page.locator(".models tr[data-state=active]")).to_contain_text("baton.tar.gz")
    await page.locator("#changes-box summary").click()
    await expect(page.locator("#changes")).to_contain_text("nlu_fallback → gift_cards")
    await shot(page, "comparison")

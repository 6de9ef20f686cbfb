"""New intents of labels become part of the Rasa project by files of their own, so the
labelled project stays valid by itself."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
import yaml

from baton import paths
from baton.training import rasa_env
from handoff.store import ConversationStore
from retraining.labels import Action, LabelBook
from retraining.new_intents import RULES_FILE, fallback_action, storied_intents
from tests.retraining.seed import (
    bot_project,
    customer_turn,
    single_file_domain,
    whole_bot_project,
)
from tests.services import service_missing

RASA = paths.RASA_VENV_BIN / "rasa"


def generated(bot: Path) -> tuple[dict[str, object] | None, dict[str, object] | None]:
    domain, rules = bot / "domain" / "reviewed_intents.yml", bot / RULES_FILE
    return (
        yaml.safe_load(domain.read_text()) if domain.exists() else None,
        yaml.safe_load(rules.read_text()) if rules.exists() else None,
    )


async def test_a_new_intent_gets_a_domain_file_and_a_fallback_rule_and_loses_them_with_its_label(
    store: ConversationStore, tmp_path: Path
) -> None:
    bot = bot_project(tmp_path)
    book = LabelBook(store.sessions, bot, low_confidence=0.5)
    a = await customer_turn(store, "do you sell gift cards")
    b = await customer_turn(store, "where is my parcel right now", "order_status", 0.3)
    [gift] = await book.label([a.id], Action.INTENT, "kim", "gift_cards")
    await book.label([b.id], Action.INTENT, "kim", "order_status")  # the domain has it

    domain, rules = generated(bot)
    assert domain is not None and domain["intents"] == ["gift_cards"]
    assert rules is not None and rules["rules"] == [
        {
            "rule": "gift_cards (new intent from the review inbox)",
            "steps": [{"intent": "gift_cards"}, {"action": "action_knowledge_answer"}],
        }
    ]
    assert (bot / "domain" / "domain.yml").read_text() == (
        paths.BOT / "domain" / "domain.yml"
    ).read_text()  # the hand-written domain is never touched

    await book.remove(gift.id)
    assert generated(bot) == (None, None)


async def test_an_intent_a_hand_written_rule_uses_gets_no_generated_rule(
    store: ConversationStore, tmp_path: Path
) -> None:
    bot = bot_project(tmp_path)
    (bot / "data" / "gift.yml").write_text(
        'version: "3.1"\nrules:\n- rule: gift cards\n  steps:\n  - intent: gift_cards\n'
        "  - action: utter_how_can_i_help\n"
    )
    book = LabelBook(store.sessions, bot, low_confidence=0.5)
    m = await customer_turn(store, "do you sell gift cards")
    await book.label([m.id], Action.INTENT, "kim", "gift_cards")
    domain, rules = generated(bot)
    assert domain is not None and domain["intents"] == ["gift_cards"]
    assert rules is None
    assert "gift_cards" in storied_intents(bot)


async def test_a_project_with_a_single_domain_file_gets_no_generated_domain(
    store: ConversationStore, tmp_path: Path
) -> None:
    bot = bot_project(tmp_path)
    single_file_domain(bot)
    book = LabelBook(store.sessions, bot, low_confidence=0.5)
    m = await customer_turn(store, "do you sell gift cards")
    await book.label([m.id], Action.INTENT, "kim", "gift_cards")
    assert (bot / "data" / "reviewed" / "fallback.yml").exists()
    assert not (bot / "domain").exists() and not (bot / RULES_FILE).exists()


def test_the_fallback_action_comes_from_the_rule_policy(tmp_path: Path) -> None:
    assert fallback_action(paths.BOT) == "action_knowledge_answer"
    (tmp_path / "config.yml").write_text("policies:\n  - name: RulePolicy\n")
    assert fallback_action(tmp_path) == "action_default_fallback"
    assert fallback_action(tmp_path / "nowhere") == "action_default_fallback"


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_project_labelled_with_a_new_intent_passes_rasa_data_validate(
    store: ConversationStore, tmp_path: Path
) -> None:
    if not RASA.exists():
        service_missing("the Rasa runtime", FileNotFoundError(str(RASA)))
    bot = whole_bot_project(tmp_path)
    book = LabelBook(store.sessions, bot, low_confidence=0.5)
    texts = ["do you sell gift cards", "can I buy a voucher for my mum", "gift card balance"]
    ids = [(await customer_turn(store, text)).id for text in texts]
    await book.label(ids, Action.INTENT, "kim", "gift_cards")
    assert generated(bot)[0] is not None

    env = rasa_env() | {"PYTHONPATH": str(bot)}
    result = await asyncio.to_thread(
        subprocess.run,
        [str(RASA), "data", "validate", "--domain", "domain", "--data", "data",
         "--fail-on-warnings"],
        cwd=bot, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "gift_cards" not in "\n".join(
        line for line in output.splitlines() if "UserWarning" in line
    ), output[-6000:]

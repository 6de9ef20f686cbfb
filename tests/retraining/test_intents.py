from __future__ import annotations

from pathlib import Path

import pytest

from baton import paths
from retraining.errors import InvalidIntentName
from retraining.intents import check_intent_name, domain_intents


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("gift cards", "lowercase letters"),
        ("Gift_Cards", "lowercase letters"),
        ("9lives", "starting with a letter"),
        ("faq/returns", "retrieval intent"),
        ("greet+order_status", "multi-intent"),
        ("_private", "starting with '_'"),
        ("utter_hello", "bot actions"),
        ("action_refund", "bot actions"),
        ("nlu_fallback", "reserves"),
        ("session_start", "reserves"),
        ("restart", "reserves"),
        ("x" * 65, "longer than 64"),
        ("café", "lowercase letters"),
        ("<script>", "lowercase letters"),
    ],
)
def test_a_name_rasa_would_refuse_is_refused_with_the_reason(name: str, why: str) -> None:
    with pytest.raises(InvalidIntentName, match="cannot be an intent name") as refused:
        check_intent_name(name)
    assert why in refused.value.message


@pytest.mark.parametrize(
    "name", ["gift_cards", "returns", "order_status2", " trade_in ", "out_of_scope"]
)
def test_valid_names_pass_stripped(name: str) -> None:
    assert check_intent_name(name) == name.strip()


def test_the_domain_intents_are_read_in_order(tmp_path: Path) -> None:
    domain = tmp_path / "domain.yml"
    domain.write_text('version: "3.1"\nintents:\n  - greet\n  - inform:\n      use_entities: []\n')
    assert domain_intents(tmp_path) == ["greet", "inform"]
    assert "order_status" in domain_intents(paths.BOT)


def test_a_domain_folder_is_merged_and_the_generated_file_can_be_left_out(tmp_path: Path) -> None:
    folder = tmp_path / "domain"
    folder.mkdir()
    (folder / "domain.yml").write_text('version: "3.1"\nintents:\n  - greet\n  - thanks\n')
    (folder / "more.yml").write_text('version: "3.1"\nintents:\n  - thanks\n  - returns\n')
    (folder / "reviewed_intents.yml").write_text('version: "3.1"\nintents:\n  - gift_cards\n')
    assert domain_intents(tmp_path) == ["greet", "thanks", "returns", "gift_cards"]
    assert domain_intents(tmp_path, generated=False) == ["greet", "thanks", "returns"]

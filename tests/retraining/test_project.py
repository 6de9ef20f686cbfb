from __future__ import annotations

from pathlib import Path

import yaml

from retraining.export import Example, held_out
from retraining.project import bot_examples, prepare
from tests.retraining.seed import bot_project, single_file_domain


def test_the_training_copy_has_the_training_side_and_the_new_intents_in_its_domain(
    tmp_path: Path,
) -> None:
    bot = bot_project(tmp_path)
    stale = bot / "data" / "reviewed"
    stale.mkdir()
    (stale / "fallback.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: old\n  examples: |\n    - x\n'
    )
    texts = [f"gift card question number {i}" for i in range(40)]
    examples = [Example(i, t, "gift_cards", "fallback") for i, t in enumerate(texts)]
    examples.append(Example(99, "where is my order?", "cancel_order", "handoff"))  # bot has it
    examples.append(Example(100, "a lonely example", "lonely", "handoff"))

    project = prepare(bot, tmp_path / "copy", examples, 0.25)

    kept_back = {t for t in texts if held_out(t, 0.25)}
    assert {e.text for e in project.held_out} == kept_back and kept_back
    assert "a lonely example" in {e.text for e in project.trained}  # one example: trained
    assert "where is my order?" not in {e.text for e in project.trained + project.held_out}
    reviewed = yaml.safe_load((project.folder / "data" / "reviewed" / "fallback.yml").read_text())
    written = reviewed["nlu"][0]["examples"]
    assert all(f"- {t}\n" not in written for t in kept_back)
    assert reviewed["nlu"][0]["intent"] == "gift_cards"  # the stale file was not copied
    assert project.new_intents == ["gift_cards", "lonely"]
    extra = yaml.safe_load((project.domain / "reviewed_intents.yml").read_text())
    assert extra["intents"] == ["gift_cards", "lonely"]
    hand_written = bot / "domain" / "domain.yml"
    assert (project.domain / "domain.yml").read_text() == hand_written.read_text()
    rules = yaml.safe_load((project.folder / "data" / "reviewed" / "new_intents.yml").read_text())
    assert [r["steps"] for r in rules["rules"]] == [
        [{"intent": "gift_cards"}, {"action": "action_knowledge_answer"}],
        [{"intent": "lonely"}, {"action": "action_knowledge_answer"}],
    ]
    assert "where is my order?" in bot_examples(bot)


def test_a_single_file_domain_is_copied_into_the_copys_domain_folder(tmp_path: Path) -> None:
    bot = bot_project(tmp_path)
    single_file_domain(bot)
    examples = [Example(1, "do you sell gift cards", "gift_cards", "fallback")]

    project = prepare(bot, tmp_path / "copy", examples, 0.0)

    assert (project.domain / "domain.yml").read_text() == (bot / "domain.yml").read_text()
    assert yaml.safe_load((project.domain / "reviewed_intents.yml").read_text())["intents"] == [
        "gift_cards"
    ]

from __future__ import annotations

from pathlib import Path

from baton.training import bot_fingerprint


def make_bot(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "config.yml").write_text("recipe: default.v1\n")
    (root / "domain.yml").write_text("version: '3.1'\n")
    (root / "data" / "nlu.yml").write_text("nlu: []\n")
    (root / "tests" / "test_stories.yml").write_text("stories: []\n")
    (root / "endpoints.yml").write_text("action_endpoint: {}\n")
    return root


def test_the_fingerprint_changes_when_training_data_changes(tmp_path: Path) -> None:
    bot = make_bot(tmp_path / "bot")
    before = bot_fingerprint(bot)
    (bot / "data" / "nlu.yml").write_text("nlu: [x]\n")
    assert bot_fingerprint(bot) != before


def test_a_renamed_data_file_is_a_change(tmp_path: Path) -> None:
    bot = make_bot(tmp_path / "bot")
    before = bot_fingerprint(bot)
    (bot / "data" / "nlu.yml").rename(bot / "data" / "more.yml")
    assert bot_fingerprint(bot) != before


def test_tests_and_endpoints_do_not_force_a_retrain(tmp_path: Path) -> None:
    bot = make_bot(tmp_path / "bot")
    before = bot_fingerprint(bot)
    (bot / "tests" / "test_stories.yml").write_text("stories: [changed]\n")
    (bot / "endpoints.yml").write_text("action_endpoint: {url: x}\n")
    assert bot_fingerprint(bot) == before


def test_files_the_review_inbox_generates_do_not_count_as_a_developer_change(
    tmp_path: Path,
) -> None:
    bot = make_bot(tmp_path / "bot")
    (bot / "domain.yml").unlink()
    (bot / "domain").mkdir()
    (bot / "domain" / "domain.yml").write_text("version: '3.1'\n")
    everything, hand_written = bot_fingerprint(bot), bot_fingerprint(bot, generated=False)
    (bot / "data" / "reviewed").mkdir()
    (bot / "data" / "reviewed" / "fallback.yml").write_text("nlu: [label]\n")
    (bot / "domain" / "reviewed_intents.yml").write_text("intents: [gift_cards]\n")
    assert bot_fingerprint(bot) != everything  # `baton train` retrains with the labels
    assert bot_fingerprint(bot, generated=False) == hand_written
    (bot / "domain" / "domain.yml").write_text("version: '3.1'\nintents: [greet]\n")
    assert bot_fingerprint(bot, generated=False) != hand_written

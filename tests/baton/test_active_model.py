"""Which model `baton run` serves after a restart: the approved one while it fits, else the
one `baton train` made."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from baton import paths
from baton.active_model import (
    ActiveModel,
    choose,
    file_sha256,
    read,
    record,
    record_path,
    set_aside,
)
from baton.stack import StackSettings, serving_model, specs
from baton.training import bot_fingerprint, model_path


def model_archive(path: Path) -> Path:
    """A gzip tar shaped like a Rasa 3 model (metadata.json at the top)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        data = json.dumps({"model_id": "x"}).encode()
        info = tarfile.TarInfo("metadata.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def make_bot(root: Path) -> Path:
    (root / "domain").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "config.yml").write_text("recipe: default.v1\n")
    (root / "domain" / "domain.yml").write_text("version: '3.1'\nintents: [greet]\n")
    (root / "data" / "nlu.yml").write_text("nlu: []\n")
    model_archive(root / "models" / "baton.tar.gz")
    return root


@pytest.fixture
def bot(tmp_path: Path) -> Path:
    return make_bot(tmp_path / "bot")


def approve(bot: Path, name: str = "reviewed-1.tar.gz", how: str = "deploy") -> Path:
    model = model_archive(bot / "models" / name)
    record(
        record_path(bot / "models"),
        ActiveModel(
            str(model), file_sha256(model), bot_fingerprint(bot, generated=False), how, "now"
        ),
    )
    return model


def test_without_an_approval_the_trained_model_serves(tmp_path: Path, bot: Path) -> None:
    choice = choose(record_path(bot / "models"), bot / "models" / "baton.tar.gz", bot)
    assert choice.path == bot / "models" / "baton.tar.gz" and not choice.approved
    assert "no approved model recorded" in choice.note


def test_the_approved_model_serves_and_survives_new_labels(tmp_path: Path, bot: Path) -> None:
    approved = approve(bot)
    # knowledge owners go on labelling: the generated files change, the approval stands
    (bot / "data" / "reviewed").mkdir()
    (bot / "data" / "reviewed" / "fallback.yml").write_text("nlu: [new label]\n")
    (bot / "domain" / "reviewed_intents.yml").write_text("intents: [gift_cards]\n")
    choice = choose(record_path(bot / "models"), bot / "models" / "baton.tar.gz", bot)
    assert choice.path == approved and choice.approved and not choice.superseded
    assert "serving the approved model" in choice.note


def test_a_developer_change_to_bot_after_the_approval_wins(tmp_path: Path, bot: Path) -> None:
    approve(bot)
    (bot / "domain" / "domain.yml").write_text("version: '3.1'\nintents: [greet, bye]\n")
    choice = choose(record_path(bot / "models"), bot / "models" / "baton.tar.gz", bot)
    assert choice.path == bot / "models" / "baton.tar.gz" and choice.superseded
    assert "newer change wins" in choice.note
    kept = set_aside(record_path(bot / "models"))
    assert kept.exists() and not record_path(bot / "models").exists()
    again = choose(record_path(bot / "models"), bot / "models" / "baton.tar.gz", bot)
    assert not again.superseded and not again.approved


def test_a_rollback_to_the_trained_model_serves_the_trained_model(
    tmp_path: Path, bot: Path
) -> None:
    trained = bot / "models" / "baton.tar.gz"
    record(record_path(bot / "models"), ActiveModel(str(trained), None, None, "rollback", "now"))
    choice = choose(record_path(bot / "models"), trained, bot)
    assert choice.path == trained and "rollback" in choice.note


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda m: m.unlink(), "the file is gone"),
        (lambda m: m.write_bytes(b"half a model"), "checksum differs"),
    ],
)
def test_a_missing_or_changed_approved_model_falls_back_to_the_trained_one(
    tmp_path: Path, bot: Path, damage: object, why: str
) -> None:
    approved = approve(bot)
    damage(approved)  # type: ignore[operator]
    choice = choose(record_path(bot / "models"), bot / "models" / "baton.tar.gz", bot)
    assert choice.path == bot / "models" / "baton.tar.gz" and not choice.approved
    assert why in choice.note and "serving the trained model" in choice.note


def test_an_approved_file_that_is_no_model_archive_is_not_served(tmp_path: Path, bot: Path) -> None:
    bad = bot / "models" / "not-a-model.tar.gz"
    bad.write_bytes(b"plain text")
    record(record_path(bot / "models"), ActiveModel(str(bad), None, None, "deploy", "now"))
    choice = choose(record_path(bot / "models"), bot / "models" / "baton.tar.gz", bot)
    assert not choice.approved and "not a readable model archive" in choice.note
    empty = bot / "models" / "empty.tar.gz"
    with tarfile.open(empty, "w:gz"):
        pass
    record(record_path(bot / "models"), ActiveModel(str(empty), None, None, "deploy", "now"))
    choice = choose(record_path(bot / "models"), bot / "models" / "baton.tar.gz", bot)
    assert not choice.approved and "no metadata.json" in choice.note


@pytest.mark.parametrize("content", ["{not json", '{"sha256": "x"}', "[1, 2]"])
def test_a_damaged_record_falls_back_to_the_trained_model(
    tmp_path: Path, bot: Path, content: str
) -> None:
    record_path(bot / "models").write_text(content)
    choice = choose(record_path(bot / "models"), bot / "models" / "baton.tar.gz", bot)
    assert choice.path == bot / "models" / "baton.tar.gz" and "is damaged" in choice.note


def test_the_record_is_replaced_whole(tmp_path: Path) -> None:
    first = ActiveModel("/m/a.tar.gz", "1" * 64, "p", "deploy", "t1")
    second = ActiveModel("/m/b.tar.gz", None, None, "rollback", "t2")
    record(record_path(tmp_path), first)
    record(record_path(tmp_path), second)
    assert read(record_path(tmp_path)) == second
    assert [p.name for p in tmp_path.iterdir()] == ["active-model.json"]  # no temp file left


def rasa_model(models: Path) -> str:
    [rasa] = [s for s in specs(StackSettings(), models=models) if s.name == "rasa"]
    return str(rasa.argv[list(rasa.argv).index("--model") + 1])


def test_the_stack_starts_rasa_with_the_approved_model(bot: Path) -> None:
    models = bot / "models"
    trained = model_path(models)
    assert rasa_model(models) == str(trained)
    approved = approve(bot)
    assert serving_model(models).approved
    assert rasa_model(models) == str(approved)
    approved.write_bytes(b"broken")
    assert rasa_model(models) == str(trained)  # a broken approved model: the demo model


def test_the_real_stack_serves_the_trained_model_without_an_approval() -> None:
    """The real checkout, read only: the shipped bot/ has no approval recorded."""
    if record_path().exists():
        pytest.skip(f"this checkout has an approved model recorded ({record_path()})")
    assert rasa_model(paths.MODELS) == str(model_path())

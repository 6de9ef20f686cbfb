"""``baton init``: the starter assistant is written whole, and it is a valid, working assistant."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import tomllib
from datetime import datetime
from pathlib import Path, PurePosixPath
from types import ModuleType
from zoneinfo import ZoneInfo

import pytest
import yaml

from agent_console.canned import CannedResponses
from baton import paths
from baton.init import InitError, init_command, starter_files, write_starter
from baton.project import load_project
from knowledge_index.articles import load_articles

RASA = paths.RASA_VENV_BIN / "rasa"
STARTER = Path(__file__).resolve().parents[2] / "baton" / "starter"
# what Baton's library actions read and write in the assistant's domain (the knowledge
# answer, its feedback, the identity form's validation and the handoff)
LIBRARY_SLOTS = {"knowledge_article", "knowledge_score", "knowledge_misses", "handoff_reason"}
LIBRARY_ACTIONS = {"action_knowledge_answer", "action_knowledge_feedback", "action_handoff"}


@pytest.fixture
def assistant(tmp_path: Path) -> Path:
    target = tmp_path / "Example Co"
    write_starter(target)
    return target


def rasa(folder: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """A Rasa command in ``folder``; a missing Rasa runtime skips (fails under CI)."""
    if not RASA.exists():
        message = f"the Rasa runtime is not installed ({RASA} is missing; `make setup`)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(
        [str(RASA), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=timeout
    )


# --- writing -----------------------------------------------------------------------------


def test_init_writes_a_whole_rasa_project_with_baton_files(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "my-bot"
    written = write_starter(target)
    relative = {p.relative_to(target).as_posix() for p in written}
    assert {
        "config.yml", "domain.yml", "data/nlu.yml", "data/rules.yml", "tests/test_stories.yml",
        "baton.yml", "canned.yml", "README.md", "actions/__init__.py", "actions/custom.py",
        "actions/requirements-actions.txt",
    } <= relative  # fmt: skip
    assert len([r for r in relative if r.startswith("help_centre/")]) >= 3
    assert all(p.is_file() for p in written)
    assert relative == set(starter_files())
    assert not any("__pycache__" in r or r.endswith(".pyc") for r in relative)


def test_the_assistant_id_is_made_from_the_folder_name(assistant: Path) -> None:
    config = yaml.safe_load((assistant / "config.yml").read_text())
    assert config["assistant_id"] == "example-co"


def test_a_second_init_refuses_the_now_non_empty_folder(assistant: Path) -> None:
    (assistant / "domain.yml").write_text("# mine\n")
    with pytest.raises(InitError, match=r"not empty.*--force"):
        write_starter(assistant)
    assert (assistant / "domain.yml").read_text() == "# mine\n"


def test_force_writes_over_a_folder_and_keeps_other_files(assistant: Path) -> None:
    (assistant / "domain.yml").write_text("# mine\n")
    (assistant / "notes.txt").write_text("keep me")
    write_starter(assistant, force=True)
    assert "contact_form" in (assistant / "domain.yml").read_text()
    assert (assistant / "notes.txt").read_text() == "keep me"


def test_init_refuses_a_file_as_target(tmp_path: Path) -> None:
    file = tmp_path / "bot"
    file.write_text("")
    with pytest.raises(InitError, match="is a file"):
        write_starter(file, force=True)


def test_init_command_lists_the_files_and_the_next_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "bot"
    assert init_command(str(target)) == 0
    out = capsys.readouterr().out
    assert "baton.yml" in out and "help_centre/" in out
    assert f"baton run --project {target}" in out
    assert init_command(target) == 1
    assert "not empty" in capsys.readouterr().err


def test_every_starter_file_is_shipped_as_package_data() -> None:
    pyproject = tomllib.loads((STARTER.parents[1] / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["baton"]
    unshipped = [
        name
        for name in starter_files()
        if not any(PurePosixPath("starter", name).match(p) for p in patterns)
    ]
    assert unshipped == [], f"add these to [tool.setuptools.package-data] baton: {unshipped}"


# --- a valid assistant -------------------------------------------------------------------


def test_baton_accepts_the_starter_and_its_contract_matches_the_domain(assistant: Path) -> None:
    project = load_project(assistant)
    contract = project.contract
    assert contract.identity.form == "contact_form"
    assert contract.identity.field_slots() == {"name": "name", "email": "email", "phone": "phone"}
    assert contract.trigger == "talk_to_person"
    assert project.actions_package == assistant / "actions"
    assert project.action_requirements == assistant / "actions" / "requirements-actions.txt"
    assert project.canned_file is not None
    assert CannedResponses.load(project.canned_file).items


def test_the_domain_declares_what_batons_library_actions_need(assistant: Path) -> None:
    project = load_project(assistant)
    domain = project.domain
    form = project.contract.identity.form
    assert LIBRARY_SLOTS <= set(domain["slots"])
    assert "handoff_reason" in domain["entities"]
    assert LIBRARY_ACTIONS | {f"validate_{form}"} <= set(domain["actions"])
    # the form's questions are the domain's own responses
    for slot in domain["forms"][form]["required_slots"]:
        assert f"utter_ask_{slot}" in domain["responses"]


def test_the_help_centre_articles_load(assistant: Path) -> None:
    articles, errors = load_articles(load_project(assistant).help_centre)
    assert errors == []
    assert len(articles) >= 3
    assert all(a.url and a.tags for a in articles)


def _custom_actions(assistant: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "starter_custom_actions", assistant / "actions" / "custom.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_example_action_says_the_opening_hours(assistant: Path) -> None:
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    custom = _custom_actions(assistant)
    london = ZoneInfo("Europe/London")
    assert custom.is_open(datetime(2026, 12, 7, 10, 30, tzinfo=london))  # a Monday
    assert not custom.is_open(datetime(2026, 12, 7, 17, 0, tzinfo=london))
    assert not custom.is_open(datetime(2026, 12, 6, 12, 0, tzinfo=london))  # a Sunday
    dispatcher = CollectingDispatcher()
    tracker = Tracker("c1", {}, {}, [], False, None, {}, "action_listen")
    assert await custom.ActionOpeningHours().run(dispatcher, tracker, {}) == []
    assert "Monday to Friday" in dispatcher.messages[0]["text"]


def test_rasa_data_validate_accepts_the_starter(assistant: Path) -> None:
    result = rasa(
        assistant, "data", "validate", "--data", "data", "--domain", "domain.yml",
        "--config", "config.yml", timeout=300,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    # Rasa's validator does not know that a form asks with utter_ask_<slot>; nothing else
    # may warn
    problems = [
        line
        for line in output.splitlines()
        if ("UserWarning" in line or " ERROR " in line)
        and not ("The utterance 'utter_ask_" in line and "is not used in any story" in line)
    ]
    assert problems == [], "\n".join(problems)


@pytest.mark.slow
def test_the_starter_trains_and_passes_its_test_stories(assistant: Path) -> None:
    trained = rasa(
        assistant, "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", "models", "--fixed-model-name", "baton",
    )  # fmt: skip
    model = assistant / "models" / "baton.tar.gz"
    assert trained.returncode == 0 and model.is_file(), trained.stderr[-4000:]
    tested = rasa(
        assistant, "test", "core", "--model", str(model), "--stories", "tests/test_stories.yml",
        "--out", "results", "--fail-on-prediction-errors",
    )  # fmt: skip
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-4000:]
    failed = assistant / "results" / "failed_test_stories.yml"
    # Rasa writes this file either way; with no failure it holds only a comment
    assert not failed.exists() or "- story:" not in failed.read_text(), failed.read_text()

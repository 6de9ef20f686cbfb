"""baton.yml: a table of broken files and the message each gives, and a valid one read."""

from __future__ import annotations

from pathlib import Path

import pytest

from baton import paths
from baton.contract import ContractError
from baton.project import ProjectError, load_project

DOMAIN = """\
version: "3.1"
intents: [hello, human_please, bye, agree, disagree]
slots:
  full_name: {type: text, mappings: [{type: from_text}]}
  mail: {type: text, mappings: [{type: from_text}]}
forms:
  contact_form: {required_slots: [full_name, mail]}
responses:
  utter_hello: [{text: hi}]
"""


def project(tmp_path: Path, contract: str | None, domain: str = DOMAIN) -> Path:
    (tmp_path / "config.yml").write_text("language: en\n")
    (tmp_path / "domain.yml").write_text(domain)
    if contract is not None:
        (tmp_path / "baton.yml").write_text(contract)
    return tmp_path


def test_a_valid_contract_maps_the_bots_own_names(tmp_path: Path) -> None:
    loaded = load_project(
        project(
            tmp_path,
            "handoff: {intents: [human_please]}\n"
            "identity: {form: contact_form, slots: {name: full_name, email: mail}}\n"
            "conversation: {ending_intents: [bye], affirm_intents: [agree],"
            " deny_intents: [disagree]}\n",
        )
    )
    contract = loaded.contract
    assert contract.trigger == "human_please"
    assert contract.identity.slot_of("email") == "mail"
    assert contract.identity.slot_of("phone") is None
    assert {"human_please", "bye", "agree", "disagree", "nlu_fallback"} <= contract.topicless
    assert loaded.name == tmp_path.name


def test_an_empty_contract_is_all_defaults(tmp_path: Path) -> None:
    contract = load_project(project(tmp_path, "")).contract
    assert contract.trigger is None and contract.queues == {} and contract.languages == ["en"]


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        ("handoff: {intents: [ask_human]}\n", "handoff.intents[0]", "'ask_human' is not an intent"),
        ("handof: {intents: [hello]}\n", "handof", "unknown key"),
        ("handoff: {intent: [hello]}\n", "handoff.intent", "unknown key"),
        ("handoff: {intents: hello}\n", "handoff.intents", "valid list"),
        ("identity: {slots: {email: email}}\n", "identity.slots.email", "'email' is not a slot"),
        (
            "identity: {slots: {account: {slot: acct, label: Account}}}\n",
            "identity.slots.account.slot",
            "'acct' is not a slot",
        ),
        ("identity: {form: identity_form}\n", "identity.form", "not a form"),
        ("queues: {order_status: orders}\n", "queues.order_status", "not an intent"),
        ("conversation: {ending_intents: [goodbye]}\n", "conversation.ending_intents[0]", "intent"),
        ("languages: []\n", "languages", "at least one language"),
        ("conversation: {affirm_intents: [yes]}\n", "conversation.affirm_intents[0]", "quotes"),
        ("languages: [english]\n", "languages", "not a language code"),
        ("brand: {colour: blue}\n", "brand.colour", "pattern"),
        ("knowledge: {enabled: maybe}\n", "knowledge.enabled", "boolean"),
        ("- handoff\n", None, "must be a mapping"),
        ("handoff: [\n", None, "not valid YAML"),
    ],
)
def test_a_broken_contract_names_the_file_and_the_key(
    tmp_path: Path, text: str, key: str | None, says: str
) -> None:
    with pytest.raises(ContractError) as caught:
        load_project(project(tmp_path, text))
    assert caught.value.key == key
    assert caught.value.file == tmp_path.resolve() / "baton.yml"
    assert says in str(caught.value)
    assert str(tmp_path.resolve() / "baton.yml") in str(caught.value)


def test_a_missing_contract_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="baton init"):
        load_project(project(tmp_path, None))


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda d: None, "no config.yml"),
        (lambda d: (d / "config.yml").write_text("language: en\n"), "no domain.yml nor domain/"),
        (
            lambda d: (
                (d / "config.yml").write_text("language: en\n"),
                (d / "domain.yml").write_text("intents: [a\n"),
            ),
            "not valid YAML",
        ),
    ],
)
def test_a_folder_that_is_not_a_rasa_project_is_refused(tmp_path: Path, make, says: str) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path)
    with pytest.raises(ProjectError, match=says):
        load_project(tmp_path)


def test_the_bundled_demo_is_valid_and_keeps_its_state_in_var() -> None:
    demo = load_project(paths.DEMO)
    assert demo.var == paths.ROOT / "var"
    assert demo.contract.identity.form == "identity_form"


def test_two_assistants_never_share_a_var_folder(tmp_path: Path) -> None:
    one, two = tmp_path / "a" / "bot", tmp_path / "b" / "bot"
    assert paths.var_dir(one) != paths.var_dir(two)
    assert paths.var_dir(one) == paths.var_dir(one)
    assert paths.var_dir(one).parent == paths.ROOT / "var" / "projects"


def test_baton_check_refuses_a_broken_folder_before_anything_starts(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    project(tmp_path, "handoff: {intents: [nope]}\n")
    result = subprocess.run(
        [sys.executable, "-m", "baton", "check", "--project", str(tmp_path)],
        capture_output=True,
        text=True,
        env=os.environ | {"BATON_PROJECT_DIR": ""},
        timeout=120,
    )
    assert result.returncode == 1
    assert "handoff.intents[0]: 'nope' is not an intent" in result.stderr
    assert "Traceback" not in result.stderr

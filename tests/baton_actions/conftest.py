"""An assistant other than the demo, for the actions that read names from its contract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baton_actions import contract

# A small assistant whose identity slots are not named after Baton's fields, with handoff
# intents of its own and a reason word for one of them.
OTHER_DOMAIN = """\
version: "3.1"
intents: [hello, "yes", "no", agent_please, legal_threat, data_request, close_account, chit_chat]
slots:
  full_name: {type: text, mappings: [{type: from_text}]}
  customer_email: {type: text, mappings: [{type: from_text}]}
  ticket_ref: {type: text, mappings: [{type: from_text}]}
  mobile: {type: text, mappings: [{type: from_text}]}
forms:
  who_form:
    required_slots: [full_name, customer_email, ticket_ref]
"""
OTHER_CONTRACT = """\
handoff:
  intents: [agent_please]
  always_human_intents: [legal_threat, data_request]
  reasons:
    close_account: retention
    legal_threat: legal
identity:
  form: who_form
  slots: {name: full_name, email: customer_email, order_number: ticket_ref, phone: mobile}
conversation:
  affirm_intents: ["yes"]
  deny_intents: ["no"]
"""
# the other assistant's identity slots, in make_tracker's order (name, email, order, phone)
OTHER_SLOTS = ("full_name", "customer_email", "ticket_ref", "mobile")


@pytest.fixture
def other_assistant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Baton's actions serve the assistant above (its contract is read afresh, then dropped)."""
    folder = tmp_path / "other-assistant"
    folder.mkdir()
    (folder / "config.yml").write_text("recipe: default.v1\nlanguage: en\n")
    (folder / "domain.yml").write_text(OTHER_DOMAIN)
    (folder / "baton.yml").write_text(OTHER_CONTRACT)
    monkeypatch.setenv("BATON_PROJECT_DIR", str(folder))
    contract.contract.cache_clear()
    contract.project.cache_clear()
    yield folder
    contract.contract.cache_clear()  # the next test reads the demo's again
    contract.project.cache_clear()

"""The contract as Baton's actions read it: identity slots and handoff reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from baton.contract import ContractError
from baton.project import load_project
from baton_actions import contract


def test_the_demos_identity_slots_and_reasons() -> None:
    assert [contract.identity_slot(f) for f in ("name", "email", "order_number", "phone")] == [
        "name", "email", "order_number", "phone"
    ]  # fmt: skip
    assert contract.handoff_reason_of("cancel_order") == "order_change"


@pytest.mark.usefixtures("other_assistant")
def test_identity_slots_come_from_the_assistants_contract() -> None:
    assert contract.identity_slot("email") == "customer_email"
    assert contract.identity_slot("order_number") == "ticket_ref"
    assert contract.identity_slot("loyalty_id") == "loyalty_id"  # unmapped: its own name


def test_a_reason_for_an_intent_the_domain_lacks_is_refused(other_assistant: Path) -> None:
    baton_yml = other_assistant / "baton.yml"
    baton_yml.write_text(
        baton_yml.read_text().replace("close_account: retention", "close_acount: retention")
    )

    with pytest.raises(ContractError, match=r"handoff\.reasons\.close_acount") as caught:
        load_project(other_assistant)
    assert "not an intent" in str(caught.value)

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from baton_actions.identity import ValidateIdentityForm
from baton_actions.names import NO_ORDER_NUMBER, REQUESTED_SLOT
from tests.baton_actions.conftest import OTHER_SLOTS
from tests.baton_actions.trackers import (
    EMAIL,
    FORM_DOMAIN,
    NAME,
    ORDER_NUMBER,
    form_turn,
    slot_values,
)


async def validate(
    tracker: Tracker, domain: dict[str, Any] = FORM_DOMAIN
) -> tuple[list[str], dict[str, Any]]:
    """Run the form's validation; return what it said and the slots it set."""
    dispatcher = CollectingDispatcher()
    events = await ValidateIdentityForm().run(dispatcher, tracker, domain)
    slots = slot_values(events)
    slots.pop(REQUESTED_SLOT, None)
    return [m["text"] for m in dispatcher.messages], slots


def answer(
    slot: str, text: str, *, intent: str = "inform", value: Any = None, **earlier: Any
) -> Tracker:
    """The customer's answer `text` to the form's question for `slot`."""
    return form_turn(
        "identity_form",
        requested=slot,
        text=text,
        intent=intent,
        candidates={slot: text if value is None else value},
        earlier=earlier,
    )


async def test_valid_email_is_accepted_without_a_word() -> None:
    said, slots = await validate(answer(EMAIL, "anna.schmidt@gmail.com"))

    assert slots == {EMAIL: "anna.schmidt@gmail.com"}
    assert said == []


async def test_email_is_cut_out_of_a_sentence() -> None:
    _, slots = await validate(answer(EMAIL, "sure, it's anna@example.org!"))

    assert slots == {EMAIL: "anna@example.org"}


async def test_invalid_email_is_re_asked_with_the_reason() -> None:
    said, slots = await validate(answer(EMAIL, "maria at gmail"))

    assert slots == {EMAIL: None}
    assert len(said) == 1
    assert "“maria at gmail” doesn't look like an email address" in said[0]
    assert "name@example.com" in said[0]


async def test_order_number_of_five_to_eight_digits_is_accepted() -> None:
    for number in ("12345", "98765432"):
        said, slots = await validate(answer(ORDER_NUMBER, f"order {number}"))

        assert slots == {ORDER_NUMBER: number}
        assert said == []


async def test_order_number_of_wrong_length_is_re_asked() -> None:
    for digits in ("1234", "123456789"):
        said, slots = await validate(answer(ORDER_NUMBER, digits))

        assert slots == {ORDER_NUMBER: None}
        assert f"has {len(digits)}" in said[0]


async def test_order_number_without_digits_is_re_asked() -> None:
    said, slots = await validate(answer(ORDER_NUMBER, "it's on the fridge"))

    assert slots == {ORDER_NUMBER: None}
    assert "5 to 8 digits" in said[0]


async def test_no_order_number_sets_the_none_sentinel_and_moves_on() -> None:
    for text, intent in [
        ("I don't have one", "deny"),
        ("skip", "inform"),
        ("/deny", "deny"),  # the "I don't have one" button
    ]:
        said, slots = await validate(answer(ORDER_NUMBER, text, intent=intent))

        assert slots == {ORDER_NUMBER: NO_ORDER_NUMBER}
        assert said == []


async def test_none_sentinel_from_before_is_kept_so_never_asked_again() -> None:
    tracker = form_turn(
        "identity_form",
        requested=None,
        text="I want a person",
        intent="request_human",
        candidates={ORDER_NUMBER: NO_ORDER_NUMBER},
        earlier={ORDER_NUMBER: NO_ORDER_NUMBER},
    )

    _, slots = await validate(tracker)

    assert slots == {ORDER_NUMBER: NO_ORDER_NUMBER}


async def test_name_is_accepted_and_cleaned() -> None:
    said, slots = await validate(answer(NAME, "my name is jean-luc moreau"))

    assert slots == {NAME: "Jean-Luc Moreau"}
    assert said == []


async def test_name_of_digits_or_empty_is_re_asked() -> None:
    for text, also in (("12345", {ORDER_NUMBER: "12345"}), ("   ", {})):
        said, slots = await validate(answer(NAME, text))

        # digits typed at the name prompt are an order number: kept, not asked for again
        assert slots == {NAME: None} | also
        assert "doesn't look like a name" in said[0]


async def test_name_entity_covering_part_of_the_answer_gives_way_to_the_whole_answer() -> None:
    _, slots = await validate(answer(NAME, "Maria Lopez", value="Maria"))

    assert slots == {NAME: "Maria Lopez"}


async def test_name_picked_up_in_passing_does_not_replace_a_known_name() -> None:
    # asked for an email, the customer typed "maria at gmail"; the NLU saw a name in it
    tracker = form_turn(
        "identity_form",
        requested=EMAIL,
        text="maria at gmail",
        candidates={NAME: "maria", EMAIL: "maria at gmail"},
        earlier={NAME: "Maria Lopez"},
    )

    said, slots = await validate(tracker)

    assert slots == {NAME: "Maria Lopez", EMAIL: None}
    assert len(said) == 1  # only the email is re-asked


async def test_invalid_value_not_asked_for_is_dropped_silently() -> None:
    tracker = form_turn(
        "identity_form",
        requested=NAME,
        text="Anna, order 1234",
        candidates={NAME: "Anna", ORDER_NUMBER: "1234"},
    )

    said, slots = await validate(tracker)

    assert slots == {NAME: "Anna", ORDER_NUMBER: None}
    assert said == []


async def test_prefilled_valid_slots_are_kept_at_activation() -> None:
    tracker = form_turn(
        "identity_form",
        requested=None,
        text="I'm Kenji Tanaka, can I speak to an agent about order 13579?",
        intent="request_human",
        candidates={NAME: "Kenji Tanaka", ORDER_NUMBER: "13579"},
    )

    said, slots = await validate(tracker)

    assert slots == {NAME: "Kenji Tanaka", ORDER_NUMBER: "13579"}
    assert said == []


# the other assistant's form (tests/baton_actions/conftest.py), as Rasa sends its domain
OTHER_FORM_DOMAIN: dict[str, Any] = {
    "forms": {"who_form": {"required_slots": ["full_name", "customer_email", "ticket_ref"]}},
    "slots": {},
}


def other_answer(slot: str, text: str, *, intent: str = "chit_chat", **earlier: Any) -> Tracker:
    return form_turn(
        "who_form",
        requested=slot,
        text=text,
        intent=intent,
        candidates={slot: text},
        earlier=earlier,
        identity_slots=OTHER_SLOTS,
    )


@pytest.mark.usefixtures("other_assistant")
async def test_validates_the_identity_slots_whatever_the_assistant_calls_them() -> None:
    assert ValidateIdentityForm().name() == "validate_who_form"

    said, slots = await validate(
        other_answer("customer_email", "sure, it's anna@example.org!"), OTHER_FORM_DOMAIN
    )
    assert (said, slots) == ([], {"customer_email": "anna@example.org"})

    said, slots = await validate(
        other_answer("customer_email", "maria at gmail"), OTHER_FORM_DOMAIN
    )
    assert slots == {"customer_email": None}
    assert "doesn't look like an email address" in said[0]

    said, slots = await validate(
        other_answer("full_name", "my name is jean-luc moreau"), OTHER_FORM_DOMAIN
    )
    assert (said, slots) == ([], {"full_name": "Jean-Luc Moreau"})

    said, slots = await validate(other_answer("ticket_ref", "1234"), OTHER_FORM_DOMAIN)
    assert slots == {"ticket_ref": None} and "has 4" in said[0]

    # the assistant's deny intent declines the number: the sentinel, and the form moves on
    said, slots = await validate(other_answer("ticket_ref", "/no", intent="no"), OTHER_FORM_DOMAIN)
    assert (said, slots) == ([], {"ticket_ref": NO_ORDER_NUMBER})


@pytest.mark.usefixtures("other_assistant")
async def test_fills_the_assistants_slots_from_what_the_customer_already_wrote() -> None:
    tracker = form_turn(
        "who_form",
        requested=None,
        text="I'm Kenji Tanaka, kenji@example.com, about 13579 — agent please",
        intent="agent_please",
        candidates={},
        identity_slots=OTHER_SLOTS,
    )

    said, slots = await validate(tracker, OTHER_FORM_DOMAIN)

    assert said == []
    assert slots == {
        "full_name": "Kenji Tanaka",
        "customer_email": "kenji@example.com",
        "ticket_ref": "13579",
    }

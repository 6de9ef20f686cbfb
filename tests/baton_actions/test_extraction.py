"""Identity details said in passing are found (spaCy tokens + rules), and asked for never twice."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from baton_actions.extraction import Found, find_identity, find_in_messages
from baton_actions.handoff import gathered_identity
from baton_actions.identity import ValidateIdentityForm
from baton_actions.names import REQUESTED_SLOT
from tests.baton_actions.trackers import (
    EMAIL,
    FORM_DOMAIN,
    NAME,
    ORDER_NUMBER,
    make_tracker,
    slot_values,
    user_event,
)


async def run_form(tracker: Tracker) -> dict[str, Any]:
    return slot_values(
        await ValidateIdentityForm().run(CollectingDispatcher(), tracker, FORM_DOMAIN)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Hi, my name is Maria Lopez and my email is maria.lopez@mail.com",
            Found(name="Maria Lopez", email="maria.lopez@mail.com"),
        ),
        (
            "I'm Jean-Luc Picard, order 12345 never came",
            Found(name="Jean-Luc Picard", order_number="12345"),
        ),
        ("call me Anna van Dijk please", Found(name="Anna van Dijk")),
        ("my order #87654321 is late", Found(order_number="87654321")),
        ("ring me on +49 151 2345 6789", Found(phone="+49 151 2345 6789")),
        ("my number is 0612 345678", Found(phone="0612 345678")),
        ("phone: 061-2345-6789", Found(phone="061-2345-6789")),
        ("(030) 1234567 is my landline", Found(phone="(030) 1234567")),
        ("it arrived on 2025-03-12", Found()),
        # not an order number: too short, too long, part of a phone number
        ("I bought 3 items for 1299 euros", Found()),
        # "I'm" followed by no capitalised word is no introduction
        ("i'm really annoyed about this", Found()),
        ("I am Lena", Found(name="Lena")),
    ],
)
def test_details_in_a_message(text: str, expected: Found) -> None:
    assert find_identity(text) == expected


def test_the_latest_mention_wins_across_messages() -> None:
    found = find_in_messages(
        ["my email is old@example.com", "where is order 11111?", "sorry, it's new@example.com"]
    )

    assert found == Found(email="new@example.com", order_number="11111")


async def test_the_form_does_not_ask_for_what_the_customer_already_wrote() -> None:
    events = [
        user_event("my order 12345 never arrived, I'm Maria Lopez", "order_status"),
        user_event("I want to talk to a person", "request_human"),
    ]
    tracker = make_tracker(
        events=events, text="I want to talk to a person", active_loop="identity_form"
    )

    slots = slot_values(
        await ValidateIdentityForm().run(CollectingDispatcher(), tracker, FORM_DOMAIN)
    )

    assert slots.get(NAME) == "Maria Lopez"
    assert slots.get(ORDER_NUMBER) == "12345"
    assert EMAIL not in slots or slots[EMAIL] is None


async def test_the_slot_just_asked_for_is_left_to_the_answer() -> None:
    events = [user_event("order 12345"), user_event("my email? it's anna@example.org")]
    tracker = make_tracker(
        slots={REQUESTED_SLOT: EMAIL},
        events=events,
        text="my email? it's anna@example.org",
        active_loop="identity_form",
    )

    slots = slot_values(
        await ValidateIdentityForm().run(CollectingDispatcher(), tracker, FORM_DOMAIN)
    )

    # the order number said earlier is taken; the email comes from the answer's own mapping
    assert slots.get(ORDER_NUMBER) == "12345"
    assert EMAIL not in slots


def test_the_handoff_packet_gets_a_phone_number_no_slot_took() -> None:
    tracker = make_tracker(
        slots={NAME: "Maria Lopez"},
        events=[user_event("call me back on +44 20 7946 0958 please")],
    )

    assert gathered_identity(tracker) == {"name": "Maria Lopez", "phone": "+44 20 7946 0958"}

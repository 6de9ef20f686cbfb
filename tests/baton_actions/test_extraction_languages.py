"""Identity details are found in Norwegian, Swedish, Finnish and Polish, no language named."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from baton_actions.extraction import Found, find_identity, find_in_messages, languages
from baton_actions.identity import ValidateIdentityForm
from baton_actions.parsing import parse_name
from tests.baton_actions.trackers import (
    EMAIL,
    FORM_DOMAIN,
    NAME,
    ORDER_NUMBER,
    make_tracker,
    slot_values,
    user_event,
)

NORWEGIAN = [
    (
        "Hei! Jeg heter Ola Nordmann og ordrenummeret mitt er 12345",
        Found(name="Ola Nordmann", order_number="12345"),
    ),
    (
        "Navnet mitt er Kåre Ødegård, e-posten min er kare.odegard@example.no",
        Found(name="Kåre Ødegård", email="kare.odegard@example.no"),
    ),
    (
        "Hvor er ordre nr. 12345? Mobilnummeret mitt er 912 34 567",
        Found(order_number="12345", phone="912 34 567"),
    ),
    ("Dere kan ringe meg på +47 912 34 567", Found(phone="+47 912 34 567")),
    ("Jeg er Ola. Bestillingen min 7654321 kom aldri", Found(name="Ola", order_number="7654321")),
    ("tlf.91234567, spør etter Ola", Found(phone="91234567")),
    ("Pakken er ikke kommet.\nHilsen Åse Bjørnstad", Found(name="Åse Bjørnstad")),
    ("Med vennlig hilsen Ola Nordmann", Found(name="Ola Nordmann")),
    ("e-post: kåre@nordmann.no", Found(email="kåre@nordmann.no")),
]

SWEDISH = [
    (
        "Hej! Jag heter Anna Svensson och mitt ordernummer är 12345",
        Found(name="Anna Svensson", order_number="12345"),
    ),
    (
        "Mitt namn är Åsa Öberg, min e-post är asa.oberg@example.se",
        Found(name="Åsa Öberg", email="asa.oberg@example.se"),
    ),
    ("Ring mig på 070-123 45 67 efter fem", Found(phone="070-123 45 67")),
    ("mitt telefonnummer är +46 70 123 45 67", Found(phone="+46 70 123 45 67")),
    (
        "Beställningen 87654321 har inte kommit. Vänliga hälsningar, Björn Sjöström",
        Found(name="Björn Sjöström", order_number="87654321"),
    ),
    ("jag är Lars Öhman, ordernr 5556667", Found(name="Lars Öhman", order_number="5556667")),
    ("Med vänlig hälsning Karin Åkesson", Found(name="Karin Åkesson")),
]

FINNISH = [
    (
        "Hei, nimeni on Matti Virtanen ja tilausnumeroni on 12345",
        Found(name="Matti Virtanen", order_number="12345"),
    ),
    ("Olen Matti Virtanen, tilausnumero 12345", Found(name="Matti Virtanen", order_number="12345")),
    (
        "sähköpostiosoitteeni on matti.virtanen@example.fi",
        Found(email="matti.virtanen@example.fi"),
    ),
    ("puhelinnumeroni on 040 123 4567", Found(phone="040 123 4567")),
    ("Soita numeroon +358 40 123 4567, kiitos", Found(phone="+358 40 123 4567")),
    # Finnish inflects after a colon: "12345:n", "…fi:hin"
    (
        "Tilaukseni 12345:n toimitus on myöhässä, vastaa osoitteeseen aino@example.fi:hin",
        Found(email="aino@example.fi", order_number="12345"),
    ),
    ("Terveisin Äijälä Jääskeläinen", Found(name="Äijälä Jääskeläinen")),
    ("tilaus n:o 12345, puh. 09 123 4567", Found(order_number="12345", phone="09 123 4567")),
]

POLISH = [
    (
        "Dzień dobry, nazywam się Anna Kowalska i piszę w sprawie zamówienia nr 12345",
        Found(name="Anna Kowalska", order_number="12345"),
    ),
    (
        "Mam na imię Łukasz, numer zamówienia: 7654321",
        Found(name="Łukasz", order_number="7654321"),
    ),
    ("mój e-mail to anna.kowalska@example.pl", Found(email="anna.kowalska@example.pl")),
    ("mój numer telefonu to +48 600 123 456", Found(phone="+48 600 123 456")),
    ("proszę dzwonić: 600-123-456", Found(phone="600-123-456")),
    (
        "Pozdrawiam, Małgorzata Wiśniewska-Żak",
        Found(name="Małgorzata Wiśniewska-Żak"),
    ),
    # typed without diacritics
    (
        "nazywam sie Zoja Wójcik, zamowienie o numerze 55512",
        Found(name="Zoja Wójcik", order_number="55512"),
    ),
    ("e-mail:ślązak@example.pl", Found(email="ślązak@example.pl")),
    ("Pozdrawiam serdecznie, Anna Nowak", Found(name="Anna Nowak")),
]


@pytest.mark.parametrize(("text", "expected"), NORWEGIAN)
def test_norwegian_details(text: str, expected: Found) -> None:
    assert find_identity(text) == expected


@pytest.mark.parametrize(("text", "expected"), SWEDISH)
def test_swedish_details(text: str, expected: Found) -> None:
    assert find_identity(text) == expected


@pytest.mark.parametrize(("text", "expected"), FINNISH)
def test_finnish_details(text: str, expected: Found) -> None:
    assert find_identity(text) == expected


@pytest.mark.parametrize(("text", "expected"), POLISH)
def test_polish_details(text: str, expected: Found) -> None:
    assert find_identity(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # greetings and capitalised sentence starts are no names
        ("Dzień dobry, mam problem z zamówieniem 12345", Found(order_number="12345")),
        ("Hei, olen todella pettynyt", Found()),
        ("Hej, jag är arg på er", Found()),
        ("Hei, jeg er sint. Hvor er pakken?", Found()),
        # "olen" + a place in a locative case, "jestem" + a nationality in the instrumental
        ("Hei! Olen Helsingistä ja odotan pakettia", Found()),
        ("Olen Matti Virtanen Tampereelta", Found(name="Matti Virtanen")),
        ("Jestem Polakiem i czekam na paczkę", Found()),
        # a name ends where the sentence goes on, even without punctuation
        (
            "Jeg heter Ola Nordmann Ordrenummeret mitt er 12345",
            Found(name="Ola Nordmann", order_number="12345"),
        ),
    ],
)
def test_what_is_not_a_name(text: str, expected: Found) -> None:
    assert find_identity(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # prices, postcodes, customer and account numbers are no order numbers
        ("Zapłaciłam 15000 zł i nic nie dostałam", Found()),
        ("Jeg betalte 12500 kr for den", Found()),
        ("Mannerheimintie 1, 00100 Helsinki", Found()),
        ("postnummer 11455, kundnummer 556677", Found()),
        ("kod pocztowy 00-950 Warszawa", Found()),
        ("kontonummer 1234 56 78901", Found()),
        ("org.nr. 912 345 678", Found()),
        # a capitalised word after a bare number is a town, unless it starts a sentence
        ("Det er 12345 Takk", Found(order_number="12345")),
        # the number named as the order wins over one named otherwise
        (
            "Asiakasnumeroni on 123456 mutta tilausnumero 654321",
            Found(order_number="654321"),
        ),
        ("numer klienta 445566, numer zamówienia 778899", Found(order_number="778899")),
        # too short to be an order number, too few digits for a phone
        ("Jeg bestilte 3 ting for 1299 kroner", Found()),
        ("Kiitos! Paketti tuli 12.03.2025", Found()),
    ],
)
def test_what_is_not_an_order_number(text: str, expected: Found) -> None:
    assert find_identity(text) == expected


def test_a_language_hint_narrows_the_rules_to_that_language_and_english() -> None:
    assert find_identity("jeg heter Ola", language="en") == Found()
    assert find_identity("jeg heter Ola", language="nb") == Found(name="Ola")
    assert find_identity("my name is Ola", language="pl") == Found(name="Ola")
    assert languages("sv-SE") == ("en", "sv")
    assert languages("no") == ("en", "nb")
    assert languages("de") == languages()


def test_the_latest_mention_wins_across_languages() -> None:
    found = find_in_messages(
        [
            "Dzień dobry, nazywam się Anna Kowalska",
            "zamówienie nr 12345 nie dotarło",
            "sorry, my email is anna@example.com",
            "mój numer telefonu to 600 123 456",
        ]
    )

    assert found == Found(
        name="Anna Kowalska",
        email="anna@example.com",
        order_number="12345",
        phone="600 123 456",
    )


@pytest.mark.parametrize(
    ("answer", "name"),
    [
        ("Nazywam się Anna Kowalska", "Anna Kowalska"),
        ("Dzień dobry, jestem Łucja Żak", "Łucja Żak"),
        ("jeg heter Ola Nordmann", "Ola Nordmann"),
        ("Mitt namn är Åsa Öberg", "Åsa Öberg"),
        ("Hei, olen Matti", "Matti"),
        ("Tässä Aino Mäkelä", "Aino Mäkelä"),
        ("chcę rozmawiać z konsultantem", None),
        ("jeg vil snakke med et menneske", None),
    ],
)
def test_the_answer_to_the_name_question_loses_its_introduction(
    answer: str, name: str | None
) -> None:
    # the form maps the whole answer to the name slot; parsing.parse_name cleans it
    assert parse_name(answer) == name


async def test_the_form_takes_what_a_polish_customer_already_wrote() -> None:
    first = "Dzień dobry, nazywam się Anna Kowalska i piszę w sprawie zamówienia nr 12345"
    events = [user_event(first, "order_status"), user_event("chcę rozmawiać z konsultantem")]
    tracker = make_tracker(
        events=events, text="chcę rozmawiać z konsultantem", active_loop="identity_form"
    )

    slots = slot_values(
        await ValidateIdentityForm().run(CollectingDispatcher(), tracker, FORM_DOMAIN)
    )

    assert slots.get(NAME) == "Anna Kowalska"
    assert slots.get(ORDER_NUMBER) == "12345"
    assert EMAIL not in slots or slots[EMAIL] is None

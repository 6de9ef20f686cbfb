"""Detecting a conversation's language offline: real short customer sentences in each
language Baton detects, and the texts too short or strange to guess (None, never a crash)."""

from __future__ import annotations

import threading

import pytest

from handoff.language import DETECTED, candidates_for, detect, normalise, requested, served

SERVED = ("en", "nb", "sv", "fi", "pl")

# what customers write to a support chat, five to seven per language
SENTENCES: dict[str, list[str]] = {
    "nb": [
        "jeg vil snakke med et menneske",
        "hvor er pakken min?",
        "jeg har ikke fått ordrebekreftelse",
        "kan jeg bytte adresse på bestillingen?",
        "hvorfor er regningen så høy denne måneden",
        "jeg vil si opp abonnementet mitt",
        "laderen fungerer ikke lenger",
    ],
    "sv": [
        "jag vill prata med en människa",
        "var är mitt paket?",
        "jag har inte fått någon orderbekräftelse",
        "kan jag ändra leveransadressen?",
        "varför är fakturan så hög den här månaden",
        "jag vill säga upp mitt abonnemang",
        "laddaren fungerar inte längre",
    ],
    "fi": [
        "haluan puhua ihmisen kanssa",
        "missä minun pakettini on?",
        "en ole saanut tilausvahvistusta",
        "voinko vaihtaa toimitusosoitteen?",
        "miksi lasku on näin suuri tässä kuussa",
        "haluan irtisanoa liittymäni",
        "laturi ei toimi enää",
    ],
    "pl": [
        "chcę rozmawiać z człowiekiem",
        "gdzie jest moja paczka?",
        "nie dostałem potwierdzenia zamówienia",
        "czy mogę zmienić adres dostawy?",
        "dlaczego rachunek jest tak wysoki w tym miesiącu",
        "chcę zrezygnować z abonamentu",
        "ładowarka już nie działa",
    ],
    "en": [
        "where is my order",
        "I want to talk to a human",
        "I never got an order confirmation",
        "can I change the delivery address?",
        "why is my bill so high this month",
        "I'd like to cancel my subscription",
        "the charger doesn't work anymore",
    ],
}


CASES = [(lang, text) for lang, texts in SENTENCES.items() for text in texts]


@pytest.mark.parametrize(("language", "text"), CASES)
def test_short_customer_sentence_is_detected(language: str, text: str) -> None:
    assert detect(text, DETECTED) == language


def test_every_language_has_at_least_five_sentences() -> None:
    assert set(SENTENCES) == set(DETECTED)
    assert all(len(texts) >= 5 for texts in SENTENCES.values())


@pytest.mark.parametrize(
    "text",
    ["hei", "ok", "takk", "12345 678", "😀 😀 👍", "Привет, как у тебя дела сегодня?",  # noqa: RUF001
     "你好，我想和人工客服说话", "order 123456", "", "   ", "?!"],  # noqa: RUF001
)  # fmt: skip
def test_too_little_to_go_on_gives_none(text: str) -> None:
    assert detect(text, DETECTED) is None


def test_one_candidate_is_nothing_to_detect() -> None:
    assert detect("jeg vil snakke med et menneske", ["nb"]) is None


def test_candidates_restrict_the_answer() -> None:
    # Norwegian text, but only English and Polish are candidates: no confident Norwegian
    assert detect("jeg vil snakke med et menneske", ["en", "pl"]) != "nb"


def test_unknown_candidate_codes_are_ignored() -> None:
    assert detect("gdzie jest moja paczka?", ["pl", "en", "xx"]) == "pl"


def test_candidates_always_include_the_detected_languages() -> None:
    assert set(candidates_for(["en"])) == set(DETECTED)
    assert "de" in candidates_for(["de", "en"])


def test_detector_is_shared_between_threads() -> None:
    results: list[str | None] = []
    threads = [
        threading.Thread(target=lambda: results.append(detect("var är mitt paket?", DETECTED)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["sv"] * 4


@pytest.mark.parametrize(
    ("hint", "code"),
    [("nb-NO", "nb"), ("no", "nb"), ("nn", "nb"), ("NB", "nb"), ("sv-SE", "sv"), ("sv_FI", "sv"),
     ("fi", "fi"), ("pl-PL", "pl"), ("en-GB", "en"), ("", None), (None, None), ("1x", None)],
)  # fmt: skip
def test_channel_hints_are_normalised(hint: str | None, code: str | None) -> None:
    assert normalise(hint) == code


def test_a_hint_counts_only_for_a_served_language() -> None:
    assert served("nb-NO", ["en", "nb"]) == "nb"
    assert served("de-DE", ["en", "nb"]) is None


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("can we speak English?", "en"),
        ("English please", "en"),
        ("på norsk, takk", "nb"),
        ("Kan vi prata svenska?", "sv"),
        ("suomeksi kiitos", "fi"),
        ("puhutko suomea?", "fi"),
        ("czy możemy rozmawiać po polsku", "pl"),
        ("po angielsku proszę", "en"),
        ("svenska", "sv"),
    ],
)
def test_a_short_request_to_switch_names_the_language(text: str, wanted: str) -> None:
    assert requested(text, SERVED) == wanted


@pytest.mark.parametrize(
    "text",
    [
        "do you ship to Sweden?",  # a country, not a request
        "jeg vil snakke med et menneske",  # a person, in Norwegian: no language named
        "I bought a Swedish keyboard and the English layout is wrong, can I exchange it",
        "where is my order",
        "English or Polish?",  # two languages: not a choice
    ],
)
def test_naming_a_language_is_not_always_a_request(text: str) -> None:
    assert requested(text, SERVED) is None


def test_only_a_served_language_can_be_asked_for() -> None:
    assert requested("can we speak Polish?", ["en", "nb"]) is None

"""A conversation's language: channel hints mapped to a served language, and offline
detection from what the customer writes.

Detection uses lingua (``lingua-language-detector``), restricted to the candidate languages:
on short customer texts that is far more accurate than asking it about all 75 languages.
Its high-accuracy models (about 35 MB of memory per language, some 2 s to load five) are
loaded once, on first use, under a lock; the detector itself is safe to share between
threads. Loading holds the GIL (a thread does not keep the event loop free), so the
gateway warms the detector before it serves (:func:`warm`).

Measured on this machine: 35 of 35 short customer sentences right in en, nb, sv, fi and pl
(``tests/handoff/test_language.py``), under 1 ms a sentence once loaded. The low-accuracy
mode (18 MB) took "where is my order" for Norwegian; langid.py needs 165 MB and 6 s to load.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import Language, LanguageDetector

# the languages Baton detects, whatever an assistant serves, so that a customer writing a
# language the assistant does not serve is still recorded as writing it (agents see it)
DETECTED = ("en", "nb", "sv", "fi", "pl")

# a text needs this many words and letters before detection is trusted
MIN_WORDS = 2
MIN_LETTERS = 8
# the best language's confidence must be at least this and this far above the second's:
# on the measured sentences the right answer was never below 0.42 nor closer than 0.22
MIN_CONFIDENCE = 0.4
MIN_MARGIN = 0.15

# what channels and browsers send that means one of our codes
_ALIASES = {"no": "nb", "nn": "nb", "nob": "nb", "nno": "nb", "swe": "sv", "fin": "fi",
            "pol": "pl", "eng": "en"}  # fmt: skip


# how the console names a language (others show their code)
NAMES = {"en": "English", "nb": "Norwegian (bokmål)", "sv": "Swedish", "fi": "Finnish",
         "pl": "Polish", "da": "Danish", "de": "German", "nn": "Norwegian (nynorsk)"}  # fmt: skip


def name(code: str) -> str:
    return NAMES.get(code, code)


def normalise(code: str | None) -> str | None:
    """A BCP 47 tag or ISO 639 code as Baton's two-letter code: ``nb-NO``, ``no``, ``nn`` →
    ``nb``; ``sv-SE`` → ``sv``; None for nothing usable."""
    if not code:
        return None
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    if not primary.isalpha() or not 2 <= len(primary) <= 3:
        return None
    return _ALIASES.get(primary, primary)


def served(code: str | None, languages: Iterable[str]) -> str | None:
    """The served language a channel hint (``navigator.language``, Telegram's
    ``language_code``) means, or None when the assistant does not serve it."""
    language = normalise(code)
    return language if language is not None and language in set(languages) else None


class _Detectors:
    """One lingua detector per set of candidate languages, built on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: dict[frozenset[str], LanguageDetector] = {}

    def get(self, candidates: frozenset[str]) -> tuple[LanguageDetector, dict[Language, str]]:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        languages: dict[Language, str] = {}
        for code in candidates:
            try:
                languages[Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))] = code
            except (AttributeError, ValueError):
                continue  # a code lingua does not know cannot be detected
        key = frozenset(languages.values())
        with self._lock:
            detector = self._built.get(key)
            if detector is None:
                detector = (
                    LanguageDetectorBuilder.from_languages(*languages)
                    .with_preloaded_language_models()
                    .build()
                )
                self._built[key] = detector
        return detector, languages


_detectors = _Detectors()


def candidates_for(languages: Iterable[str]) -> tuple[str, ...]:
    """What to detect among for an assistant serving ``languages``."""
    return tuple(sorted(set(languages) | set(DETECTED)))


def detect(text: str, candidates: Iterable[str]) -> str | None:
    """The language of ``text`` among ``candidates`` (two-letter codes), or None when the
    text is too short, has no letters of a candidate's script, or the guess is not confident.

    Blocking (the first call loads the models): call it in a thread from async code.
    """
    wanted = frozenset(c for c in candidates if c)
    words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
    letters = sum(ch.isalpha() for ch in text)
    if len(wanted) < 2 or len(words) < MIN_WORDS or letters < MIN_LETTERS:
        # one candidate: nothing to tell apart, and a wrong "yes" costs more than a None
        return None
    detector, codes = _detectors.get(wanted)
    if len(codes) < 2:
        return None
    values = detector.compute_language_confidence_values(text)
    if not values:
        return None
    best = values[0]
    second = values[1].value if len(values) > 1 else 0.0
    if best.value < MIN_CONFIDENCE or best.value - second < MIN_MARGIN:
        return None
    return codes.get(best.language)


def warm(candidates: Iterable[str]) -> None:
    """Load the models now (start-up, in the background) rather than on a first message."""
    wanted = frozenset(candidates)
    if len(wanted) >= 2:
        _detectors.get(wanted)


# What customers call each language, in the five languages (stems: "angielsk" covers
# angielski/angielsku, "englann" englanniksi, "norsk" norsk/norska, "ruotsi" ruotsiksi)
_LANGUAGE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("english", "engelsk", "englan", "englann", "angielsk", "eng"),
    "nb": ("norwegian", "norsk", "bokmål", "bokmal", "norja", "norwesk", "norweg"),
    "sv": ("swedish", "svensk", "ruotsi", "szwedzk"),
    "fi": ("finnish", "finsk", "suome", "suomi", "suomeksi", "fińsk", "finsku"),
    "pl": ("polish", "polsk", "puola", "polski", "polsku", "polskiego"),
}
# words that make a message about a language a request to speak it
_SWITCH_CUES = frozenset(
    "speak talk write chat continue switch change answer reply in please language "
    "snakke prate skrive fortsette bytte svare på språk kan vi "
    "tala prata skriva fortsätta byta svara språk "
    "puhua puhutaan puhutko kirjoittaa jatketaan vaihda vastaa kieli kielellä voimmeko "
    "mówić mowic rozmawiać rozmawiac pisać pisac kontynuować zmień zmien odpowiadać po język "
    "jezyk proszę prosze czy możemy mozemy "
    # "English, thanks": a language and a courtesy is a request too
    "thanks thank you takk tack kiitos dzięki dzieki dziękuję dziekuje ok".split()
)
_MAX_SWITCH_WORDS = 7


def requested(text: str, served: Iterable[str]) -> str | None:
    """The served language a short message asks to switch to ("can we speak English?",
    "på norsk, takk", "po polsku proszę", "suomeksi"), or None.

    Only short messages count, and only with a request word or the language alone: a
    question that merely names a language ("do you ship to Sweden?") is not a switch."""
    words = [w.strip(".,!?¿¡:;\"'()").casefold() for w in text.split()]
    words = [w for w in words if w]
    if not words or len(words) > _MAX_SWITCH_WORDS:
        return None
    wanted = set(served)
    found: set[str] = set()
    for word in words:
        for code, stems in _LANGUAGE_WORDS.items():
            if code in wanted and any(
                word == stem or (len(stem) >= 4 and word.startswith(stem)) for stem in stems
            ):
                found.add(code)
    if len(found) != 1:
        return None
    language = found.pop()
    rest = [w for w in words if not any(w.startswith(s) for s in _LANGUAGE_WORDS[language])]
    if not rest or any(w in _SWITCH_CUES for w in rest):
        return language
    return None

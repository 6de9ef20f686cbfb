"""Customer sentiment, locally, in the languages Baton serves: -1 (very negative) .. +1.

English is VADER's (its lexicon ships with its package; no network). Norwegian, Swedish,
Finnish and Polish have a small lexicon each, scored the way VADER scores: a word's valence,
flipped and damped by a negation just before it, raised by an intensifier, summed and
normalised to -1 .. +1 with VADER's constant. Finnish and Polish inflect, so their entries
are stems matched at the start of a word (at least five letters); short entries match whole
words only. A language without a lexicon is not measured: :func:`sentiment` returns None and
the console says so — never an English score of Polish text.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# VADER's normalisation constant: compound = sum / sqrt(sum² + ALPHA)
ALPHA = 15.0
NEGATION_SCALE = -0.74  # VADER's N_SCALAR
INTENSIFIER_SCALE = 1.3
NEGATION_REACH = 3  # a negation flips the next three words
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


class Lexicon:
    """One language's valences, negations and intensifiers."""

    def __init__(
        self, valences: dict[str, float], negations: str, intensifiers: str, min_stem: int = 5
    ) -> None:
        self._whole = {w: v for w, v in valences.items() if len(w) < min_stem}
        self._stems = sorted(
            ((w, v) for w, v in valences.items() if len(w) >= min_stem), key=lambda p: -len(p[0])
        )
        self.negations = frozenset(negations.split())
        self.intensifiers = frozenset(intensifiers.split())

    def valence(self, word: str) -> float:
        if word in self._whole:
            return self._whole[word]
        for stem, value in self._stems:
            if word.startswith(stem):
                return value
        return 0.0

    def score(self, text: str) -> float:
        words = [w.casefold() for w in _WORD.findall(text)]
        total = 0.0
        for i, word in enumerate(words):
            value = self.valence(word)
            if not value:
                continue
            before = words[max(0, i - NEGATION_REACH) : i]
            if before and before[-1] in self.intensifiers:
                value *= INTENSIFIER_SCALE
            if any(w in self.negations for w in before):
                value *= NEGATION_SCALE
            total += value
        total += min(text.count("!"), 4) * 0.29 * (1 if total > 0 else -1 if total < 0 else 0)
        return total / math.sqrt(total * total + ALPHA) if total else 0.0


_NB = Lexicon(
    {
        "dårlig": -2, "elendig": -3, "forferdelig": -3, "fryktelig": -2.5, "sint": -2.5,
        "irritert": -2, "irriterende": -2, "frustrert": -2.5, "frustrerende": -2.5,
        "skuffet": -2, "skuffende": -2, "håpløs": -2.5, "latterlig": -2, "ubrukelig": -2.5,
        "katastrofe": -3, "svindel": -3, "drit": -3, "dritt": -3, "jævlig": -2.5,
        "forbanna": -3, "forbannet": -3, "ødelagt": -2, "treg": -1.5, "uakseptabel": -2.5,
        "uhørt": -2.5, "skandale": -3, "råtten": -2.5, "hater": -3, "misfornøyd": -2,
        "utilfreds": -2, "klage": -1, "problem": -1, "feil": -1, "lei": -1.5, "sur": -1.5,
        "bra": 2, "flott": 2.5, "super": 2.5, "supert": 2.5, "fantastisk": 3, "takk": 1.5,
        "fornøyd": 2, "glad": 2, "perfekt": 3, "utmerket": 3, "hjelpsom": 2, "kjempebra": 3,
        "strålende": 3, "fint": 2, "fin": 1.5, "topp": 2.5, "elsker": 3, "digg": 2,
    },
    "ikke ikkje aldri ingen ingenting verken",
    "veldig svært kjempe utrolig helt så altfor skikkelig",
)  # fmt: skip
_SV = Lexicon(
    {
        "dålig": -2, "usel": -2.5, "hemsk": -3, "fruktansvärd": -3, "förskräcklig": -3,
        "arg": -2.5, "irriterad": -2, "irriterande": -2, "frustrerad": -2.5,
        "frustrerande": -2.5, "besviken": -2, "besvikelse": -2, "hopplös": -2.5, "löjlig": -2,
        "oanvändbar": -2.5, "katastrof": -3, "bedrägeri": -3, "skit": -3, "jävla": -2.5,
        "förbannad": -3, "trasig": -2, "sönder": -1.5, "långsam": -1.5, "oacceptabel": -2.5,
        "skandal": -3, "hatar": -3, "missnöjd": -2, "otrevlig": -2, "klagomål": -1.5,
        "problem": -1, "fel": -1, "sur": -1.5,
        "bra": 2, "toppen": 2.5, "super": 2.5, "fantastisk": 3, "tack": 1.5, "nöjd": 2,
        "glad": 2, "perfekt": 3, "utmärkt": 3, "hjälpsam": 2, "jättebra": 3, "underbar": 3,
        "fint": 2, "älskar": 3, "grym": 2.5, "smidig": 1.5,
    },
    "inte aldrig ingen inget inga ej varken",
    "väldigt mycket jätte otroligt helt så alldeles riktigt",
)  # fmt: skip
_FI = Lexicon(
    {
        "huono": -2, "huonosti": -2, "surkea": -2.5, "kamala": -3, "kauhea": -3, "hirveä": -3,
        "vihainen": -2.5, "vihastu": -2.5, "ärsyttä": -2, "ärsyynt": -2, "turhautu": -2.5,
        "turhauttava": -2.5, "pettynyt": -2, "pettymys": -2, "toivoton": -2.5,
        "naurettava": -2, "käyttökelvoton": -2.5, "katastrofi": -3, "huijaus": -3,
        "huijari": -3, "paska": -3, "perkele": -2.5, "vittu": -3, "rikki": -2, "hidas": -1.5,
        "ongelma": -1, "vika": -1, "virhe": -1, "valitus": -1.5, "vihaan": -3,
        "skandaali": -3, "mahdoton": -2, "tyytymätön": -2, "törkeä": -2.5, "kehno": -2,
        "hyvä": 2, "hyvin": 1.5, "loistava": 3, "mahtava": 3, "upea": 3, "kiitos": 1.5,
        "kiitti": 1.5, "tyytyväinen": 2, "iloinen": 2, "täydellinen": 3, "erinomainen": 3,
        "avulias": 2, "helppo": 1, "kiva": 2, "rakastan": 3, "super": 2.5, "huippu": 2.5,
    },
    "ei en et emme ette eivät älä",
    "todella tosi erittäin aivan niin ihan aika hyvin",
)  # fmt: skip
_PL = Lexicon(
    {
        "zły": -2, "zła": -2, "złe": -2, "źle": -2, "beznadziej": -2.5, "okropn": -3,
        "straszn": -3, "fataln": -3, "wkurz": -3, "zdenerwowan": -2.5, "irytując": -2,
        "irytuj": -2, "sfrustrowan": -2.5, "rozczarowan": -2, "żenując": -2.5,
        "bezużyteczn": -2.5, "katastrof": -3, "oszust": -3, "oszukan": -3, "gówno": -3,
        "kurwa": -3, "cholera": -2.5, "zepsut": -2, "uszkodzon": -2, "problem": -1,
        "błąd": -1, "reklamacj": -1.5, "skarg": -1.5, "nienawidz": -3, "skandal": -3,
        "niedopuszczaln": -2.5, "tragedi": -2.5, "tragiczn": -3, "niezadowolon": -2,
        "dobry": 2, "dobrze": 1.5, "dobra": 1, "świetn": 3, "super": 2.5, "wspaniał": 3,
        "doskonał": 3, "idealn": 3, "dziękuj": 1.5, "dzięki": 1.5, "zadowolon": 2,
        "szczęśliw": 2, "pomocn": 2, "łatw": 1, "fajn": 2, "kocham": 3, "rewelac": 3,
    },
    "nie nigdy żaden żadna żadne ani",
    "bardzo naprawdę totalnie całkowicie tak strasznie",
)  # fmt: skip

LEXICONS: dict[str, Lexicon] = {"nb": _NB, "sv": _SV, "fi": _FI, "pl": _PL}
MEASURED = frozenset({"en", *LEXICONS})


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment(text: str, language: str | None = "en") -> float | None:
    """-1 (very negative) .. +1 (very positive) in ``language``; None when Baton has no
    lexicon for it. ``language`` None (not known yet) is read as English, VADER's."""
    if language in (None, "en"):
        return float(_vader().polarity_scores(text)["compound"])
    lexicon = LEXICONS.get(language)
    return None if lexicon is None else round(lexicon.score(text), 4)

"""Identity details in free text, found by a blank spaCy pipeline and token rules.

Rasa's entity extractors learn from examples and miss details said in passing ("it's for
maria.lopez@mail.com, order 12345 — I'm Maria Lopez"). Before the bot asks for a detail, it
looks for it in everything the customer already wrote, so nobody is asked twice. spaCy
supplies the tokenizer and token attributes (digit shapes, casing); the patterns below say
what a name, an email, an order number and a phone number look like, and the vocabulary in
``LANGUAGES`` says how customers introduce themselves and label numbers in English,
Norwegian, Swedish, Finnish and Polish. Every language is tried unless a hint names one, so
nobody has to know the customer's language first. What is found is still validated by the
rules in ``actions.parsing`` before it fills a slot.

No trained model is needed (none can be downloaded here): a blank pipeline with an
``entity_ruler`` is deterministic and loads in milliseconds. The English tokenizer splits
these languages' sentences as well as their own blank tokenizers do.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import Matcher
    from spacy.tokens import Doc, Span

from baton_actions.parsing import parse_email

EMAIL: Final = "EMAIL"
ORDER_NUMBER: Final = "ORDER_NUMBER"
PHONE: Final = "PHONE"
PERSON: Final = "PERSON"
# what the words before a number call it, besides an order number or a phone number
OTHER_NUMBER: Final = "OTHER_NUMBER"

# an email, maybe glued to a label ("e-mail:anna@example.pl"); letters beyond ASCII allowed
_EMAIL_TOKEN: Final = r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}"
# an order number: 5 to 8 digits, maybe glued to a label ("nr.12345", "tilausnumero:12345")
_ORDER_TOKEN: Final = re.compile(r"^(?:([^\W\d_]+)[.:]?|#)?(\d{5,8})$")
# a phone number written as one token: 9 to 15 digits, maybe after a +
_PHONE_TOKEN: Final = r"^\+?\d{9,15}$"
_PHONE_LEAD: Final = r"^\+?\d{1,4}$"
_DIGIT_GROUP: Final = r"^\d{2,8}$"
_SEPARATOR: Final[dict[str, Any]] = {"ORTH": {"IN": ["-", "."]}, "OP": "?"}
_PHONE_DIGITS: Final = range(9, 16)  # what a written phone number must add up to
# Norwegian numbers have 8 digits, grouped "912 34 567" or "22 12 34 56"
_EIGHT_DIGIT_GROUPINGS: Final = frozenset({(3, 2, 3), (2, 2, 2, 2)})
_LABELLED_PHONE_DIGITS: Final = range(8, 16)  # after "mobil", "puh." a number may be shorter

# Words between a label and its number: "ordrenummeret mitt er 12345", "numer zamówienia:
# 12345", "order no. 12345", "zamówienie o numerze 12345".
_FILLERS: Final = frozenset(
    ": . # - = ( ) 's is was my the our your number no num nr nro n :o "
    "er var mitt min mine vårt vår med nummer nummeret numret är "
    "on oli minun mun numero numeroni numerolla "
    "to jest był była wynosi mój moj moje moja mojego numer numeru numerem numerze o".split()
)
_LOOKBACK: Final = 5  # tokens searched before a number for its label
_CURRENCIES: Final = frozenset(
    "€ $ £ kr kr. nok sek eur euro euros euroa dollars usd pln zł zl złotych zlotych "
    "kronor kroner".split()
)
_NAME_PARTICLES: Final = frozenset(
    {"de", "van", "von", "der", "da", "di", "la", "le", "del", "af", "av"}
)
_MAX_NAME_TOKENS: Final = 4


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """How customers writing one language introduce themselves and label numbers.

    Phrases are words separated by spaces, each word a choice of spellings separated by
    ``|`` (customers often type without diacritics: "nazywam sie"). A name follows an
    introduction; a *weak* introduction ("I'm", "olen") also precedes other things, so
    its name is also checked against `not_after_weak`. Labels are regexes for one
    lowercased word: what names an order, a phone, or a number that is neither.
    """

    introductions: tuple[str, ...]
    weak_introductions: tuple[str, ...] = ()
    order_words: str = "(?!)"
    phone_words: str = "(?!)"
    other_number_words: str = "(?!)"
    # capitalised words that end a name: sentence starts and greetings, not names
    not_names: frozenset[str] = field(default_factory=frozenset)
    # a word this language inflects so that it cannot be a name ("olen Helsingistä")
    not_after_weak: str = "(?!)"


LANGUAGES: Final[dict[str, Vocabulary]] = {
    "en": Vocabulary(
        introductions=("my name is|'s", "name :", "i am|'m", "im", "this is", "call me"),
        order_words=r"orders?|order's|order#",
        phone_words=r"phone|telephone|tel|mobile|cell|cellphone",
        other_number_words=r"zip|postcode|postal|customer|account|invoice|iban|tracking",
        not_names=frozenset("i and my order email phone thanks thank please hi hello".split()),
    ),
    "nb": Vocabulary(
        introductions=(
            "jeg heter",
            "navnet mitt er",
            "mitt navn er",
            "navn|navnet :",
            "hilsen|mvh",
            "vennlig hilsen",
            "med vennlig hilsen",
        ),
        weak_introductions=("jeg er", "dette er"),
        order_words=r"ordre\w*|bestilling\w*",
        phone_words=r"telefon\w*|tlf|mobil\w*",
        other_number_words=r"post(?:nummer|nr)\w*|kunde\w*|konto\w*|faktura\w*|beløp\w*"
        r"|sporing\w*|adresse\w*|org(?:\.?nr)?|organisasjons\w*",
        not_names=frozenset("jeg og min mitt er har hei hallo takk ordrenummeret".split()),
    ),
    "sv": Vocabulary(
        introductions=(
            "jag heter",
            "mitt namn är|ar",
            "namnet är|ar",
            "namn :",
            "hälsningar|halsningar|mvh",
            "vänliga|vanliga hälsningar|halsningar",
            "med vänlig|vanlig hälsning|halsning",
        ),
        weak_introductions=("jag är|ar", "det här|har är|ar"),
        order_words=r"order\w*|beställning\w*|bestallning\w*",
        phone_words=r"telefon\w*|tel|mobil\w*",
        other_number_words=r"post(?:nummer|nr)\w*|kund\w*|konto\w*|faktura\w*|belopp\w*"
        r"|spårning\w*|adress\w*|org(?:\.?nr)?|organisations\w*|person(?:nummer|nr)\w*",
        not_names=frozenset("jag och min mitt är har hej hallå tack".split()),
    ),
    "fi": Vocabulary(
        introductions=(
            "nimeni on",
            "minun nimeni on",
            "mun nimi on",
            "nimi on",
            "nimi :",
            "terveisin",
            "ystävällisin|ystavallisin terveisin",
        ),
        weak_introductions=("olen", "minä|mina olen", "oon", "mä|ma oon", "tässä|tassa"),
        order_words=r"tilau[sk]\w*",
        phone_words=r"puh|puhelin\w*|gsm|kännykkä\w*|kannykka\w*",
        other_number_words=r"postinumero\w*|asiakas\w*|tili\w*|lasku\w*|seuranta\w*"
        r"|osoite\w*|hinta\w*|summa\w*",
        not_names=frozenset("ja minun mun on olen hei moi terve kiitos".split()),
        # locative and separative cases: "olen Helsingissä / Tampereelta / Oulusta"
        not_after_weak=r".*(?:ssa|ssä|sta|stä|lla|llä|lta|ltä|lle)",
    ),
    "pl": Vocabulary(
        introductions=(
            "nazywam się|sie",
            "mam na imię|imie",
            "moje imię|imie to",
            "moje imię|imie i nazwisko to",
            "imię|imie i nazwisko :",
            "imię|imie :",
            "z tej strony",
            "pozdrawiam",
            "pozdrawiam serdecznie",
            "serdecznie pozdrawiam",
            "z poważaniem|powazaniem",
        ),
        weak_introductions=("jestem", "tu"),
        order_words=r"zam[óo]wie[nń]\w*",
        phone_words=r"telefon\w*|tel|komórk\w*|komork\w*|komórkow\w*",
        other_number_words=r"kod\w*|pocztow\w*|klient\w*|kont[oa]|koncie|faktur\w*|kwot\w*"
        r"|przesyłk\w*|przesylk\w*|adres\w*|nip|pesel",
        not_names=frozenset(
            "i oraz a mój moje moja mam jestem dzień dobry witam dziękuję proszę piszę".split()
        ),
        # instrumental: "jestem Polakiem", "jestem Polką"
        not_after_weak=r".*(?:iem|em|ą)",
    ),
}
# words that start a sentence or greet, in any language: no town after a postcode either
_SENTENCE_WORDS: Final = frozenset().union(*(v.not_names for v in LANGUAGES.values()))
# customers write "no"/"nn" for Norwegian, "sv-SE" for Swedish
_LANGUAGE_ALIASES: Final = {"no": "nb", "nn": "nb"}


@dataclass(frozen=True, slots=True)
class Found:
    """Details found in one text; each the first occurrence, or None."""

    name: str | None = None
    email: str | None = None
    order_number: str | None = None
    phone: str | None = None


def _phone_patterns() -> list[dict[str, Any]]:
    """ "+49 151 2345 6789", "0612-345678", "(030) 1234567": a lead group (maybe in
    parentheses) and one to four more digit groups, maybe joined by - or ."""
    patterns: list[dict[str, Any]] = [
        {"label": PHONE, "pattern": [{"TEXT": {"REGEX": _PHONE_TOKEN}}]}
    ]
    leads: list[list[dict[str, Any]]] = [
        [{"TEXT": {"REGEX": _PHONE_LEAD}}],
        [{"ORTH": "("}, {"TEXT": {"REGEX": _PHONE_LEAD}}, {"ORTH": ")"}],
    ]
    for lead in leads:
        for groups in range(1, 5):
            pattern = list(lead)
            for _ in range(groups):
                pattern += [_SEPARATOR, {"TEXT": {"REGEX": _DIGIT_GROUP}}]
            patterns.append({"label": PHONE, "pattern": pattern})
    return patterns


_ENTITY_PATTERNS: Final = [
    {"label": EMAIL, "pattern": [{"TEXT": {"REGEX": _EMAIL_TOKEN}}]},
    {"label": ORDER_NUMBER, "pattern": [{"TEXT": {"REGEX": _ORDER_TOKEN.pattern}}]},
    *_phone_patterns(),
]


def _phrase_pattern(phrase: str) -> list[dict[str, Any]]:
    return [{"LOWER": {"IN": word.split("|")}} for word in phrase.split()]


def _import_spacy_without_torch() -> None:
    """Import spaCy without letting its thinc import torch: thinc loads torch (some 400 MB
    per process) whenever it is installed, for models this module never runs (it uses a
    blank tokenizer and matchers). A ``None`` in ``sys.modules`` makes ``import torch`` fail
    while spaCy loads; a later import of torch elsewhere works as usual."""
    if "torch" in sys.modules or "thinc" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy  # noqa: F401
    finally:
        del sys.modules["torch"]


@cache
def pipeline() -> tuple[Language, Matcher]:
    """The shared blank pipeline with its entity rules, and the introduction matcher.

    The matcher's keys are a language code, with ":weak" for weak introductions.
    """
    _import_spacy_without_torch()
    import spacy
    from spacy.matcher import Matcher

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(_ENTITY_PATTERNS)  # type: ignore[attr-defined]
    introductions = Matcher(nlp.vocab)
    for code, vocabulary in LANGUAGES.items():
        introductions.add(code, [_phrase_pattern(p) for p in vocabulary.introductions])
        if vocabulary.weak_introductions:
            weak = [_phrase_pattern(p) for p in vocabulary.weak_introductions]
            introductions.add(f"{code}:weak", weak)
    return nlp, introductions


def languages(hint: str | None = None) -> tuple[str, ...]:
    """The languages tried for a customer: the hinted one and English, or all of them.

    A hint such as "pl", "sv-SE" or "no" narrows the rules (fewer false finds); a hint for
    a language without rules, or none, tries every language.
    """
    if hint:
        code = hint.lower().replace("_", "-").split("-")[0]
        code = _LANGUAGE_ALIASES.get(code, code)
        if code in LANGUAGES:
            return ("en",) if code == "en" else ("en", code)
    return tuple(LANGUAGES)


def find_identity(text: str, language: str | None = None) -> Found:
    """The name, email, order number and phone number written in `text`, where present.

    `language` (a code such as "nb", "sv", "fi", "pl") is an optional hint; without it
    every language's patterns are tried. An order number named as such ("ordre nr. 12345")
    wins over a bare one; a number named as something else (a postcode, a customer number,
    an amount) is never an order number.
    """
    codes = languages(language)
    nlp, introductions = pipeline()
    doc = nlp(text)
    labels = _Labels(codes)
    email = phone = named_order = bare_order = None
    for span in doc.ents:  # the ruler keeps the longest match: a phone is never an order
        label = labels.before(doc, span.start)
        if span.label_ == EMAIL:
            email = email or parse_email(span.text)
        elif span.label_ == PHONE:
            if _is_phone(span, label):
                phone = phone or span.text
        elif span.label_ == ORDER_NUMBER:
            match = _ORDER_TOKEN.match(span.text)
            if match is None:
                continue
            prefix, digits = match.groups()
            if prefix:
                glued = labels.word(prefix)
                if glued is None and prefix.lower() not in _FILLERS:
                    continue  # letters and digits, like "SE12345": a code, not a number
                label = glued or label
            if label == PHONE:
                if len(digits) in _LABELLED_PHONE_DIGITS:
                    phone = phone or digits
            elif label == ORDER_NUMBER:
                named_order = named_order or digits
            elif label is None and not _is_amount_or_postcode(doc, span):
                bare_order = bare_order or digits
    return Found(
        name=_introduced_name(doc, introductions, codes, labels),
        email=email,
        order_number=named_order or bare_order,
        phone=phone,
    )


def find_in_messages(texts: Iterable[str], language: str | None = None) -> Found:
    """Details across several messages, the most recent mention of each winning."""
    found: dict[str, str | None] = {
        "name": None,
        "email": None,
        "order_number": None,
        "phone": None,
    }
    for text in texts:
        latest = find_identity(text, language)
        for key in found:
            value = getattr(latest, key)
            if value is not None:
                found[key] = value
    return Found(**found)


class _Labels:
    """What a word names (an order, a phone, another number) in the languages tried."""

    def __init__(self, codes: Iterable[str]) -> None:
        vocabularies = [LANGUAGES[code] for code in codes]
        self._kinds = [
            (kind, re.compile("|".join(f"(?:{getattr(v, words)})" for v in vocabularies)))
            for kind, words in (
                (ORDER_NUMBER, "order_words"),
                (PHONE, "phone_words"),
                (OTHER_NUMBER, "other_number_words"),
            )
        ]

    def word(self, word: str) -> str | None:
        """ORDER_NUMBER, PHONE or OTHER_NUMBER for a label word, else None."""
        word = word.lower().rstrip(".:")
        for kind, pattern in self._kinds:
            if pattern.fullmatch(word):
                return kind
        return None

    def before(self, doc: Doc, start: int) -> str | None:
        """What the nearest word before token `start`, fillers skipped, calls the number."""
        for token in reversed(doc[max(0, start - _LOOKBACK) : start]):
            if token.lower_ not in _FILLERS:
                return self.word(token.lower_)
        return None


def _is_phone(span: Span, label: str | None) -> bool:
    """Whether digit groups make a phone number: enough digits, and not named otherwise."""
    if label in (ORDER_NUMBER, OTHER_NUMBER):
        return False
    digits = sum(c.isdigit() for c in span.text)
    if digits in _PHONE_DIGITS:
        return True
    if label == PHONE:
        return digits in _LABELLED_PHONE_DIGITS
    groups = tuple(len(t.text) for t in span if t.text.isdigit())
    return groups in _EIGHT_DIGIT_GROUPINGS  # a Norwegian number, not a date or a price


def _is_amount_or_postcode(doc: Doc, span: Span) -> bool:
    """Whether a bare number is a price ("15000 zł", "€12500") or a postcode before a town
    ("00100 Helsinki"), not an order number nobody named."""
    after = doc[span.end] if span.end < len(doc) else None
    before = doc[span.start - 1] if span.start > 0 else None
    if (after is not None and after.lower_ in _CURRENCIES) or (
        before is not None and before.lower_ in _CURRENCIES
    ):
        return True
    return (
        after is not None
        and len(span.text) == 5
        and after.is_title
        and len(after) > 1
        and after.is_alpha
        and after.lower_ not in _SENTENCE_WORDS
    )


def _introduced_name(
    doc: Doc, introductions: Matcher, codes: tuple[str, ...], labels: _Labels
) -> str | None:
    """The capitalised words after "my name is", "jeg heter", "nazywam się"…, or None."""
    from spacy.tokens import Span
    from spacy.util import filter_spans

    spans = filter_spans(
        [
            Span(doc, start, end, label=match_id)
            for match_id, start, end in introductions(doc)
            if doc.vocab.strings[match_id].split(":")[0] in codes
        ]
    )
    for intro in spans:
        code, _, weak = intro.label_.partition(":")
        vocabulary = LANGUAGES[code]
        not_names = vocabulary.not_names | LANGUAGES["en"].not_names
        inflected = re.compile(vocabulary.not_after_weak)
        start = intro.end
        while start < len(doc) and doc[start].text in (",", ":"):
            start += 1  # "Pozdrawiam, Anna"; "imię: Anna"
        words: list[str] = []
        for token in doc[start : start + _MAX_NAME_TOKENS]:
            if token.lower_ in not_names or labels.word(token.text) is not None:
                break
            if weak and inflected.fullmatch(token.lower_):
                break
            if token.is_alpha and (token.is_title or (words and token.lower_ in _NAME_PARTICLES)):
                words.append(token.text)
            elif token.text in ("-", "'") and words:
                words.append(token.text)
            else:
                break
        while words and (words[-1] in ("-", "'") or words[-1].lower() in _NAME_PARTICLES):
            words.pop()
        if words:
            return "".join(
                w if i == 0 or w in ("-", "'") or words[i - 1] in ("-", "'") else f" {w}"
                for i, w in enumerate(words)
            )
    return None

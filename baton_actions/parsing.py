"""Pure checks that turn what a customer typed into a clean slot value, or say why not.

Slot candidates reach the form validators either as an entity value or, when the form asked
for that slot, as the customer's whole message; every function here accepts both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

_EMAIL: Final = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# An order number stands alone: 5 to 8 digits, not part of a longer run or of digit groups
# ("0612 345678" is a phone number). The same pattern is the order_number regex of the NLU
# data (bot/data/nlu/inform.yml).
_ORDER_NUMBER_IN_TEXT: Final = re.compile(r"(?<![\d+])(?<!\d[ .-])\d{5,8}(?![ .-]?\d)")
# anything a customer may have meant as a number, digit groups included
_NUMBER_LIKE: Final = re.compile(r"\+?\d(?:[\d .-]*\d)?")

# How customers say they have no order number (or do not want to give it).
_NO_ORDER_NUMBER: Final = re.compile(
    r"\b(?:no|nope|nah|none|skip|dunno|n/?a|not? sure|no idea|"
    r"(?:do ?n[o']?t|dont|haven'?t|have not|never) (?:have|got|know|remember|received?)|"
    r"(?:can'?t|cannot|could ?n'?t) (?:find|remember|see)|lost (?:it|the)|"
    r"without (?:an? )?order)\b"
    # Norwegian and Swedish: "jeg har ikke (noe)", "vet ikke", "har inget", "hopp over"
    r"|\b(?:nei|nej|ingen|inget|intet|har (?:ikke|inte|ikkje)|vet (?:ikke|inte)|"
    r"husker (?:ikke|det ikke)|minns (?:inte|det inte)|hopp(?:a)? over|hoppa över|"
    r"finner (?:det )?ikke|hittar (?:det )?inte)\b"
    # Finnish: "ei ole", "en tiedä", "en muista", "ohita"; Polish: "nie mam", "nie wiem",
    # "nie pamiętam", "pomiń", "brak"
    r"|\b(?:ei (?:ole|oo)|ei mit[äa][äa]n|en (?:tied[äa]|muista|l[öo]yd[äa])|ohita|"
    r"nie (?:mam|wiem|pami[eę]tam|znam|mog[eę] znale[zź][cć])|pomi[nń]|brak)(?!\w)",
    re.IGNORECASE,
)

# English, then Norwegian, Swedish, Finnish and Polish (as in extraction.LANGUAGES)
_NAME_INTRO: Final = re.compile(
    r"^(?:(?:hi|hello|hey|hei|hej|hallo|moi|terve|witam|dzie[nń] dobry)\b[\s,!.]*)?"
    r"(?:my name is|my name's|name is|name's|names|name:|i am|i'm|im|it is|it's|its|this is"
    r"|call me|you can call me"
    r"|jeg heter|navnet mitt er|mitt navn er|navn:|jeg er|dette er"
    r"|jag heter|mitt namn [äa]r|namnet [äa]r|namn:|jag [äa]r|det h[äa]r [äa]r"
    r"|(?:minun )?nimeni on|mun nimi on|nimi on|nimi:|(?:min[äa] )?olen|t[äa]ss[äa]"
    r"|nazywam si[eę]|mam na imi[eę]|moje imi[eę](?: i nazwisko)? to|imi[eę]:|jestem"
    r"|z tej strony)\s+",
    re.IGNORECASE,
)
_NAME_SUFFIX: Final = re.compile(r"\s+here$", re.IGNORECASE)
# letters with inner apostrophes (also U+2019, which phones type), hyphens or dots
_NAME_WORD: Final = re.compile(r"[^\W\d_]+(?:['\u2019.-][^\W\d_]+)*\.?")
_NAME_PART_START: Final = re.compile(r"(?:^|(?<=[\s'\u2019-]))\w")
_MAX_NAME_WORDS: Final = 4
_MAX_NAME_LENGTH: Final = 60
# Words that turn up in sentences typed at the name prompt but practically never in names.
_NOT_NAME_WORDS: Final = frozenset(
    "i me my you your we want need would like talk speak chat human agent person someone "
    "somebody real order orders help please what why how when where who is are was the a an "
    "to not no yes yeah ok okay do don't dont have can can't cannot thanks thank hello hi hey "
    "email mail number phone skip none nope bot refund return delivery with for it this that "
    "of and or just about "
    # the same in Norwegian, Swedish, Finnish and Polish
    "jeg jag og och ikke inte vil vill snakke prata med ja ei haluan puhua kanssa "
    "nie tak chcę chce rozmawiać rozmawiac z konsultantem".split()
)


def parse_email(text: str) -> str | None:
    """The first email address in `text`, or None."""
    match = _EMAIL.search(text)
    return match.group(0).strip(".'") if match else None


@dataclass(frozen=True, slots=True)
class OrderNumberReading:
    """What a message says about an order number.

    Exactly one of: `number` (a well-formed order number found), `declined` (the customer
    has none or wants to skip it), `wrong_length` (the digits they typed, too few or too
    many), or none of them (nothing resembling an order number).
    """

    number: str | None = None
    declined: bool = False
    wrong_length: str | None = None


def read_order_number(text: str, *, said_no: bool = False) -> OrderNumberReading:
    """Read an order number from `text`; `said_no` marks a message classified as a denial.

    A number anywhere in the message wins over any "no" ("no, it's 12345"); a message
    without digits that declines (or `said_no`) reads as declined.
    """
    match = _ORDER_NUMBER_IN_TEXT.search(text)
    if match:
        return OrderNumberReading(number=match.group(0))
    if said_no or _NO_ORDER_NUMBER.search(text):
        return OrderNumberReading(declined=True)
    digit_strings = ["".join(filter(str.isdigit, n)) for n in _NUMBER_LIKE.findall(text)]
    if digit_strings:
        return OrderNumberReading(wrong_length=max(digit_strings, key=len))
    return OrderNumberReading()


def parse_name(text: str) -> str | None:
    """A person's name from `text` ("Anna", "my name is Jean-Luc Picard"), or None.

    Accepts one to four words of letters (with inner hyphens, apostrophes or dots) after an
    optional "my name is"-style introduction. All-lowercase names are capitalised.
    """
    candidate = " ".join(text.split()).strip(" .!,;")
    candidate = _NAME_SUFFIX.sub("", _NAME_INTRO.sub("", candidate)).strip(" .!,;")
    words = candidate.split(" ")
    if not candidate or len(candidate) > _MAX_NAME_LENGTH or len(words) > _MAX_NAME_WORDS:
        return None
    if not all(_NAME_WORD.fullmatch(word) for word in words):
        return None
    if any(word.lower().strip(".") in _NOT_NAME_WORDS for word in words):
        return None
    if candidate.islower():
        candidate = _NAME_PART_START.sub(lambda start: start.group(0).upper(), candidate)
    return candidate


def first_name(name: str | None) -> str | None:
    """The first word of a validated name, for a friendlier reply."""
    return name.split()[0] if name and name.split() else None

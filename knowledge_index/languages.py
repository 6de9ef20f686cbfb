"""The help centre's languages: which ones an article may be written in, and how BM25 reads
each (its Snowball stemmer and stop words).

A language is its ISO 639-1 code. Stemming is what lets "palautusoikeudesta" find
"palautusoikeuden" and "zwrotu towaru" find "zwrot towarów". Every stemmer is Snowball's,
from PyStemmer (BSD), the package that already stemmed English (3.1 has Polish; pystempel's
licence is unclear and simplemma's lemma tables weigh 19 MB). Snowball stems by suffix
rules, so some forms stay apart: Finnish "palautusoikeus" (nominative) is not
"palautusoikeud-" (its other cases). Stop words are bm25s's lists; it has none for Finnish
and Polish, so there BM25's IDF alone keeps the common words cheap.
"""

from __future__ import annotations

DEFAULT_LANGUAGE = "en"

# code -> the Snowball stemmer's name in PyStemmer
STEMMERS: dict[str, str] = {
    "en": "english",
    "nb": "norwegian",
    "sv": "swedish",
    "fi": "finnish",
    "pl": "polish",
}
LANGUAGES: tuple[str, ...] = tuple(STEMMERS)

# code -> bm25s's stop-word list (a language missing here keeps all its words)
STOPWORDS: dict[str, str] = {"en": "en", "nb": "no", "sv": "sv"}


def normalise_language(value: object) -> str | None:
    """``value`` as a known language code (``"NB"`` -> ``"nb"``), or None if it is not one."""
    code = str(value).strip().lower()
    return code if code in STEMMERS else None

"""What Baton says to customers, per language: one message catalogue for every process.

Baton's own texts are in ``baton/locales/<language>.yml`` (English is the reference: every
key is there). An assistant adds its own keys, or rewords Baton's, in its folder's
``locales/<language>.yml``. A text is looked up in the conversation's language, first in the
assistant's file and then in Baton's; a key a language lacks falls back to English, and
``baton check`` lists those keys (:meth:`Catalogue.missing`).

A value with ``one`` / ``few`` / ``many`` / ``other`` keys is a plural: the form is chosen
by the ``count`` parameter with the language's rule (CLDR's, for the languages served here).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)

LOCALES = Path(__file__).resolve().parent / "locales"
REFERENCE = "en"
_CODE = re.compile(r"[a-z]{2,3}")
PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})


class CatalogueError(ValueError):
    """A locale file that cannot be read, or a text asked for that no file has."""


def plural_form(language: str, count: int) -> str:
    """CLDR's cardinal plural category of ``count`` (integers) in ``language``."""
    n = abs(count)
    if language == "pl":
        if n == 1:
            return "one"
        if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
            return "few"
        return "many"
    # English, Norwegian, Swedish, Finnish, Danish, German, …: 1 is "one", the rest "other"
    return "one" if n == 1 else "other"


def _is_plural(value: object) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= PLURAL_FORMS


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested sections as dotted keys; plurals and lists stay whole."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and not _is_plural(value):
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def _read(path: Path) -> dict[str, Any]:
    """The file's texts, read again only when it changes (an edit shows without a restart)."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as error:
        raise CatalogueError(f"cannot read {path}: {error.strerror or error}") from error
    return _parsed(path, stamp)


@lru_cache(maxsize=256)
def _parsed(path: Path, stamp: int) -> dict[str, Any]:
    try:
        tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise CatalogueError(f"cannot read {path}: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise CatalogueError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(tree, dict):
        raise CatalogueError(f"{path}: expected sections of texts, not {type(tree).__name__}")
    return _flatten(tree)


def _files(folder: Path | None, language: str) -> dict[str, Any]:
    if folder is None or not _CODE.fullmatch(language):
        return {}
    path = folder / f"{language}.yml"
    return _read(path) if path.is_file() else {}


class Catalogue:
    """The texts of one assistant: its ``locales/`` folder over Baton's."""

    def __init__(self, languages: Sequence[str], assistant_locales: Path | None = None) -> None:
        self.languages = tuple(languages) or (REFERENCE,)
        exists = assistant_locales is not None and assistant_locales.is_dir()
        self._assistant = assistant_locales if exists else None
        self._warned: set[tuple[str, str]] = set()

    @property
    def default(self) -> str:
        return self.languages[0]

    def language(self, code: str | None) -> str:
        """The served language for ``code``: itself when served, else the default."""
        return code if code in self.languages else self.default

    def has_language(self, code: str | None) -> bool:
        """Whether Baton's or the assistant's locales have texts in ``code``."""
        if not code:
            return False
        return bool(_files(LOCALES, code) or _files(self._assistant, code))

    def spoken(self, code: str | None) -> str:
        """The language Baton's own texts are said in: the conversation's when served or
        when the catalogue has it (a customer writing an unserved language still reads
        Baton's notices in it), else the default."""
        if code in self.languages or self.has_language(code):
            return str(code)
        return self.default

    def _layers(self, language: str) -> list[dict[str, Any]]:
        layers = [_files(self._assistant, language), _files(LOCALES, language)]
        if language != REFERENCE:
            layers += [_files(self._assistant, REFERENCE), _files(LOCALES, REFERENCE)]
        return layers

    def value(self, key: str, language: str | None = None) -> Any:
        """The raw value of ``key`` (a text, a plural, a list) in ``language``, falling back
        to English; a section (``topics.questions``) comes back as a dict of its keys."""
        spoken = self.spoken(language)
        layers = self._layers(spoken)
        for depth, layer in enumerate(layers):
            if key in layer:
                if depth >= 2 and (spoken, key) not in self._warned:
                    self._warned.add((spoken, key))
                    log.warning("no %s text for %r: said in English", spoken, key)
                return layer[key]
        prefix = f"{key}."
        section: dict[str, Any] = {}
        for layer in reversed(layers):
            section.update({k[len(prefix) :]: v for k, v in layer.items() if k.startswith(prefix)})
        if section:
            return section
        raise CatalogueError(f"no text {key!r} in any locale file")

    def text(self, key: str, language: str | None = None, /, **params: Any) -> str:
        """The text of ``key`` in ``language`` with ``params`` filled in."""
        spoken = self.spoken(language)
        value = self.value(key, spoken)
        if _is_plural(value):
            count = int(params.get("count", 0))
            value = value.get(plural_form(spoken, count)) or value.get("other") or ""
        if not isinstance(value, str):
            raise CatalogueError(f"{key!r} is a {type(value).__name__}, not a text")
        try:
            return value.format_map(params) if params else value
        except (KeyError, IndexError, ValueError) as error:
            raise CatalogueError(f"{key!r} in {spoken}: cannot fill {error}") from error

    def join(self, items: Sequence[str], language: str | None = None) -> str:
        """``a, b and c`` in the language."""
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.text('language.and', language)} {items[-1]}"

    def section(self, prefix: str, language: str | None = None) -> dict[str, str]:
        """Every text under ``prefix`` (``widget``) in ``language``, plurals as their
        ``other`` form with ``{count}`` left in: for a front end that fills them itself."""
        spoken = self.spoken(language)
        keys: set[str] = set()
        for layer in self._layers(spoken):
            keys.update(k for k in layer if k.startswith(f"{prefix}."))
        texts: dict[str, str] = {}
        for key in sorted(keys):
            value = self.value(key, spoken)
            if _is_plural(value):
                value = value.get("other") or next(iter(value.values()))
            if isinstance(value, str):
                texts[key[len(prefix) + 1 :]] = value
        return texts

    def names(self) -> dict[str, str]:
        """Each served language's name in itself (for a language menu)."""
        return {code: self.text("language.name", code) for code in self.languages}

    def missing(self, language: str) -> list[str]:
        """Keys the reference language has and ``language`` does not (said in English)."""
        reference = set(_files(LOCALES, REFERENCE)) | set(_files(self._assistant, REFERENCE))
        have = set(_files(LOCALES, language)) | set(_files(self._assistant, language))
        return sorted(reference - have)


@cache
def for_languages(languages: tuple[str, ...], assistant_locales: Path | None) -> Catalogue:
    return Catalogue(languages, assistant_locales)


def served_list(catalogue: Catalogue, languages: Iterable[str], language: str | None) -> str:
    """The served languages named in ``language`` ("English, norsk and polski")."""
    return catalogue.join([catalogue.text("language.name", code) for code in languages], language)

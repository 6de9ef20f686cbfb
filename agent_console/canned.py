"""Canned responses: the team's stock replies, searchable in the reply box.

A YAML list of ``{title, text, tags, language}``; ``text`` may hold placeholders such as
``{name}``, ``{agent}``, ``{order_number}`` or ``{email}``, which the console fills from the
conversation's identity before the agent sends (an unknown one stays visible, to edit).
``language`` (optional, default: the assistant's first) is the language the customer reads
it in: the console offers the replies in the conversation's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
KNOWN_PLACEHOLDERS = frozenset({"name", "agent", "order_number", "email", "phone"})


class CannedOut(TypedDict):
    title: str
    text: str
    tags: list[str]
    language: str  # the language of the text


class CannedError(ValueError):
    """The canned responses file is unusable; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class CannedResponses:
    items: tuple[CannedOut, ...]

    @classmethod
    def load(cls, path: Path, default_language: str = "en") -> CannedResponses:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise CannedError(f"{path}: {exc}") from None
        if data is None:
            return cls(())
        if not isinstance(data, list):
            raise CannedError(f"{path}: expected a list of {{title, text, tags}}")
        items: list[CannedOut] = []
        for number, entry in enumerate(data, start=1):
            if not isinstance(entry, dict) or not all(
                isinstance(entry.get(key), str) and entry[key].strip() for key in ("title", "text")
            ):
                raise CannedError(f"{path}: entry {number} needs a non-empty title and text")
            unknown = set(PLACEHOLDER.findall(entry["text"])) - KNOWN_PLACEHOLDERS
            if unknown:
                raise CannedError(
                    f"{path}: entry {number} ({entry['title']}) has unknown placeholders "
                    f"{', '.join(sorted(unknown))}; known: {', '.join(sorted(KNOWN_PLACEHOLDERS))}"
                )
            tags = entry.get("tags") or []
            language = entry.get("language") or default_language
            if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2,3}", language):
                raise CannedError(f"{path}: entry {number} has an invalid language {language!r}")
            items.append(
                {
                    "title": entry["title"].strip(),
                    "text": entry["text"].strip(),
                    "tags": [str(t) for t in tags] if isinstance(tags, list) else [str(tags)],
                    "language": language,
                }
            )
        return cls(tuple(items))

    def search(
        self, query: str = "", limit: int = 20, language: str | None = None
    ) -> list[CannedOut]:
        """Entries whose title, tags or text hold every word of ``query``; titles first.
        With ``language``, only the entries in it (all of them when it has none)."""
        items = self.items
        if language is not None and any(item["language"] == language for item in items):
            items = tuple(item for item in items if item["language"] == language)
        words = query.lower().split()
        if not words:
            return list(items[:limit])
        scored = []
        for position, item in enumerate(items):
            title = item["title"].lower()
            haystack = " ".join([title, *item["tags"], item["text"]]).lower()
            if all(word in haystack for word in words):
                in_title = sum(word in title for word in words)
                scored.append((-in_title, position, item))
        return [item for _, _, item in sorted(scored, key=lambda s: (s[0], s[1]))[:limit]]

"""What can go wrong with articles and indexes; each error carries what a person needs to fix it."""

from __future__ import annotations

from pathlib import Path


class KnowledgeError(Exception):
    """Base of the knowledge index's errors."""


class ArticleError(KnowledgeError):
    """An article file that cannot be read; the message names the file."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexMismatch(KnowledgeError):
    """An index written with another model or dimension than the one loaded now."""

    def __init__(self, index_dir: Path, built_with: str, expected: str) -> None:
        super().__init__(
            f"the knowledge index in {index_dir} was built with {built_with}, but this process "
            f"embeds with {expected}; rebuild it with `baton index --rebuild`"
        )
        self.index_dir = index_dir
        self.built_with = built_with
        self.expected = expected


class IndexMissing(KnowledgeError):
    """No index was built yet where one was expected."""

    def __init__(self, index_dir: Path) -> None:
        super().__init__(f"no knowledge index in {index_dir}; build it with `baton index`")
        self.index_dir = index_dir

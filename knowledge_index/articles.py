"""Help-centre articles: Markdown with front matter in, chunks by heading and paragraph out.

An article file looks like::

    ---
    id: returns-policy
    title: Returning a product
    url: https://voltify.example/help/returns-policy
    tags: [returns, refunds]
    language: en
    ---
    Intro paragraph...

    ## A section
    Paragraphs...

Each chunk keeps the article's id, title and url and the anchor of its section, so an answer
can link straight to the place it came from. ``language`` (ISO 639-1, one of
``languages.LANGUAGES``) is optional: an article without it is in the help centre's default
language, a parameter of the build; every chunk carries its article's language.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge_index.errors import ArticleError
from knowledge_index.languages import DEFAULT_LANGUAGE, LANGUAGES, normalise_language

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# a chunk holds whole paragraphs up to about this size; a longer paragraph is a chunk alone.
# MiniLM reads 256 word pieces (about 1,000 characters of English), so a chunk fits whole.
CHUNK_CHARS = 900


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    url: str | None
    tags: tuple[str, ...]
    body: str
    path: Path | None = None
    digest: str = ""  # sha256 of the file's text: what changed since the last build
    language: str = DEFAULT_LANGUAGE  # ISO 639-1, see languages.py


@dataclass(frozen=True)
class Chunk:
    id: str  # "<article id>#<n>", stable while the article does not change
    article_id: str
    title: str
    url: str | None
    anchor: str  # the section's slug ("" for the text before the first heading)
    heading: str  # the section's heading (the article's title for the intro)
    text: str
    tags: tuple[str, ...] = field(default=())
    language: str = DEFAULT_LANGUAGE  # the article's; chunks of an index built before: default

    @property
    def link(self) -> str | None:
        if not self.url:
            return None
        return f"{self.url}#{self.anchor}" if self.anchor else self.url

    @property
    def embedding_text(self) -> str:
        """What is embedded: the heading gives a paragraph its subject."""
        if self.heading == self.title:
            return f"{self.title}\n{self.text}"
        return f"{self.title}: {self.heading}\n{self.text}"

    @property
    def words_text(self) -> str:
        """What BM25 and the speller read: title, heading and text."""
        return f"{self.title}\n{self.heading}\n{self.text}"


def parse_article(
    text: str, path: Path | None = None, default_language: str = DEFAULT_LANGUAGE
) -> Article:
    """One article from its file text; ``ArticleError`` says what is wrong and where. Without
    a ``language`` key the article is in ``default_language``."""
    where = path or Path("<article>")
    if not text.strip():
        raise ArticleError(where, "the file is empty")
    if not text.startswith("---"):
        raise ArticleError(where, "no front matter: the file must start with a '---' line")
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise ArticleError(where, "the front matter is not closed by a '---' line")
    header, rest = parts
    try:
        meta = yaml.safe_load(header[3:])
    except yaml.YAMLError as exc:
        raise ArticleError(where, f"the front matter is not valid YAML ({exc})") from None
    if not isinstance(meta, dict):
        raise ArticleError(where, "the front matter must be a mapping of id, title, url, tags")
    article_id = str(meta.get("id") or "").strip()
    title = str(meta.get("title") or "").strip()
    if not ID_PATTERN.match(article_id):
        raise ArticleError(
            where, f"id {article_id!r} missing or not lowercase letters, digits, '-' or '_'"
        )
    if not title:
        raise ArticleError(where, "the front matter has no title")
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",")]
    if not isinstance(tags, list):
        raise ArticleError(where, "tags must be a list")
    body = rest.split("\n", 1)[1] if "\n" in rest else ""
    if not body.strip():
        raise ArticleError(where, "the article has no text after its front matter")
    url = meta.get("url")
    language = normalise_language(meta.get("language") or default_language)
    if language is None:
        raise ArticleError(
            where,
            f"language {meta.get('language') or default_language!r} is not one of "
            f"{', '.join(LANGUAGES)}",
        )
    return Article(
        id=article_id,
        title=title,
        url=str(url).strip() if url else None,
        tags=tuple(str(t) for t in tags if str(t).strip()),
        body=body.strip(),
        path=path,
        digest=hashlib.sha256(text.encode()).hexdigest(),
        language=language,
    )


def read_article(path: Path, default_language: str = DEFAULT_LANGUAGE) -> Article:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(path, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ArticleError(path, f"cannot be read ({exc.strerror})") from None
    return parse_article(text, path, default_language)


def load_articles(
    folder: Path, default_language: str = DEFAULT_LANGUAGE
) -> tuple[list[Article], list[ArticleError]]:
    """Every ``*.md`` under ``folder``, in path order, and the files that failed (the rest
    still load). Two files with one id: the second is an error. An article without a
    ``language`` key is in ``default_language``."""
    articles: list[Article] = []
    errors: list[ArticleError] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.rglob("*.md")):
        try:
            article = read_article(path, default_language)
        except ArticleError as exc:
            errors.append(exc)
            continue
        if article.id in seen:
            errors.append(
                ArticleError(path, f"id {article.id!r} is already used by {seen[article.id]}")
            )
            continue
        seen[article.id] = path
        articles.append(article)
    return articles, errors


def slugify(heading: str) -> str:
    """A heading's anchor as help-centre pages render it (GitHub style)."""
    slug = re.sub(r"[^\w\s-]", "", heading.lower(), flags=re.UNICODE)
    return re.sub(r"\s+", "-", slug.strip())


def _sections(body: str, title: str) -> Iterator[tuple[str, str, str]]:
    """(heading, anchor, text) per section; the text before the first heading is the intro."""
    heading, anchor = title, ""
    lines: list[str] = []
    used: dict[str, int] = {}
    for line in body.splitlines():
        match = HEADING.match(line)
        if match:
            if any(item.strip() for item in lines):
                yield heading, anchor, "\n".join(lines)
            heading = match.group(2)
            base = slugify(heading)
            count = used.get(base, 0)
            used[base] = count + 1
            anchor = base if count == 0 else f"{base}-{count}"
            lines = []
        else:
            lines.append(line)
    if any(item.strip() for item in lines):
        yield heading, anchor, "\n".join(lines)


def _paragraph_groups(text: str, limit: int) -> Iterator[str]:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    group: list[str] = []
    size = 0
    for paragraph in paragraphs:
        if group and size + len(paragraph) > limit:
            yield "\n\n".join(group)
            group, size = [], 0
        group.append(paragraph)
        size += len(paragraph) + 2
    if group:
        yield "\n\n".join(group)


def chunk_article(article: Article, limit: int = CHUNK_CHARS) -> list[Chunk]:
    """The article cut at its headings, long sections cut again between paragraphs."""
    chunks: list[Chunk] = []
    for heading, anchor, text in _sections(article.body, article.title):
        for piece in _paragraph_groups(text, limit):
            chunks.append(
                Chunk(
                    id=f"{article.id}#{len(chunks)}",
                    article_id=article.id,
                    title=article.title,
                    url=article.url,
                    anchor=anchor,
                    heading=heading,
                    text=piece,
                    tags=article.tags,
                    language=article.language,
                )
            )
    return chunks

"""Articles: front matter, chunks by heading and paragraph, and files that cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_index.articles import chunk_article, load_articles, parse_article, read_article
from knowledge_index.errors import ArticleError

CORPUS = Path(__file__).parent / "corpus"


def article_text(
    body: str, front: str = "id: a\ntitle: An article\nurl: https://x.example/a"
) -> str:
    return f"---\n{front}\n---\n{body}\n"


def test_front_matter_is_read() -> None:
    article = read_article(CORPUS / "returns.md")
    assert (article.id, article.title, article.url, article.tags) == (
        "returns",
        "Returning a product",
        "https://shop.example/help/returns",
        ("returns",),
    )
    assert len(article.digest) == 64


def test_chunks_follow_headings_and_keep_the_article_and_anchor() -> None:
    chunks = chunk_article(read_article(CORPUS / "returns.md"))
    assert [(c.heading, c.anchor) for c in chunks] == [
        ("Returning a product", ""),
        ("Starting a return", "starting-a-return"),
        ("Opened headphones", "opened-headphones"),
    ]
    assert {c.article_id for c in chunks} == {"returns"}
    assert chunks[1].link == "https://shop.example/help/returns#starting-a-return"
    assert chunks[0].link == "https://shop.example/help/returns"
    # both paragraphs of a short section stay together
    assert "Print the label" in chunks[1].text and "partner parcel shop" in chunks[1].text
    assert chunks[1].embedding_text.startswith("Returning a product: Starting a return\n")


def test_a_long_section_is_cut_between_paragraphs() -> None:
    paragraphs = [f"Paragraph {n} " + "word " * 60 for n in range(6)]
    article = parse_article(article_text("## Long\n" + "\n\n".join(paragraphs)))
    chunks = chunk_article(article, limit=700)
    assert len(chunks) == 3
    assert all(c.anchor == "long" for c in chunks)
    assert [c.id for c in chunks] == ["a#0", "a#1", "a#2"]
    assert "\n\n".join(c.text for c in chunks) == "\n\n".join(p.strip() for p in paragraphs)


def test_repeated_headings_get_distinct_anchors() -> None:
    chunks = chunk_article(parse_article(article_text("## FAQ\none\n\n## FAQ\ntwo")))
    assert [c.anchor for c in chunks] == ["faq", "faq-1"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"no front matter here", "no front matter"),
        (b"---\nid: a\ntitle: T\nno closing line", "not closed"),
        (b"---\nid: [a\ntitle: T\n---\ntext", "not valid YAML"),
        (b"---\n- a list\n---\ntext", "mapping"),
        (b"---\ntitle: T\n---\ntext", "id"),
        (b"---\nid: Has Spaces\ntitle: T\n---\ntext", "id"),
        (b"---\nid: a\n---\ntext", "no title"),
        (b"---\nid: a\ntitle: T\n---\n\n", "no text"),
        (b"---\nid: a\ntitle: T\n---\ncaf\xe9 au lait", "not UTF-8"),
    ],
)
def test_a_bad_file_is_named_with_its_problem(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "broken.md"
    path.write_bytes(content)
    with pytest.raises(ArticleError) as caught:
        read_article(path)
    assert caught.value.path == path
    assert str(path) in str(caught.value) and reason in str(caught.value)


def test_loading_goes_on_past_bad_files_and_duplicate_ids(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(article_text("first"))
    (tmp_path / "b.md").write_text(article_text("same id again"))
    (tmp_path / "c.md").write_bytes(b"\xff\xfe not text")
    (tmp_path / "d.md").write_text(article_text("fine", "id: d\ntitle: D"))
    articles, errors = load_articles(tmp_path)
    assert [a.id for a in articles] == ["a", "d"]
    assert sorted(e.path.name for e in errors) == ["b.md", "c.md"]
    assert "already used" in str(next(e for e in errors if e.path.name == "b.md"))

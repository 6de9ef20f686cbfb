"""Knowledge answers in the customer's language: articles in English, Norwegian, Swedish,
Finnish and Polish, each language searched with its own chunks and its own stemmer, the
other languages as a fallback, and an English-only index as before languages existed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from knowledge_index import (
    ArticleError,
    KnowledgeIndex,
    build_index,
    load_embedder,
    parse_article,
)
from knowledge_index.embedder import Embedder

CORPUS = Path(__file__).parent / "corpus"

# (file name, language or None for the build's default, id, title, body)
HELP_CENTRE = [
    ("en/returns.md", None, "en-returns", "Returning a product",
     "You can return most products within 30 days of delivery, free of charge.\n\n"
     "## Starting a return\nOpen My orders, choose the order and click Return. "
     "Print the label and drop the parcel at a parcel shop."),
    ("en/delivery.md", None, "en-delivery", "Delivery times",
     "Standard delivery takes 2 to 4 working days. Express delivery arrives the next working "
     "day when you order before 2 pm. You get a tracking link by email."),
    ("en/warranty.md", None, "en-warranty", "Warranty and repairs",
     "Every product has a two-year warranty. If your headphones stop working, we repair or "
     "replace them free of charge."),
    ("nb/retur.md", "nb", "nb-retur", "Returnere et produkt",
     "Du kan returnere de fleste produkter innen 30 dager etter levering, uten kostnad.\n\n"
     "## Slik returnerer du\nLogg inn, gå til Mine ordrer og velg Returner. Skriv ut "
     "returetiketten og lever pakken på nærmeste hentested."),
    ("nb/passord.md", "nb", "nb-passord", "Tilbakestille passordet",
     "Har du glemt passordet? Velg Glemt passord på innloggingssiden og skriv inn "
     "e-postadressen din. Vi sender deg en lenke for å lage et nytt passord."),
    ("sv/retur.md", "sv", "sv-retur", "Returnera en produkt",
     "Du kan returnera de flesta produkter inom 30 dagar efter leveransen, utan kostnad.\n\n"
     "## Så gör du en retur\nLogga in, gå till Mina beställningar och välj Returnera. Skriv "
     "ut returetiketten och lämna paketet hos närmaste ombud."),
    ("sv/leverans.md", "sv", "sv-leverans", "Leverans och frakt",
     "Standardleverans tar 2 till 4 arbetsdagar. Expressleverans kommer nästa arbetsdag om "
     "du beställer före klockan 14. Du får en spårningslänk via e-post."),
    ("fi/palautus.md", "fi", "fi-palautus", "Tuotteen palauttaminen",
     "Voit palauttaa useimmat tuotteet 30 päivän kuluessa toimituksesta maksutta. "
     "Palautusoikeuden ehtona on, että tuote on ehjä ja alkuperäisessä pakkauksessa.\n\n"
     "## Näin teet palautuksen\nKirjaudu sisään, avaa Tilaukset ja valitse Palauta. Tulosta "
     "palautustarra ja vie paketti lähimpään noutopisteeseen."),
    ("fi/toimitus.md", "fi", "fi-toimitus", "Toimitusajat",
     "Normaali toimitus kestää 2-4 arkipäivää. Pikatoimitus saapuu seuraavana arkipäivänä, "
     "kun tilaat ennen kello 14. Saat seurantalinkin sähköpostiisi."),
    ("fi/salasana.md", "fi", "fi-salasana", "Salasanan vaihtaminen",
     "Unohditko salasanasi? Valitse kirjautumissivulla Unohtuiko salasana ja kirjoita "
     "sähköpostiosoitteesi. Lähetämme linkin, jolla voit luoda uuden salasanan."),
    ("pl/zwroty.md", "pl", "pl-zwroty", "Jak oddać produkt",
     "Większość produktów możesz oddać w ciągu 30 dni od dostawy, bezpłatnie.\n\n"
     "## Zwrot towarów krok po kroku\nZaloguj się, przejdź do Moje zamówienia i wybierz "
     "Zwróć. Wydrukuj etykietę i nadaj paczkę w najbliższym punkcie odbioru."),
    ("pl/dostawa.md", "pl", "pl-dostawa", "Dostawa i wysyłka",
     "Standardowa dostawa trwa od 2 do 4 dni roboczych. Przesyłka ekspresowa dociera "
     "następnego dnia roboczego, jeśli zamówisz przed godziną 14."),
    ("pl/haslo.md", "pl", "pl-haslo", "Resetowanie hasła",
     "Nie pamiętasz hasła? Na stronie logowania wybierz Nie pamiętam hasła i podaj swój "
     "adres e-mail. Wyślemy Ci link do ustawienia nowego hasła."),
]  # fmt: skip


def write_help_centre(folder: Path, languages: set[str] | None = None) -> Path:
    """The articles above (those in ``languages`` only, if given) as Markdown files."""
    for name, language, article_id, title, body in HELP_CENTRE:
        if languages is not None and (language or "en") not in languages:
            continue
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        key = f"language: {language}\n" if language else ""
        path.write_text(f"---\nid: {article_id}\ntitle: {title}\n{key}---\n{body}\n")
    return folder


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_embedder()


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    root = tmp_path_factory.mktemp("languages")
    build_index(write_help_centre(root / "articles"), root / "index", embedder)
    return root / "index"


@pytest.fixture(scope="module")
def index(index_dir: Path, embedder: Embedder) -> KnowledgeIndex:
    return KnowledgeIndex.load(index_dir, embedder)


def test_the_manifest_and_every_chunk_record_the_language(index_dir: Path) -> None:
    manifest = json.loads((index_dir / "current" / "manifest.json").read_text())
    assert manifest["default_language"] == "en"
    assert set(manifest["languages"]) == {"en", "nb", "sv", "fi", "pl"}
    chunks = json.loads((index_dir / "current" / "chunks.json").read_text())
    assert {c["article_id"][:2] for c in chunks if c["language"] == "fi"} == {"fi"}
    assert {c["language"] for c in chunks if c["article_id"].startswith("en-")} == {"en"}


@pytest.mark.parametrize(
    ("language", "query", "article"),
    [
        ("en", "how long does delivery take", "en-delivery"),
        ("nb", "jeg har glemt passordet mitt", "nb-passord"),
        ("sv", "hur returnerar jag en produkt", "sv-retur"),
        ("fi", "kauanko toimitus kestää", "fi-toimitus"),
        ("pl", "zapomniałem hasła do konta", "pl-haslo"),
    ],
)
def test_a_question_finds_the_article_in_its_own_language(
    index: KnowledgeIndex, language: str, query: str, article: str
) -> None:
    hits = index.search(query, k=5, language=language)
    assert hits[0].article_id == article
    assert {hit.language for hit in hits} == {language}


@pytest.mark.parametrize(
    ("language", "query", "article", "inflected"),
    [
        # elative "from the right of return"; the article says "palautusoikeuden" (genitive)
        ("fi", "kerro palautusoikeudesta", "fi-palautus", "palautusoikeudesta"),
        # genitive "of the return of goods"; the article says "zwrot towarów"
        ("pl", "zasady zwrotu towaru", "pl-zwroty", "zwrotu"),
    ],
)
def test_an_inflected_word_matches_its_other_forms_through_the_stemmer(
    index: KnowledgeIndex, language: str, query: str, article: str, inflected: str
) -> None:
    hits = index.search(query, k=3, language=language)
    assert hits[0].article_id == article
    assert inflected not in hits[0].chunk.words_text.lower()
    assert hits[0].lexical > 0  # BM25 found the stem, not only the vectors


def test_a_language_without_articles_finds_nothing_and_falls_back_to_the_others(
    tmp_path: Path, embedder: Embedder
) -> None:
    articles = write_help_centre(tmp_path / "articles", {"en", "nb"})
    build_index(articles, tmp_path / "index", embedder)
    index = KnowledgeIndex.load(tmp_path / "index", embedder)
    question = "hur returnerar jag en produkt"  # Swedish: no Swedish article here
    assert index.search(question, language="sv") == []
    hits = index.search_any_language(question, language="sv", threshold=0.0)
    assert hits and hits[0].language in {"en", "nb"}
    assert hits[0].article_id in {"en-returns", "nb-retur"}


def test_the_fallback_keeps_an_answer_in_the_customers_language(index: KnowledgeIndex) -> None:
    hits = index.search_any_language("jeg har glemt passordet mitt", language="nb", threshold=0.0)
    assert hits[0].article_id == "nb-passord" and hits[0].language == "nb"


def test_a_topic_only_written_in_english_is_offered_in_english(index: KnowledgeIndex) -> None:
    question = "my headphones stopped working, is there a warranty"
    own = index.search(question, k=1, language="sv")
    assert own and own[0].language == "sv"  # Swedish articles, none of them about warranty
    hits = index.search_any_language(question, language="sv", threshold=own[0].score + 0.01)
    assert hits[0].article_id == "en-warranty" and hits[0].language == "en"


def test_spelling_is_corrected_only_in_english(index: KnowledgeIndex) -> None:
    typed = "how do I recieve my parcel"
    assert index.corrected(typed, language="en") == "how do I receive my parcel"
    assert index.corrected(typed) == "how do I receive my parcel"  # the default language
    assert index.corrected(typed, language="fi") == typed


def test_the_default_language_labels_articles_without_a_language_key(
    tmp_path: Path, embedder: Embedder
) -> None:
    articles = write_help_centre(tmp_path / "articles", {"fi"})
    (articles / "fi" / "plain.md").write_text(
        "---\nid: fi-aukioloajat\ntitle: Aukioloajat\n---\nAsiakaspalvelu on avoinna arkisin.\n"
    )
    build_index(articles, tmp_path / "index", embedder, default_language="fi")
    index = KnowledgeIndex.load(tmp_path / "index", embedder)
    assert index.default_language == "fi" and index.languages == {"fi"}
    assert index.search("milloin asiakaspalvelu on avoinna")[0].article_id == "fi-aukioloajat"
    assert index.corrected("how do I recieve my parcel") == "how do I recieve my parcel"


def test_an_unknown_language_is_an_article_error() -> None:
    with pytest.raises(ArticleError, match="language 'de' is not one of en, nb, sv, fi, pl"):
        parse_article("---\nid: a\ntitle: A\nlanguage: de\n---\nText.\n")
    assert parse_article("---\nid: a\ntitle: A\nlanguage: NB\n---\nText.\n").language == "nb"
    assert parse_article("---\nid: a\ntitle: A\n---\nText.\n", default_language="sv").language == (
        "sv"
    )


def test_an_english_only_index_searches_as_before(tmp_path: Path, embedder: Embedder) -> None:
    build_index(CORPUS, tmp_path / "index", embedder)
    index = KnowledgeIndex.load(tmp_path / "index", embedder)
    assert index.languages == {"en"}
    for query in ("how can I send something back?", "do vouchres expire", "vimeo upload"):
        hits = index.search(query, k=3)
        assert hits == index.search(query, k=3, language="en")
        assert hits == index.search_any_language(query, language="en", k=3, threshold=0.0)
        assert {hit.language for hit in hits} == {"en"}
    assert index.search("how can I send something back?", language="fi") == []


def test_an_index_built_before_languages_loads_in_the_default_language(
    tmp_path: Path, embedder: Embedder
) -> None:
    target = tmp_path / "index"
    build_index(CORPUS, target, embedder)
    expected = KnowledgeIndex.load(target, embedder).search("how can I send something back?")
    build = target / "current"
    # the layout of manifest version 2: no languages, one BM25 folder over every chunk
    manifest = json.loads((build / "manifest.json").read_text())
    del manifest["languages"], manifest["default_language"]
    manifest["version"] = 2
    (build / "manifest.json").write_text(json.dumps(manifest))
    records = json.loads((build / "chunks.json").read_text())
    (build / "chunks.json").write_text(
        json.dumps([{k: v for k, v in r.items() if k != "language"} for r in records])
    )
    for file in (build / "lexical" / "en").iterdir():
        shutil.move(file, build / "lexical" / file.name)
    (build / "lexical" / "en").rmdir()
    old = KnowledgeIndex.load(target, embedder)
    assert old.default_language == "en" and old.languages == {"en"}
    assert old.search("how can I send something back?") == expected
    assert old.search("how can I send something back?", language="en") == expected

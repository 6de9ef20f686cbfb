"""The message catalogue: Baton's texts per language, an assistant's locales over them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from baton.catalogue import LOCALES, Catalogue, CatalogueError, plural_form
from baton.paths import BOT

SERVED = ("en", "nb", "sv", "fi", "pl")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _flat(tree: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and not set(value) <= {"one", "few", "many", "other"}:
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _texts(value: object) -> list[str]:
    if isinstance(value, dict):
        return [str(v) for v in value.values()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


@pytest.mark.parametrize("folder", [LOCALES, BOT / "locales"], ids=["baton", "demo"])
@pytest.mark.parametrize("language", SERVED[1:])
def test_every_language_has_every_text_with_the_same_placeholders(
    folder: Path, language: str
) -> None:
    reference = _flat(yaml.safe_load((folder / "en.yml").read_text(encoding="utf-8")))
    translated = _flat(yaml.safe_load((folder / f"{language}.yml").read_text(encoding="utf-8")))
    assert sorted(set(reference) - set(translated)) == []
    for key, value in reference.items():
        wanted = {p for text in _texts(value) for p in PLACEHOLDER.findall(text)}
        found = {p for text in _texts(translated[key]) for p in PLACEHOLDER.findall(text)}
        assert found == wanted, key


def test_a_text_is_said_in_the_conversations_language_with_its_parameters() -> None:
    catalogue = Catalogue(SERVED, BOT / "locales")
    english = catalogue.text("handoff.queued", "en", position=3, wait="x")
    norwegian = catalogue.text("handoff.queued", "nb", position=3, wait="x")
    assert "3" in english and "3" in norwegian and english != norwegian
    # the demo's own key, from its locales/ folder
    assert catalogue.text("orders.not_found", "pl", number="12345") != catalogue.text(
        "orders.not_found", "en", number="12345"
    )
    assert len(catalogue.value("orders.months", "fi")) == 12


def test_an_unserved_or_unknown_language_speaks_the_default_and_a_missing_key_fails() -> None:
    catalogue = Catalogue(["sv", "en"])
    assert catalogue.language("de") == "sv"
    assert catalogue.language(None) == "sv"
    assert catalogue.text("survey.thanks", "de") == catalogue.text("survey.thanks", "sv")
    # Baton's notices are said in a language the catalogue has even when not served
    assert catalogue.spoken("pl") == "pl"
    assert catalogue.spoken("../../etc") == "sv"
    with pytest.raises(CatalogueError, match="no text"):
        catalogue.text("no.such.key", "sv")
    with pytest.raises(CatalogueError, match="cannot fill"):
        catalogue.text("handoff.queued", "en", position=1)


@pytest.mark.parametrize(
    ("language", "counts"),
    [
        ("en", {1: "one", 2: "other", 5: "other"}),
        ("fi", {1: "one", 2: "other", 21: "other"}),
        ("pl", {1: "one", 2: "few", 4: "few", 5: "many", 12: "many", 22: "few", 25: "many"}),
    ],
)
def test_plural_forms_follow_the_language(language: str, counts: dict[int, str]) -> None:
    assert {n: plural_form(language, n) for n in counts} == counts


def test_polish_minutes_take_their_plural_form() -> None:
    catalogue = Catalogue(SERVED)
    few, many = (
        catalogue.text("wait.minutes", "pl", count=3),
        catalogue.text("wait.minutes", "pl", count=5),
    )
    assert "3" in few and "5" in many and few.replace("3", "") != many.replace("5", "")


def test_an_assistants_locale_overrides_batons_words_and_missing_lists_gaps(
    tmp_path: Path,
) -> None:
    (tmp_path / "en.yml").write_text("survey:\n  thanks: Cheers!\nshop:\n  hello: Hello\n")
    (tmp_path / "nb.yml").write_text("shop:\n  hello: Hei\n")
    catalogue = Catalogue(["en", "nb"], tmp_path)
    assert catalogue.text("survey.thanks", "en") == "Cheers!"
    assert catalogue.text("shop.hello", "nb") == "Hei"
    # nb has Baton's own survey.thanks; the assistant's English override is not a gap
    assert "shop.hello" not in catalogue.missing("nb")
    assert catalogue.names()["nb"] == "norsk" or catalogue.names()["nb"]
    (tmp_path / "nb.yml").write_text("shop: [broken")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        Catalogue(["en", "nb"], tmp_path).text("shop.hello", "nb")


def test_the_widget_section_has_every_widget_text_in_each_language() -> None:
    catalogue = Catalogue(SERVED)
    english = catalogue.section("widget", "en")
    for language in SERVED:
        texts = catalogue.section("widget", language)
        assert set(texts) == set(english)
        if language != "en":
            assert texts["placeholder"] != english["placeholder"]

"""The demo assistant in Norwegian, Swedish, Finnish and Polish, on the real stack (Rasa, the
action server, the gateway): a customer who writes only their language is greeted, told an
order's status, answered from an article in their language, asked who they are and queued
with an agent who speaks it, all without one English word from Baton or the bot; a switch
of language in the middle of a conversation; a mixed-language message; emoji, one word and
another script. (A language the assistant does not serve is in
tests/console/test_language.py, on an assistant that serves fewer.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import yaml

from baton import paths
from baton.catalogue import Catalogue
from tests.stack import Stack, running_stack, words

pytestmark = pytest.mark.slow

LANGUAGES = ("nb", "sv", "fi", "pl")
CATALOGUE = Catalogue(("en", *LANGUAGES), paths.BOT / "locales")
# what a customer of each language types (the order's number is the demo's 55012, delivered
# on 21 February 2025)
SAYS = {
    "nb": {"greet": "heisann", "order": "hvor er pakken min", "returns":
           "hvordan returnerer jeg en vare?", "human": "jeg vil snakke med et menneske",
           "name": "Ingrid Hansen", "email": "ingrid.hansen@example.no"},
    "sv": {"greet": "hejsan", "order": "var är min beställning?", "returns":
           "hur returnerar jag en vara?", "human": "jag vill prata med en människa",
           "name": "Karin Lindqvist", "email": "karin.lindqvist@example.se"},
    "fi": {"greet": "moikka", "order": "missä tilaukseni on", "returns":
           "miten palautan tuotteen?", "human": "haluan puhua ihmisen kanssa",
           "name": "Aino Virtanen", "email": "aino.virtanen@example.fi"},
    "pl": {"greet": "dzień dobry", "order": "gdzie jest moje zamówienie", "returns":
           "jak zwrócić produkt?", "human": "chcę rozmawiać z człowiekiem",
           "name": "Anna Kowalska", "email": "anna.kowalska@example.pl"},
}  # fmt: skip


def responses() -> dict[str, Any]:
    domain = yaml.safe_load((paths.BOT / "domain" / "responses.yml").read_text("utf-8"))
    return dict(domain["responses"])


def response_text(name: str, language: str) -> str:
    """The demo's response ``name`` as the bot says it in ``language``."""
    for variant in responses()[name]:
        conditions = variant.get("condition") or []
        if {"type": "slot", "name": "language", "value": language} in conditions and all(
            c["name"] == "language" or c["value"] is None for c in conditions
        ):
            return str(variant["text"])
    raise AssertionError(f"no {language} variant of {name}")


def english_texts() -> set[str]:
    """Every English sentence the bot and Baton could say, to be sure none is said."""
    english = {v["text"] for vs in responses().values() for v in vs if not v.get("condition")}
    english |= {t for t in CATALOGUE.section("identity", "en").values()}
    english |= {t for t in CATALOGUE.section("knowledge", "en").values() if len(t) > 12}
    return english


def said_in_english(replies: list[dict[str, Any]]) -> list[str]:
    english = english_texts()
    return [r["text"] for r in replies if r["text"] in english]


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path_factory.mktemp("languages")) as running:
        yield running


async def available(stack: Stack, agent_id: str, languages: str) -> dict[str, str]:
    agent = stack.add_agent(agent_id, languages=languages)
    response = await stack.http.put(
        "/api/handoff/me/presence", json={"presence": "available"}, headers=agent
    )
    assert response.status_code == 200, response.text
    return agent


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_customer_who_writes_only_their_language_never_reads_english(
    stack: Stack, language: str
) -> None:
    says = SAYS[language]
    chat = await stack.new_conversation(language=language)  # the browser's language
    seen: list[dict[str, Any]] = []

    greeting = await stack.say(chat, says["greet"])
    assert words(greeting) == response_text("utter_greet", language)
    seen += greeting

    # an order's status, the number asked for in the language and the date written in it
    asked = await stack.say(chat, says["order"])
    assert words(asked) == CATALOGUE.text("orders.ask_order_number", language)
    status = await stack.say(chat, "55012")
    february = CATALOGUE.value("orders.months", language)[1]
    assert "55012" in words(status) and february in words(status), words(status)
    seen += asked + status

    # a help-centre answer from the article in the customer's language
    answer = await stack.say(chat, says["returns"])
    articles = [r["article"] for r in answer if r.get("article")]
    assert articles and articles[0]["language"] == language, answer
    assert articles[0]["id"].endswith(f"-{language}")
    assert CATALOGUE.text("knowledge.did_that_help", language) in words(answer)
    seen += answer

    # a person: asked who they are in the language, then queued for a speaker of it
    await available(stack, f"en-only-{language}", "en")
    speaker = await available(stack, f"speaks-{language}", language)
    intro = await stack.say(chat, says["human"])
    assert CATALOGUE.text("identity.ask_name", language) in words(intro)
    named = await stack.say(chat, says["name"])
    first = says["name"].split()[0]
    assert words(named) == CATALOGUE.text("identity.ask_email_named", language, first_name=first)
    # the order's number was given earlier in the conversation: not asked again
    handed = await stack.say(chat, says["email"])
    assert CATALOGUE.text("handoff.connecting_named", language, first_name=first) in words(handed)
    seen += intro + named + handed

    cid = chat[0]
    detail = await stack.http.get(f"/api/handoff/conversations/{cid}", headers=speaker)
    conversation = detail.json()["conversation"]
    assert conversation["language"] == language
    assert conversation["owner"] == "assigned"
    assert conversation["agent_id"] == f"speaks-{language}"
    identity = detail.json()["packet"]["identity"]
    assert identity["name"] == says["name"] and identity["email"] == says["email"]
    assert identity["order_number"] == "55012"
    assert said_in_english(seen) == []


async def test_the_language_is_detected_from_the_first_message_and_can_be_switched(
    stack: Stack,
) -> None:
    chat = await stack.new_conversation()  # no hint: the browser says nothing
    asked = await stack.say(chat, "hvor er pakken min?")
    assert words(asked) == CATALOGUE.text("orders.ask_order_number", "nb")
    switched = await stack.say(chat, "can we speak English?")
    assert words(switched) == "Sure, let's continue in English."
    status = await stack.say(chat, "55012")
    assert "was delivered on 21 February 2025" in words(status)
    tracker = await stack.rasa_tracker(chat[0])
    assert tracker["slots"]["language"] == "en"
    again = await stack.say(chat, "po polsku proszę")
    assert words(again) == CATALOGUE.text("language.switched", "pl")
    assert words(await stack.say(chat, "cześć")) == response_text("utter_greet", "pl")


async def test_a_mixed_language_message_is_answered_in_the_conversations_language(
    stack: Stack,
) -> None:
    chat = await stack.new_conversation(language="sv")
    # Swedish with English product words, as customers write
    answer = await stack.say(chat, "hur returnerar jag mina headphones, de är broken")
    assert answer and said_in_english(answer) == []
    assert all(r.get("article") is None or r["article"]["language"] == "sv" for r in answer)


async def test_emoji_one_word_or_another_script_get_an_answer_in_the_conversations_language(
    stack: Stack,
) -> None:
    chat = await stack.new_conversation(language="fi")
    for odd in ("🙂🙂", "ok", "Привет, где мой заказ?", "?"):
        replies = await stack.say(chat, odd)  # no crash: an answer, in Finnish
        assert said_in_english(replies) == [], (odd, replies)
    transcript = await stack.http.get(
        f"/api/conversations/{chat[0]}", headers={"Authorization": f"Bearer {chat[1]}"}
    )
    assert transcript.json()["language"] == "fi"

"""The help-centre answer action's branches: answer, ask for other words, hand over."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from baton_actions import contract, texts
from baton_actions.knowledge import (
    ActionKnowledgeAnswer,
    ActionKnowledgeFeedback,
    HelpCentre,
    search_text,
    short_answer,
)
from baton_actions.names import HANDOFF_REASON, KNOWLEDGE_ARTICLE, KNOWLEDGE_MISSES, KNOWLEDGE_SCORE
from knowledge_index import (
    build_index,
    load_embedder,
    set_calibration,
)
from tests.baton_actions.trackers import make_tracker
from tests.knowledge_index.corpus_index import build_calibrated

CORPUS = Path(__file__).parent.parent / "knowledge_index" / "corpus"


@pytest.fixture(scope="module")
def index_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_calibrated(tmp_path_factory.mktemp("knowledge"), load_embedder())


def threshold(folder: Path) -> float:
    return float(
        json.loads((folder / "current" / "manifest.json").read_text())["calibration"]["threshold"]
    )


@pytest.fixture
def help_centre(index_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("BATON_KNOWLEDGE_INDEX", str(index_folder))
    HelpCentre.reset()
    yield index_folder
    HelpCentre.reset()


class WithTopics(ActionKnowledgeAnswer):
    """An assistant's answer action offering its own topics."""

    TOPICS = [texts.button("Returns", "returns"), texts.button("Delivery", "delivery")]

    def topic_buttons(self, language: str) -> list[texts.Button]:
        return self.TOPICS

    def topic_questions(self, language: str) -> dict[str, str]:
        return {"returns": "How do I send a product back for a refund?"}


async def answer(
    text: str,
    intent: str = "returns",
    misses: int = 0,
    action: ActionKnowledgeAnswer | None = None,
) -> tuple[list[Any], list[Any]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, intent=intent, slots={KNOWLEDGE_MISSES: misses})
    events = await (action or ActionKnowledgeAnswer()).run(dispatcher, tracker, {})
    return dispatcher.messages, events


async def test_a_known_question_gets_passage_link_and_did_that_help(help_centre: Path) -> None:
    messages, events = await answer("how can I send something back?")
    reply, article, question = messages
    assert reply["text"].startswith("You can return most products within 30 days")
    assert "https://shop.example/help/returns" in reply["text"]
    assert article["custom"]["article"]["id"] == "returns"
    assert article["custom"]["article"]["score"] >= threshold(help_centre)
    assert article["custom"]["article"]["threshold"] == threshold(help_centre)
    assert question["text"] == texts.say("knowledge.did_that_help", "en")
    assert [b["payload"] for b in question["buttons"]] == ["/affirm", "/deny"]
    assert events[0] == SlotSet(KNOWLEDGE_ARTICLE, "returns")
    assert events[1]["name"] == KNOWLEDGE_SCORE
    assert events[1]["value"] >= threshold(help_centre)


async def test_the_answer_links_to_the_section_it_came_from(help_centre: Path) -> None:
    messages, _ = await answer("where do I print the return label?")
    assert "https://shop.example/help/returns#starting-a-return" in messages[0]["text"]


def test_an_article_without_a_url_links_under_the_contracts_url_base() -> None:
    from baton_actions.knowledge import article_link
    from knowledge_index.articles import Chunk

    def chunk(url: str | None, anchor: str) -> Chunk:
        return Chunk(
            id="returns-0", article_id="returns", title="Returns", url=url,
            anchor=anchor, heading="Starting a return", text="Print the label.",
        )  # fmt: skip

    base = contract.contract().knowledge.article_url_base  # the demo's
    assert base == "https://voltify.example/help/"
    assert article_link(chunk(None, "starting")) == f"{base}returns#starting"
    assert article_link(chunk(None, "")) == f"{base}returns"
    # the article's own url wins
    assert article_link(chunk("https://shop.example/r", "a")) == "https://shop.example/r#a"


async def test_a_clicked_topic_button_searches_the_question_it_stands_for(
    help_centre: Path,
) -> None:
    for action in (ActionKnowledgeAnswer(), WithTopics()):  # the intent's words, or its question
        messages, _ = await answer("/returns", intent="returns", action=action)
        assert messages[1]["custom"]["article"]["id"] == "returns"


def test_a_topic_button_stands_for_the_assistants_question_else_the_intents_words() -> None:
    tracker = make_tracker(text="/delivery_options", intent="delivery_options")
    assert search_text(tracker) == "delivery options"
    assert search_text(tracker, {"delivery_options": "How fast?"}) == "How fast?"


async def test_a_miss_asks_once_for_other_words(help_centre: Path) -> None:
    messages, events = await answer("tell me a joke about penguins", intent="nlu_fallback")
    assert [m["text"] for m in messages] == [texts.knowledge_rephrase("en", with_topics=False)]
    assert messages[0]["buttons"] == texts.talk_to_person("en")
    assert events == [SlotSet(KNOWLEDGE_MISSES, 1), SlotSet(KNOWLEDGE_ARTICLE, None)]


async def test_a_miss_offers_the_assistants_topics(help_centre: Path) -> None:
    messages, _ = await answer("tell me a joke about penguins", "nlu_fallback", action=WithTopics())
    [message] = messages
    assert message["text"].endswith("Or pick one of these:")
    assert message["buttons"] == [*WithTopics.TOPICS, *texts.talk_to_person("en")]


async def test_a_second_miss_hands_over(help_centre: Path) -> None:
    messages, events = await answer("penguin jokes please", intent="nlu_fallback", misses=1)
    assert [m["text"] for m in messages] == [texts.say("knowledge.handoff", "en")]
    assert events == [
        SlotSet(KNOWLEDGE_MISSES, 0),
        SlotSet(HANDOFF_REASON, "knowledge_not_found"),
        FollowupAction("identity_form"),
    ]


@pytest.mark.parametrize("query", ["😀😀😀", "?!?!", "x" * 10_000])
async def test_odd_queries_get_an_answer_or_an_honest_miss(help_centre: Path, query: str) -> None:
    messages, _ = await answer(query, intent="nlu_fallback")
    assert messages and messages[0]["text"]


async def test_without_an_index_the_customer_is_told_and_offered_a_person(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATON_KNOWLEDGE_INDEX", str(tmp_path / "nothing-here"))
    HelpCentre.reset()
    try:
        messages, events = await answer("how do I return this?")
    finally:
        HelpCentre.reset()
    assert messages[0]["text"] == texts.say("knowledge.unavailable", "en")
    assert messages[0]["buttons"] == texts.talk_to_person("en")
    assert events == []


@pytest.mark.parametrize(
    ("intent", "misses", "text", "events"),
    [
        ("affirm", 1, texts.say("knowledge.helped", "en"), [SlotSet(KNOWLEDGE_MISSES, 0)]),
        ("deny", 0, texts.say("knowledge.not_helped", "en"), [SlotSet(KNOWLEDGE_MISSES, 1)]),
        (
            "deny",
            1,
            texts.say("knowledge.handoff", "en"),
            [
                SlotSet(KNOWLEDGE_MISSES, 0),
                SlotSet(HANDOFF_REASON, "knowledge_rejected"),
                FollowupAction("identity_form"),
            ],
        ),
    ],
)
async def test_did_that_help_yes_no_and_no_again(
    intent: str, misses: int, text: str, events: list[Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=intent, intent=intent, slots={KNOWLEDGE_MISSES: misses})
    assert await ActionKnowledgeFeedback().run(dispatcher, tracker, {}) == events
    assert [m["text"] for m in dispatcher.messages] == [text]


@pytest.mark.parametrize(
    ("passage", "first", "rest"),
    [
        ("One. Two. Three.", "One.", "Two. Three."),
        ("Only one sentence", "Only one sentence", ""),
        (
            "It has one of these problems:\n- too old;\n- too small.\n\nThe message says which.",
            "It has one of these problems:\n- too old;\n- too small.",
            "The message says which.",
        ),
        (
            "Returning is free:\n\n1. Open the order.\n2. Print the label.\n\nDone.",
            "Returning is free:\n1. Open the order.\n2. Print the label.",
            "Done.",
        ),
        (
            "First.\n\nSecond paragraph.\n\nThird paragraph.",
            "First.",
            "Second paragraph.\n\nThird paragraph.",
        ),
        ("", "", ""),
    ],
)
def test_the_short_answer_opens_the_reply_and_keeps_lists_whole(
    passage: str, first: str, rest: str
) -> None:
    assert short_answer(passage) == (first, rest)


def test_a_long_passage_is_cut_at_a_sentence() -> None:
    sentence = "This sentence is exactly fifty characters long ok. "
    first, rest = short_answer("Opening. " + sentence * 30, limit=200)
    assert first == "Opening."
    assert rest == (sentence * 3).strip()  # 152 characters: a fourth would pass 200


async def test_a_rebuilt_index_is_picked_up_without_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(CORPUS, articles)
    folder = tmp_path / "index"
    embedder = load_embedder()
    build_index(articles, folder, embedder)
    set_calibration(folder, {"threshold": 0.2})
    monkeypatch.setenv("BATON_KNOWLEDGE_INDEX", str(folder))
    HelpCentre.reset()
    try:
        messages, _ = await answer("do gift cards expire?", intent="nlu_fallback")
        assert "never expire" in messages[0]["text"]

        text = (
            (articles / "giftcards.md").read_text().replace("never expire", "expire after 3 years")
        )
        (articles / "giftcards.md").write_text(text)
        build_index(articles, folder, embedder)
        set_calibration(folder, {"threshold": 0.2})

        await HelpCentre.index()  # starts loading the new build, answers from the old one
        assert HelpCentre._loading is not None
        await asyncio.wrap_future(HelpCentre._loading)
        messages, _ = await answer("do gift cards expire?", intent="nlu_fallback")
        assert "expire after 3 years" in messages[0]["text"]
    finally:
        HelpCentre.reset()

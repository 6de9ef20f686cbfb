"""Self-service answers from the help centre, and what happens when they do not help.

``action_knowledge_answer`` searches the knowledge index with the customer's words, in the
conversation's language (the language slot). A hit at or above the calibrated threshold is
answered with its passage, a short answer and a link to the article, then "Did that help?";
when only an article in another language answers, the bot says so and gives that one.
Below the threshold the bot asks once for other words; a second miss, or a second "no" to
an answer, goes to the handoff path (identity form, then a person) — never to a confident
wrong answer.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
from collections.abc import Mapping

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from baton.knowledge import ONNX_DIR, index_dir
from baton_actions import contract, texts
from baton_actions.handoff_reasons import HandoffReason
from baton_actions.names import (
    HANDOFF_REASON,
    KNOWLEDGE_ARTICLE,
    KNOWLEDGE_MISSES,
    KNOWLEDGE_SCORE,
)
from baton_actions.tracking import latest_intent, latest_text
from knowledge_index.articles import Chunk
from knowledge_index.live import LiveIndex
from knowledge_index.onnx_embedder import load_fast_embedder

log = logging.getLogger(__name__)

# one rephrase attempt: the second miss (low score or "no") hands over
MISSES_BEFORE_HANDOFF = 2
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


# The knowledge index of this process, loaded in a background thread and reloaded when
# ``baton index`` switches ``current`` (the folder is read from the environment at every use);
# queries are embedded by the ONNX export `baton train` makes (the same vectors as
# sentence-transformers, without loading torch), else by sentence-transformers
HelpCentre = LiveIndex(index_dir, load=functools.partial(load_fast_embedder, ONNX_DIR))


def search_text(tracker: Tracker, topic_questions: Mapping[str, str] | None = None) -> str:
    """What to search for: the customer's words, or for a clicked topic button ("/returns")
    the question that button stands for (`topic_questions`, else the intent's words)."""
    text = latest_text(tracker).strip()
    if text.startswith("/"):
        intent = latest_intent(tracker) or text[1:]
        return (topic_questions or {}).get(intent, intent.replace("_", " "))
    return text


def sentences(text: str) -> list[str]:
    flat = " ".join(line.strip() for line in text.splitlines() if line.strip())
    return [s for s in _SENTENCE_END.split(flat) if s]


def _is_list(paragraph: str) -> bool:
    return any(_LIST_ITEM.match(line) for line in paragraph.splitlines())


def short_answer(passage: str, limit: int = 560) -> tuple[str, str]:
    """The passage's opening (articles open each section with the direct answer) and what
    follows, cut at a paragraph or sentence boundary near ``limit`` characters.

    The opening is the first sentence, or, where the first paragraph introduces a list
    ("...one of these problems:"), that paragraph with its list, line by line."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", passage) if p.strip()]
    if not paragraphs:
        return "", ""
    head, rest = paragraphs[0], paragraphs[1:]
    if _is_list(head):
        first = head
    elif head.endswith(":") and rest and _is_list(rest[0]):
        first, rest = f"{head}\n{rest[0]}", rest[1:]
    else:
        parts = sentences(head)
        first = parts[0]
        if parts[1:]:
            rest = [" ".join(parts[1:]), *rest]
    kept: list[str] = []
    size = 0
    for paragraph in rest:
        if size + len(paragraph) > limit:
            if not kept and not _is_list(paragraph):  # at least some of the next paragraph
                cut = ""
                for sentence in sentences(paragraph):
                    if len(cut) + len(sentence) > limit:
                        break
                    cut = f"{cut} {sentence}".strip()
                if cut:
                    kept.append(cut)
            break
        kept.append(paragraph)
        size += len(paragraph) + 2
    return first, "\n\n".join(kept)


def misses(tracker: Tracker) -> int:
    value = tracker.get_slot(KNOWLEDGE_MISSES)
    try:
        return int(float(value or 0))
    except (TypeError, ValueError):
        return 0


def hand_over(dispatcher: CollectingDispatcher, reason: str, language: str) -> list[EventType]:
    """Say why and start the identity form; action_handoff follows when it is complete."""
    dispatcher.utter_message(text=texts.say("knowledge.handoff", language))
    return [
        SlotSet(KNOWLEDGE_MISSES, 0),
        SlotSet(HANDOFF_REASON, reason),
        FollowupAction(contract.identity_form() or "action_handoff"),
    ]


# rasa-sdk registers the actions in one process and serves them from a Sanic worker process
# it spawns: a fresh interpreter that imports this module while unpickling the actions, with
# SANIC_WORKER_NAME set. Load the index there, as the server starts, so the first question
# does not wait for the model (about 4 s) and the registering process does not hold a copy.
if os.environ.get("SANIC_WORKER_NAME") and contract.contract().knowledge.enabled:
    HelpCentre.warm()


def article_link(chunk: Chunk) -> str | None:
    """Where the passage can be read: its article's ``url`` (front matter), else baton.yml's
    ``knowledge.article_url_base`` followed by the article's id; with the section's anchor."""
    if chunk.link:
        return chunk.link
    base = contract.contract().knowledge.article_url_base
    if not base:
        return None
    url = f"{base}{chunk.article_id}"
    return f"{url}#{chunk.anchor}" if chunk.anchor else url


class ActionKnowledgeAnswer(Action):
    """Answers from the help centre, or asks for other words, or hands over (see module).

    An assistant offers its own topics with the request for other words by subclassing this
    action (same name, so it replaces Baton's) and overriding :meth:`topic_buttons` (each
    sends "/<intent>") and :meth:`topic_questions` (a clicked topic's intent → the question
    to search), both in the conversation's language.
    """

    def topic_buttons(self, language: str) -> list[texts.Button]:
        """The topics offered with the request for other words."""
        return []

    def topic_questions(self, language: str) -> Mapping[str, str]:
        """What a clicked topic button's intent stands for, as a question to search."""
        return {}

    def name(self) -> str:
        return "action_knowledge_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        from knowledge_index import KnowledgeError

        language = contract.language(tracker)
        query = search_text(tracker, self.topic_questions(language))
        try:
            index = await HelpCentre.index()
            hits = await asyncio.to_thread(index.search_any_language, query, language, 3)
        except KnowledgeError as exc:
            log.error("knowledge search unavailable: %s", exc)
            HelpCentre.reset()  # try loading again next time (a rebuild may fix it)
            dispatcher.utter_message(
                text=texts.say("knowledge.unavailable", language),
                buttons=texts.talk_to_person(language),
            )
            return []
        best = hits[0] if hits else None
        # each language's own calibrated threshold (an answer from another language's
        # article is held to that language's)
        threshold = index.threshold_for(best.chunk.language if best else language)
        if best is None or threshold is None or best.score < threshold:
            log.info(
                "knowledge miss (score %s, threshold %s)",
                f"{best.score:.3f}" if best else "none", threshold,
            )  # fmt: skip
            count = misses(tracker) + 1
            if count >= MISSES_BEFORE_HANDOFF:
                return hand_over(dispatcher, HandoffReason.KNOWLEDGE_NOT_FOUND, language)
            topics = self.topic_buttons(language)
            dispatcher.utter_message(
                text=texts.knowledge_rephrase(language, with_topics=bool(topics)),
                buttons=[*topics, *texts.talk_to_person(language)],
            )
            return [SlotSet(KNOWLEDGE_MISSES, count), SlotSet(KNOWLEDGE_ARTICLE, None)]

        chunk = best.chunk
        link = article_link(chunk)
        first, rest = short_answer(chunk.text)
        dispatcher.utter_message(
            text=texts.knowledge_answer(
                first, rest, chunk.title, link, language, article_language=chunk.language
            )
        )
        # the gateway attaches this to the answer above: the conversation record keeps which
        # article, which passage and how sure the bot was
        dispatcher.utter_message(
            json_message={
                "article": {
                    "id": chunk.article_id,
                    "title": chunk.title,
                    "url": link,
                    "chunk": chunk.id,
                    "score": round(best.score, 4),
                    "threshold": threshold,
                    "language": chunk.language,
                }
            }
        )
        dispatcher.utter_message(
            text=texts.say("knowledge.did_that_help", language),
            buttons=texts.did_that_help_buttons(language),
        )
        return [SlotSet(KNOWLEDGE_ARTICLE, chunk.article_id), SlotSet(KNOWLEDGE_SCORE, best.score)]


class ActionKnowledgeFeedback(Action):
    """The customer's answer to "Did that help?": glad, or one more try, or a person."""

    def name(self) -> str:
        return "action_knowledge_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = contract.language(tracker)
        if latest_intent(tracker) in contract.affirm_intents():
            dispatcher.utter_message(text=texts.say("knowledge.helped", language))
            return [SlotSet(KNOWLEDGE_MISSES, 0)]
        count = misses(tracker) + 1
        if count >= MISSES_BEFORE_HANDOFF:
            return hand_over(dispatcher, HandoffReason.KNOWLEDGE_REJECTED, language)
        dispatcher.utter_message(text=texts.say("knowledge.not_helped", language))
        return [SlotSet(KNOWLEDGE_MISSES, count)]

"""Baton's help-centre answers, offering the demo's topics when it asks for other words."""

from __future__ import annotations

from collections.abc import Mapping

from baton_actions import knowledge
from baton_actions.texts import Button

from . import texts


class ActionKnowledgeAnswer(knowledge.ActionKnowledgeAnswer):
    """`action_knowledge_answer` with Voltify's topic buttons (it replaces Baton's by name)."""

    def topic_buttons(self, language: str) -> list[Button]:
        return texts.topic_buttons(language)

    def topic_questions(self, language: str) -> Mapping[str, str]:
        return texts.topic_questions(language)

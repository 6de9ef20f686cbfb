"""Baton's help-centre answers, offering the demo's topics when it asks for other words."""

from __future__ import annotations

from baton_actions import knowledge

from . import texts


class ActionKnowledgeAnswer(knowledge.ActionKnowledgeAnswer):
    """`action_knowledge_answer` with Voltify's topic buttons (it replaces Baton's by name)."""

    topic_buttons = texts.TOPIC_BUTTONS
    topic_questions = texts.KNOWLEDGE_TOPIC_QUESTIONS

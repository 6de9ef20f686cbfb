"""The survey's catalogue keys (its words, per language, are in :mod:`baton.catalogue`'s
``survey.*``) and its score buttons."""

from __future__ import annotations

from typing import Final

from handoff.records import Button

CSAT_QUESTION: Final = "survey.csat_question"
EFFORT_QUESTION: Final = "survey.effort_question"
THANKS: Final = "survey.thanks"
PICK_A_SCORE: Final = "survey.pick_a_score"
ALREADY_CLOSED: Final = "survey.already_closed"

QUESTIONS: Final = {"csat": CSAT_QUESTION, "effort": EFFORT_QUESTION}


def score_buttons(kind: str) -> list[Button]:
    """Buttons 1-5; their payloads (``/csat{"score":4}``) travel like any quick reply."""
    return [{"title": str(n), "payload": f'/{kind}{{"score":{n}}}'} for n in range(1, 6)]

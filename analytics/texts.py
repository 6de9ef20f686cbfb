"""What the survey says to customers (one place, so it can be reworded or translated)."""

from __future__ import annotations

from typing import Final

from handoff.records import Button

CSAT_QUESTION: Final = (
    "Before you go: how would you rate the help you got today? (1 = very poor, 5 = excellent)"
)
EFFORT_QUESTION: Final = (
    "Thank you! One more: how easy was it to get your issue sorted? (1 = very hard, 5 = very easy)"
)
THANKS: Final = "Thank you for your feedback!"
PICK_A_SCORE: Final = "Please pick a score from 1 to 5."
ALREADY_CLOSED: Final = "Thank you! This survey is already closed."

QUESTIONS: Final = {"csat": CSAT_QUESTION, "effort": EFFORT_QUESTION}


def score_buttons(kind: str) -> list[Button]:
    """Buttons 1-5; their payloads (``/csat{"score":4}``) travel like any quick reply."""
    return [{"title": str(n), "payload": f'/{kind}{{"score":{n}}}'} for n in range(1, 6)]

"""Intent names a knowledge owner may give, checked against Rasa's rules before anything is
written, and the intents the bot already knows (its domain)."""

from __future__ import annotations

import re
from pathlib import Path

from baton.domain import intent_names, load_domain
from retraining.errors import InvalidIntentName

# lowercase words joined by underscores: what every intent of the demo bot looks like, and
# safe in Rasa's YAML, in story files and as a "/intent" payload
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_CHARS = 64
# Rasa's own: the default intents (rasa.shared.core.constants.DEFAULT_INTENTS) and the
# fallback the NLU predicts below its threshold. out_of_scope is a default intent too but
# this bot trains it on purpose: "mark out of scope" labels with it.
RESERVED = frozenset({"restart", "back", "session_start", "nlu_fallback"})
OUT_OF_SCOPE = "out_of_scope"


def check_intent_name(name: str) -> str:
    """``name`` stripped if Rasa accepts it as an intent; InvalidIntentName otherwise."""
    name = name.strip()
    if not name:
        raise InvalidIntentName(name, "it is empty")
    if len(name) > MAX_CHARS:
        raise InvalidIntentName(name, f"it is longer than {MAX_CHARS} characters")
    if "/" in name:
        raise InvalidIntentName(name, "'/' marks a retrieval intent in Rasa")
    if "+" in name:
        raise InvalidIntentName(name, "'+' joins the parts of a multi-intent in Rasa")
    if name.startswith("_"):
        raise InvalidIntentName(name, "Rasa reserves names starting with '_'")
    if name.startswith(("utter_", "action_")):
        raise InvalidIntentName(name, "'utter_' and 'action_' start the names of bot actions")
    if name in RESERVED:
        raise InvalidIntentName(name, "Rasa reserves it")
    if not _NAME.match(name):
        raise InvalidIntentName(
            name, "use lowercase letters, digits and '_', starting with a letter (e.g. gift_cards)"
        )
    return name


def domain_intents(bot_dir: Path, *, generated: bool = True) -> list[str]:
    """The intents the bot project's domain lists, in its order; without the ones the review
    inbox generated (new intents of labels) when ``generated`` is False."""
    return intent_names(load_domain(bot_dir, generated=generated))

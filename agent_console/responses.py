"""What the bot would have said: the response its rules and stories give an intent.

Read from the Rasa project itself (the domain's responses, ``data/`` rules and stories), so
the suggestion changes when the bot does. An intent's response is the ``utter_*`` action
that follows it in a rule that starts with it (nothing before it: the bot says it whatever
came before); failing that, the one action that follows it everywhere in the rules and
stories. Rules with a condition (an active form) are left out: no form is active while an
agent owns the conversation. An intent answered differently in different contexts
(a "yes" after different questions) has no response here: the context is the agent's.

Left out, because an agent would not send them:
- custom actions (the knowledge answer, the order lookup): not replayed here;
- a response that only opens a form or a custom action ("I'll connect you with a colleague",
  before the identity form): the bot's preface to work the agent now does;
- a variant in the bot's own voice ("I'm the shop's virtual assistant") or with a condition
  on the conversation's state, and a variant with a slot the identity does not give;
- the bot's declines (``nlu_fallback`` and the contract's ``conversation.out_of_scope_intents``):
  a person tries to help instead.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from baton.domain import load_domain

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
BOT_VOICE = re.compile(r"\b(?:virtual assistant|I'?m a (?:chat)?bot|I am a (?:chat)?bot)\b", re.I)
DECLINES = frozenset({"nlu_fallback"})  # Rasa's own; the assistant's are added from baton.yml
# an identity without an order number says "none" (see handoff.records.Identity)
NO_VALUE = frozenset({"", "none"})


@dataclass(frozen=True, slots=True)
class BotResponse:
    intent: str
    action: str  # the utter_* response
    text: str


@dataclass(frozen=True, slots=True)
class _Turn:
    action: str  # what the bot does right after the intent
    then: str | None  # the step after that: "action:<name>", "loop", or None
    context_free: bool  # the first step of a rule


def _step_kind(step: Mapping[str, Any] | None) -> str | None:
    if step is None:
        return None
    if "active_loop" in step:
        return "loop"
    action = step.get("action")
    return f"action:{action}" if isinstance(action, str) else None


def _turns(files: Iterable[Path]) -> dict[str, list[_Turn]]:
    found: dict[str, list[_Turn]] = {}
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            continue
        for key in ("rules", "stories"):
            for item in data.get(key) or []:
                if not isinstance(item, dict) or not isinstance(item.get("steps"), list):
                    continue
                if item.get("condition"):
                    continue  # an active form, say: not the state of an agent's conversation
                steps = [s for s in item["steps"] if isinstance(s, dict)]
                for at, (step, following) in enumerate(itertools.pairwise(steps)):
                    intent, action = step.get("intent"), following.get("action")
                    if isinstance(intent, str) and isinstance(action, str):
                        then = steps[at + 2] if at + 2 < len(steps) else None
                        turn = _Turn(action, _step_kind(then), key == "rules" and at == 0)
                        found.setdefault(intent, []).append(turn)
    return found


def response_actions(files: Iterable[Path]) -> dict[str, str]:
    """intent -> the ``utter_*`` response the bot gives it (see the module docstring)."""
    chosen: dict[str, str] = {}
    for intent, turns in _turns(files).items():
        free = [t for t in turns if t.context_free]
        if free:
            turn = free[0]
        elif len({t.action for t in turns}) == 1:
            turn = turns[0]
        else:
            continue  # answered differently in different contexts
        preface = turn.then == "loop" or (
            turn.then is not None and not turn.then.startswith("action:utter_")
        )
        if turn.action.startswith("utter_") and not preface:
            chosen[intent] = turn.action
    return chosen


LANGUAGE_SLOT = "language"


def _language_of(variant: Mapping[str, Any]) -> tuple[bool, str | None]:
    """Whether an agent could send this variant, and the language it is in: one without a
    condition is the default (None); one whose only condition is the language slot is in
    that language; any other condition depends on the bot's state (left out)."""
    conditions = variant.get("condition") or []
    if not conditions:
        return True, None
    if len(conditions) == 1 and isinstance(conditions[0], dict):
        only = conditions[0]
        if only.get("name") == LANGUAGE_SLOT and isinstance(only.get("value"), str):
            return True, str(only["value"])
    return False, None


def _variants(domain: Mapping[str, Any]) -> dict[str, dict[str | None, list[str]]]:
    """Each response's texts an agent could send, per language (None: the default ones);
    never a variant in the bot's voice."""
    texts: dict[str, dict[str | None, list[str]]] = {}
    for name, variants in (domain.get("responses") or {}).items():
        if not isinstance(variants, list):
            continue
        by_language: dict[str | None, list[str]] = {}
        for v in variants:
            if not isinstance(v, dict) or not v.get("text") or BOT_VOICE.search(str(v["text"])):
                continue
            usable, language = _language_of(v)
            if usable:
                by_language.setdefault(language, []).append(str(v["text"]).strip())
        texts[name] = by_language
    return texts


def fill(text: str, values: Mapping[str, object]) -> str | None:
    """``text`` with its ``{slot}`` placeholders filled from ``values``; None when one has
    no value."""
    given = {
        name: " ".join(str(values.get(name) or "").split()) for name in PLACEHOLDER.findall(text)
    }
    if any(value.lower() in NO_VALUE for value in given.values()):
        return None
    return PLACEHOLDER.sub(lambda m: given[m.group(1)], text)


class BotResponses:
    def __init__(
        self,
        by_intent: Mapping[str, str],
        texts: Mapping[str, list[str] | Mapping[str | None, list[str]]],
        declines: frozenset[str] = frozenset(),
    ) -> None:
        left_out = DECLINES | declines
        self._by_intent = {i: a for i, a in by_intent.items() if i not in left_out}
        # response -> language (None: the default variants) -> texts
        self._texts: dict[str, dict[str | None, list[str]]] = {
            name: {None: list(variants)} if isinstance(variants, list) else dict(variants)
            for name, variants in texts.items()
        }

    @classmethod
    def load(cls, bot_dir: Path, declines: frozenset[str] = frozenset()) -> BotResponses:
        """The responses of the Rasa project in ``bot_dir``; ``declines``: its out-of-scope
        intents, whose responses an agent would not send."""
        domain = load_domain(bot_dir)
        data_files = sorted((bot_dir / "data").rglob("*.yml"))
        return cls(response_actions(data_files), _variants(domain), declines)

    @property
    def intents(self) -> list[str]:
        """The intents that have a response an agent could send."""
        return sorted(
            i for i, action in self._by_intent.items() if any(self._texts.get(action, {}).values())
        )

    def for_intent(
        self, intent: str | None, identity: Mapping[str, object], language: str | None = None
    ) -> BotResponse | None:
        """The bot's response to ``intent`` in ``language`` (its default variants when it has
        none in it), the first variant whose placeholders the ``identity`` fills; None when
        the intent has no such response."""
        action = self._by_intent.get(intent or "")
        if intent is None or action is None:
            return None
        variants = self._texts.get(action, {})
        for variant in variants.get(language) or variants.get(None) or []:
            text = fill(variant, identity)
            if text is not None:
                return BotResponse(intent, action, text)
        return None

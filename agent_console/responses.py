"""What the bot would have said: the response its rules and stories give an intent.

Read from the Rasa project itself (``domain.yml`` responses, ``data/`` rules and stories), so
the suggestion changes when the bot does. Only plain ``utter_*`` responses count: custom
actions (the knowledge answer, the order lookup, the handoff) are not replayed here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# intents whose bot answer an agent would not send: it speaks as the bot ("I'm a virtual
# assistant", "I'll pass this to a colleague") or says nothing on its own
SKIPPED_INTENTS = frozenset(
    {
        "nlu_fallback",
        "request_human",
        "inform",
        "affirm",
        "deny",
        "greet",
        "bot_challenge",
        "out_of_scope",
        "complaint",
    }
)


@dataclass(frozen=True, slots=True)
class BotResponse:
    intent: str
    action: str  # the utter_* response
    text: str


def _steps(data: Any, key: str) -> Iterable[list[dict[str, Any]]]:
    for item in (data or {}).get(key) or []:
        steps = item.get("steps") if isinstance(item, dict) else None
        if isinstance(steps, list):
            yield [s for s in steps if isinstance(s, dict)]


def first_responses(files: Iterable[Path]) -> dict[str, str]:
    """intent -> the utter_* action that directly follows it, first rule or story wins."""
    found: dict[str, str] = {}
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in ("rules", "stories"):
            for steps in _steps(data, key):
                for step, following in itertools.pairwise(steps):
                    intent, action = step.get("intent"), following.get("action")
                    if (
                        isinstance(intent, str)
                        and isinstance(action, str)
                        and action.startswith("utter_")
                    ):
                        found.setdefault(intent, action)
    return found


class BotResponses:
    def __init__(self, by_intent: Mapping[str, str], texts: Mapping[str, list[str]]) -> None:
        self._by_intent = dict(by_intent)
        self._texts = {name: list(variants) for name, variants in texts.items()}

    @classmethod
    def load(cls, bot_dir: Path) -> BotResponses:
        domain = yaml.safe_load((bot_dir / "domain.yml").read_text(encoding="utf-8")) or {}
        texts = {
            name: [v["text"] for v in variants if isinstance(v, dict) and v.get("text")]
            for name, variants in (domain.get("responses") or {}).items()
            if isinstance(variants, list)
        }
        data_files = sorted((bot_dir / "data").rglob("*.yml"))
        return cls(first_responses(data_files), texts)

    def for_intent(self, intent: str | None, slots: Mapping[str, Any]) -> BotResponse | None:
        """The bot's response to ``intent`` with its slots filled from ``slots``; a variant
        with a slot that has no value is passed over."""
        if not intent or intent in SKIPPED_INTENTS:
            return None
        action = self._by_intent.get(intent)
        if action is None:
            return None
        for variant in self._texts.get(action, []):
            names = PLACEHOLDER.findall(variant)
            if all(slots.get(name) for name in names):
                text = PLACEHOLDER.sub(lambda m: str(slots[m.group(1)]), variant)
                return BotResponse(intent, action, text.strip())
        return None

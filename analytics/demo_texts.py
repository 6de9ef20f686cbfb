"""What the demo customers write: the demo bot's own NLU examples and the help centre's
article titles, read from ``bot/`` and ``help_centre/`` (nothing invented per run)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from baton import paths

_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
# the intents the bot answers from the help centre (bot/data/rules.yml sends them there)
HELP_INTENTS = (
    "delivery_options", "returns", "refund_status", "invoice", "payment_problem",
    "account_password", "product_question", "stock_availability", "warranty",
    "discount_code", "contact_hours",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoTexts:
    examples: dict[str, list[str]]  # intent -> example texts, annotations removed
    titles: list[str]  # help-centre article titles

    def of(self, intent: str) -> list[str]:
        return self.examples.get(intent, [])

    def help_questions(self) -> list[str]:
        asked = [f"Can you tell me about {t[0].lower() + t[1:]}?" for t in self.titles]
        return [text for intent in HELP_INTENTS for text in self.of(intent)] + asked


def load_texts(bot: Path | None = None, help_centre: Path | None = None) -> DemoTexts:
    bot = bot or paths.BOT
    help_centre = help_centre or paths.BOT / "help_centre"
    examples: dict[str, list[str]] = {}
    for path in sorted((bot / "data" / "nlu").glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in document.get("nlu") or []:
            if "intent" not in item:
                continue
            lines = str(item.get("examples") or "").splitlines()
            texts = [_ANNOTATION.sub(r"\1", line.strip()[2:]).strip() for line in lines]
            examples.setdefault(item["intent"], []).extend(t for t in texts if t)
    titles = []
    for path in sorted(help_centre.glob("*.md")):
        match = re.search(r"^title:\s*(.+)$", path.read_text(encoding="utf-8"), re.M)
        if match:
            titles.append(match.group(1).strip().strip("\"'"))
    return DemoTexts(examples, titles)

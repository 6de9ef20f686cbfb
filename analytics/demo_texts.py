"""What the demo customers write, read from the assistant: its own NLU examples, its help
centre's article titles, and its ``demo_history.yml`` (nothing invented per run).

The intents a scenario needs come from the assistant's ``baton.yml`` (asking for a person,
an always-human request, the ending, yes and no intents) and from ``demo_history.yml``,
which names the rest:

    opening: say_hello        # an opening line
    short_answer: give_info   # a short answer a customer gives an agent
    help_intents: [faq_fees]  # questions the bot answers from its help centre
    lookup:                   # optional: the bot looks something up and answers itself
      intent: check_balance
      values: ["12345"]       # values it finds (customers give them when asked)

A scenario whose intents the assistant does not have is left out of the run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from baton.domain import intent_names
from baton.project import Project, load_project

DEMO_FILE = "demo_history.yml"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


class DemoFileError(ValueError):
    """``demo_history.yml`` cannot be read: the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class DemoIntents:
    """The intents each part of a demo conversation is drawn from (None: the assistant has
    none, and the scenarios that need it are skipped)."""

    opening: str | None = None
    short_answer: str | None = None
    human: str | None = None  # "a person, please"
    always_human: str | None = None  # one a person always answers
    ending: tuple[str, ...] = ()
    yes: str | None = None
    no: str | None = None
    declined: tuple[str, ...] = ()  # what the bot calls out of scope
    help: tuple[str, ...] = ()
    lookup: str | None = None
    lookup_values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DemoTexts:
    examples: dict[str, list[str]]  # intent -> example texts, annotations removed
    titles: list[str]  # help-centre article titles
    intents: DemoIntents = DemoIntents()
    queues: tuple[str, ...] = ("general",)  # every queue the assistant routes to

    def of(self, intent: str | None) -> list[str]:
        return self.examples.get(intent, []) if intent else []

    def of_any(self, intents: tuple[str, ...]) -> list[str]:
        return [text for intent in intents for text in self.of(intent)]

    def help_questions(self) -> list[str]:
        asked = [f"Can you tell me about {t[0].lower() + t[1:]}?" for t in self.titles]
        return self.of_any(self.intents.help) + asked

    def payload(self, intent: str | None) -> str | None:
        return f"/{intent}" if intent else None


def _examples(data: Path) -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in sorted(data.rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(document, dict):
            continue
        for item in document.get("nlu") or []:
            if not isinstance(item, dict) or "intent" not in item:
                continue
            lines = str(item.get("examples") or "").splitlines()
            texts = [_ANNOTATION.sub(r"\1", line.strip()[2:]).strip() for line in lines]
            examples.setdefault(item["intent"], []).extend(t for t in texts if t)
    return examples


def _titles(help_centre: Path) -> list[str]:
    titles = []
    for path in sorted(help_centre.glob("*.md")):
        match = re.search(r"^title:\s*(.+)$", path.read_text(encoding="utf-8"), re.M)
        if match:
            titles.append(match.group(1).strip().strip("\"'"))
    return titles


def _demo_file(project: Project) -> dict[str, object]:
    path = project.dir / DEMO_FILE
    if not path.is_file():
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DemoFileError(f"{path}: not YAML ({' '.join(str(exc).split())})") from exc
    if not isinstance(document, dict):
        raise DemoFileError(f"{path}: expected a mapping of keys")
    unknown = set(document) - {"opening", "short_answer", "help_intents", "lookup"}
    if unknown:
        raise DemoFileError(f"{path}: {sorted(unknown)[0]}: unknown key")
    return document


def _names(path: Path, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DemoFileError(f"{path}: {key}: expected a list of names")
    return tuple(value)


def load_texts(project: Project | None = None) -> DemoTexts:
    """The demo texts of ``project`` (default: the one ``BATON_PROJECT_DIR`` names)."""
    project = project or load_project()
    contract = project.contract
    demo = _demo_file(project)
    path = project.dir / DEMO_FILE
    lookup = demo.get("lookup") or {}
    if not isinstance(lookup, dict) or not isinstance(lookup.get("intent", ""), str):
        raise DemoFileError(f"{path}: lookup: expected {{intent, values}}")
    values = _names(path, "lookup.values", [str(v) for v in lookup.get("values") or []])
    examples = _examples(project.dir / "data")
    known = set(intent_names(project.domain))

    def one(value: object, key: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise DemoFileError(f"{path}: {key}: expected an intent name")
        if value not in known:
            raise DemoFileError(f"{path}: {key}: the domain has no intent {value!r}")
        return value

    c = contract.conversation
    intents = DemoIntents(
        opening=one(demo.get("opening"), "opening"),
        short_answer=one(demo.get("short_answer"), "short_answer"),
        human=contract.handoff.intents[0] if contract.handoff.intents else None,
        always_human=(
            contract.handoff.always_human_intents[0]
            if contract.handoff.always_human_intents
            else None
        ),
        ending=tuple(c.ending_intents),
        yes=c.affirm_intents[0] if c.affirm_intents else None,
        no=c.deny_intents[0] if c.deny_intents else None,
        declined=tuple(c.out_of_scope_intents),
        help=tuple(
            one(name, f"help_intents[{i}]") or ""
            for i, name in enumerate(_names(path, "help_intents", demo.get("help_intents", [])))
        ),
        lookup=one(lookup.get("intent"), "lookup.intent"),
        lookup_values=values,
    )
    queues = tuple(sorted({contract.handoff.default_queue, *contract.queues.values()}))
    titles = _titles(project.help_centre) if project.help_centre.is_dir() else []
    return DemoTexts(examples, titles, intents, queues)

"""``baton.yml``: the contract between an assistant (a Rasa 3.x project) and Baton.

Everything Baton needs to know about a team's bot — which intents mean "a person, please",
which slots hold the customer's identity, which intents end a conversation, which queue a
topic goes to, how the widget looks — is said here, in the assistant's own folder, so that
product code never names a particular bot's intents. The file is read by a typed model
that refuses unknown keys and wrong types, and is checked against the Rasa domain: an
intent, slot or form the domain does not have is an error naming the key and the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CONTRACT_FILE = "baton.yml"
# intents Rasa itself may predict without the domain listing them
BUILT_IN_INTENTS = frozenset({"nlu_fallback", "session_start", "restart", "back"})
# Baton's own identity fields; any other key of ``identity.slots`` is a custom field
IDENTITY_FIELDS = ("name", "email", "phone", "order_number")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HandoffContract(_Section):
    """How the bot asks for a person, and which requests always go to one."""

    # intents that mean "a person, please": a customer turn with one of these hands off
    # (through the identity form first, when there is one)
    intents: list[str] = []
    # intents a person always answers (a complaint, a legal request): the gateway hands off
    # after the bot's turn whatever the bot did
    always_human_intents: list[str] = []
    # the intent the gateway sends to the bot when one of Baton's triggers fires (low
    # confidence, negative sentiment, rejected answers), so the bot's own rules gather
    # identity and run its handoff; default: the first of ``intents``. With none, Baton
    # hands off directly with what it knows.
    trigger_intent: str | None = None
    # intent → the word a handoff it set going reports as its reason (the packet's
    # ``reason``, which ``priority`` may name); an intent not named here: "customer_request"
    # for ``intents``, its own name for ``always_human_intents``
    reasons: dict[str, str] = {}
    # handoff reasons or intents served first: higher is sooner
    priority: dict[str, int] = {}
    # the queue of a handoff whose last topic maps to none in ``queues``
    default_queue: str = "general"


class IdentityField(_Section):
    """A custom identity field: the bot's slot and the label agents see."""

    slot: str
    label: str


class IdentityContract(_Section):
    """Where the bot keeps who the customer is."""

    # Baton's field (name, email, phone, order_number, or a custom key) → the bot's slot;
    # a custom key maps to ``{slot, label}``
    slots: dict[str, str | IdentityField] = {}
    # the form that gathers identity before a handoff (Baton waits for it to finish)
    form: str | None = None

    def slot_of(self, field: str) -> str | None:
        value = self.slots.get(field)
        if value is None:
            return None
        return value if isinstance(value, str) else value.slot

    def field_slots(self) -> dict[str, str]:
        """Every identity field and the slot that holds it."""
        return {key: self.slot_of(key) or "" for key in self.slots}

    def labels(self) -> dict[str, str]:
        """Custom fields' labels, by field."""
        return {k: v.label for k, v in self.slots.items() if isinstance(v, IdentityField)}


class ConversationContract(_Section):
    """The intents Baton reads to know how a conversation went."""

    # the customer closes the conversation ("bye", "thanks"): containment, the survey
    ending_intents: list[str] = []
    # yes / no: the answer to "Did that help?" after a knowledge answer
    affirm_intents: list[str] = []
    # the "no" to "Did that help?"; turned-down answers count towards a handoff
    deny_intents: list[str] = []
    # intents that say nothing about what the customer needs (greetings, answers to the
    # bot's questions): left out of the agent's summary, the queue choice and per-topic
    # figures. The handoff, ending, affirm and deny intents are added to these.
    small_talk_intents: list[str] = []
    # the bot's own "that is outside what I can help with": a failure for the review inbox
    out_of_scope_intents: list[str] = []
    # what a channel's start command (Telegram's /start) says to the bot; none: the command
    # reaches the bot as the text "/start"
    greet_intent: str | None = None


class KnowledgeContract(_Section):
    """Answers from the assistant's help centre."""

    # answer questions from the help centre (action_knowledge_answer)
    enabled: bool = True
    # the articles (Markdown with front matter), relative to the assistant folder
    help_centre: str = "help_centre"
    # prefixed to an article's id when its front matter has no ``url``
    article_url_base: str | None = None
    # intents whose examples are questions the help centre must not answer: they calibrate
    # the answer threshold (with the out-of-scope and small-talk intents)
    unanswerable_intents: list[str] = []


class BrandContract(_Section):
    """How the web chat widget presents the assistant."""

    # the team's name: agents' messages on Telegram and Slack are signed "Dana (<title>)"
    title: str = "Support"
    # the widget's accent colour, #rgb or #rrggbb
    colour: Annotated[str, Field(pattern=_COLOUR.pattern)] = "#2f5bea"
    # the widget's first bubble in a new conversation (shown, not stored): one text, or
    # one per language ({en: "Hi!", nb: "Hei!"}; a language without one gets the first)
    greeting: str | dict[str, str] = "Hi! How can I help you today?"

    def greeting_in(self, language: str | None) -> str:
        """The greeting in ``language``, or the first one given."""
        if isinstance(self.greeting, str):
            return self.greeting
        if language and language in self.greeting:
            return self.greeting[language]
        return next(iter(self.greeting.values()), "")


class Contract(_Section):
    """The whole of ``baton.yml``; every key is optional and documented with its default."""

    # a short name for logs and the console (default: the folder's name)
    name: str | None = None
    # languages the assistant serves, the first being its default
    languages: list[str] = ["en"]
    # the slot Baton sets to the conversation's language (en, nb, …) before each turn, when
    # the domain has it: responses choose their words with a condition on it
    language_slot: str | None = "language"
    handoff: HandoffContract = HandoffContract()
    identity: IdentityContract = IdentityContract()
    conversation: ConversationContract = ConversationContract()
    # intent → queue: where a handoff goes by the customer's last topic
    queues: dict[str, str] = {}
    knowledge: KnowledgeContract = KnowledgeContract()
    brand: BrandContract = BrandContract()

    @field_validator("languages")
    @classmethod
    def _some_language(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("list at least one language")
        for code in value:
            if not re.fullmatch(r"[a-z]{2,3}", code):
                raise ValueError(f"{code!r} is not a language code (two or three letters)")
        return value

    # -- what the rest of Baton asks -----------------------------------------------------

    @property
    def trigger(self) -> str | None:
        """The intent a Baton trigger sends to the bot, if any."""
        if self.handoff.trigger_intent:
            return self.handoff.trigger_intent
        return self.handoff.intents[0] if self.handoff.intents else None

    @property
    def queue_names(self) -> frozenset[str]:
        """Every queue a handoff of this assistant can go to."""
        return frozenset([self.handoff.default_queue, *self.queues.values()])

    @property
    def topicless(self) -> frozenset[str]:
        """Intents that say nothing about what the customer needs."""
        c = self.conversation
        return frozenset(
            [
                *c.small_talk_intents,
                *c.ending_intents,
                *c.affirm_intents,
                *c.deny_intents,
                *c.out_of_scope_intents,
                *self.handoff.intents,
                "nlu_fallback",
            ]
        )

    def intent_references(self) -> Iterator[tuple[str, str]]:
        """Every intent the contract names, with the key that names it."""
        lists = {
            "handoff.intents": self.handoff.intents,
            "handoff.always_human_intents": self.handoff.always_human_intents,
            "conversation.ending_intents": self.conversation.ending_intents,
            "conversation.affirm_intents": self.conversation.affirm_intents,
            "conversation.deny_intents": self.conversation.deny_intents,
            "conversation.small_talk_intents": self.conversation.small_talk_intents,
            "conversation.out_of_scope_intents": self.conversation.out_of_scope_intents,
            "knowledge.unanswerable_intents": self.knowledge.unanswerable_intents,
        }
        for key, names in lists.items():
            for index, name in enumerate(names):
                yield f"{key}[{index}]", name
        if self.handoff.trigger_intent:
            yield "handoff.trigger_intent", self.handoff.trigger_intent
        if self.conversation.greet_intent:
            yield "conversation.greet_intent", self.conversation.greet_intent
        for name in self.handoff.reasons:
            yield f"handoff.reasons.{name}", name
        for name in self.queues:
            yield f"queues.{name}", name


class ContractError(ValueError):
    """``baton.yml`` is missing, unreadable, or says something the assistant does not have."""

    def __init__(self, file: Path, key: str | None, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        where = f"{file}: {key}" if key else str(file)
        super().__init__(f"{where}: {problem}")


def read_contract(file: Path) -> Contract:
    """Parse and type-check ``baton.yml`` (no domain check: see :func:`check_against`)."""
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContractError(
            file, None, "no baton.yml: every assistant folder needs one (`baton init` writes one)"
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ContractError(file, None, f"not valid YAML: {_one_line(exc)}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ContractError(file, None, "the file must be a mapping of keys (handoff, identity, …)")
    try:
        return Contract.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]
        ).lstrip(".")
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = "unknown key (see docs/assistant.md for the keys baton.yml takes)"
        elif isinstance(first.get("input"), bool):
            message += " (YAML reads yes/no/on/off as true/false: put the name in quotes)"
        raise ContractError(file, key or None, message) from None


def check_against(
    contract: Contract,
    file: Path,
    *,
    intents: Iterable[str],
    slots: Iterable[str],
    forms: Iterable[str],
) -> None:
    """Refuse a contract that names an intent, slot or form the Rasa domain does not have."""
    known_intents = set(intents) | BUILT_IN_INTENTS
    known_slots = set(slots)
    known_forms = set(forms)
    for key, name in contract.intent_references():
        if name not in known_intents:
            raise ContractError(file, key, f"{name!r} is not an intent of the assistant's domain")
    for field, value in contract.identity.slots.items():
        if not _NAME.match(field):
            raise ContractError(file, f"identity.slots.{field}", "not a valid field name")
        slot = value if isinstance(value, str) else value.slot
        if slot not in known_slots:
            key = f"identity.slots.{field}" + ("" if isinstance(value, str) else ".slot")
            raise ContractError(file, key, f"{slot!r} is not a slot of the assistant's domain")
    if contract.identity.form and contract.identity.form not in known_forms:
        raise ContractError(
            file, "identity.form", f"{contract.identity.form!r} is not a form of the domain"
        )


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def dump_defaults() -> dict[str, Any]:
    """The contract's defaults, as ``baton.yml`` would spell them (for the docs)."""
    return Contract().model_dump(mode="json")

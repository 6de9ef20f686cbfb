"""The assistant's ``baton.yml`` as the actions read it: loaded once per process, on first use.

The names Baton's actions look at (the identity form and slots, the yes/no intents, the
intent a "Talk to a person" button sends, the reason of a handoff) come from the contract,
so the library serves any bot.
"""

from __future__ import annotations

from functools import cache

from rasa_sdk import Tracker

from baton.catalogue import Catalogue
from baton.contract import Contract
from baton.project import Project, load_project
from baton_actions.handoff_reasons import HandoffReason


@cache
def contract() -> Contract:
    """The contract of ``BATON_PROJECT_DIR`` (default: the demo), read on first use."""
    return project().contract


def identity_form() -> str | None:
    return contract().identity.form


def affirm_intents() -> frozenset[str]:
    return frozenset(contract().conversation.affirm_intents)


def deny_intents() -> frozenset[str]:
    return frozenset(contract().conversation.deny_intents)


def handoff_intent() -> str | None:
    """The intent a "Talk to a person" button sends, if the assistant has one."""
    intents = contract().handoff.intents
    return intents[0] if intents else None


def identity_slot(field: str) -> str:
    """The bot's slot for one of Baton's identity fields (name, email, phone, order_number).

    ``identity.slots`` maps them; a field it leaves out is looked for in the slot of the
    field's own name, as in a bot that never renamed them.
    """
    return contract().identity.slot_of(field) or field


def handoff_reason_of(intent: str | None) -> str | None:
    """The reason a handoff reports when `intent` set it going; None: the intent says none.

    ``handoff.reasons`` names it; otherwise a "person, please" intent (``handoff.intents``)
    is "customer_request" and an always-human intent is its own name ("complaint").
    """
    if not intent:
        return None
    handoff = contract().handoff
    if intent in handoff.reasons:
        return handoff.reasons[intent]
    if intent in handoff.intents:
        return HandoffReason.CUSTOMER_REQUEST
    if intent in handoff.always_human_intents:
        return intent
    return None


@cache
def project() -> Project:
    """The assistant folder of ``BATON_PROJECT_DIR`` (default: the demo), read on first use."""
    return load_project()


def catalogue() -> Catalogue:
    """The assistant's texts per language (its ``locales/`` over Baton's)."""
    return project().catalogue


def known_language(tracker: Tracker) -> str | None:
    """The conversation's language as the gateway set it in the language slot, or None
    while nobody knows it (extraction then tries every language it reads)."""
    slot = contract().language_slot
    value = tracker.get_slot(slot) if slot else None
    return value if isinstance(value, str) and value else None


def language(tracker: Tracker) -> str:
    """The conversation's language, as the gateway set it in the language slot; the
    assistant's default language when it has none."""
    return catalogue().language(known_language(tracker))

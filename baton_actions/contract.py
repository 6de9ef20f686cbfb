"""The assistant's ``baton.yml`` as the actions read it: loaded once per process, on first use.

The names Baton's actions look at (the identity form, the yes/no intents, the intent a
"Talk to a person" button sends) come from the contract, so the library serves any bot.
"""

from __future__ import annotations

from functools import cache

from baton.contract import Contract
from baton.project import load_project


@cache
def contract() -> Contract:
    """The contract of ``BATON_PROJECT_DIR`` (default: the demo), read on first use."""
    return load_project().contract


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

"""What Baton's actions say to a customer, in the conversation's language, and their buttons.

The words are in the message catalogue (``baton/locales/<language>.yml``, keys ``identity.*``,
``handoff.*``, ``knowledge.*``), which an assistant can reword in its own ``locales/``.
Nothing here names a shop or a bot's intents (a button's intent comes from the contract).
An assistant's own actions keep their keys in their folder's ``locales/`` and say them with
:func:`say`. A button's payload is a Rasa intent ("/request_human"), which the web widget
sends back verbatim when the customer clicks it.
"""

from __future__ import annotations

from typing import Any, Final, TypedDict

from baton_actions import contract


class Button(TypedDict):
    title: str  # what the customer sees
    payload: str  # what is sent back on click: "/<intent>"


def button(title: str, intent: str) -> Button:
    return {"title": title, "payload": f"/{intent}"}


def say(key: str, language: str | None, /, **params: Any) -> str:
    """The catalogue's text ``key`` in ``language`` (the assistant's default when None)."""
    return contract.catalogue().text(key, language, **params)


def _buttons(language: str | None, *pairs: tuple[str, str | None]) -> list[Button]:
    """Buttons for the intents the assistant has (a missing intent drops its button)."""
    return [button(say(key, language), intent) for key, intent in pairs if intent]


def talk_to_person(language: str | None) -> list[Button]:
    """ "Talk to a person", sending the assistant's first handoff intent (if it has one)."""
    return _buttons(language, ("handoff.button_talk_to_person", contract.handoff_intent()))


def no_order_number(language: str | None) -> list[Button]:
    """ "I don't have one", sending the assistant's first deny intent (if it has one)."""
    deny = next(iter(sorted(contract.deny_intents())), None)
    return _buttons(language, ("identity.button_no_order_number", deny))


def did_that_help_buttons(language: str | None) -> list[Button]:
    c = contract.contract().conversation
    return _buttons(
        language,
        ("knowledge.button_yes", c.affirm_intents[0] if c.affirm_intents else None),
        ("knowledge.button_no", c.deny_intents[0] if c.deny_intents else None),
    )


_MAX_ECHO: Final = 40  # how much of a customer's invalid input we quote back


def quote(value: object) -> str:
    text = " ".join(str(value).split())
    return f"“{text[:_MAX_ECHO]}…”" if len(text) > _MAX_ECHO else f"“{text}”"


# --- identity ---------------------------------------------------------------------------


def ask_email(first_name: str | None, language: str | None) -> str:
    if first_name:
        return say("identity.ask_email_named", language, first_name=first_name)
    return say("identity.ask_email", language)


def invalid_name(value: object, language: str | None) -> str:
    return say("identity.invalid_name", language, value=quote(value))


def invalid_email(value: object, language: str | None) -> str:
    return say("identity.invalid_email", language, value=quote(value))


def order_number_wrong_length(digits: str, language: str | None) -> str:
    return say(
        "identity.order_number_wrong_length", language, value=quote(digits), count=len(digits)
    )


# --- handoff ----------------------------------------------------------------------------


def handoff_connecting(first_name: str | None, language: str | None) -> str:
    if first_name:
        return say("handoff.connecting_named", language, first_name=first_name)
    return say("handoff.connecting", language)


# --- knowledge answers ------------------------------------------------------------------


def knowledge_rephrase(language: str | None, *, with_topics: bool) -> str:
    """The request for other words, pointing at the topic buttons when there are some."""
    return say("knowledge.rephrase_with_topics" if with_topics else "knowledge.rephrase", language)


def knowledge_answer(
    first: str,
    rest: str,
    title: str,
    link: str | None,
    language: str | None,
    *,
    article_language: str | None = None,
) -> str:
    """The answer: its first sentence, the rest of the passage, and where it comes from;
    said to be in another language when the article is in one."""
    body = f"{first}\n\n{rest}" if rest else first
    source = say("knowledge.source", language, source=f"{title}: {link}" if link else title)
    if article_language and article_language != contract.catalogue().language(language):
        name = say("language.name", article_language)
        lead = say("knowledge.other_language", language, language=name)
        return f"{lead}\n\n{body}\n\n{source}"
    return f"{body}\n\n{source}"

"""Every sentence Baton's actions say to a customer, and the buttons that go with them.

Words any assistant can use: nothing here names a shop or a bot's intents (a button's intent
comes from the contract). An assistant's own actions keep their texts in their own package
(the demo's in bot/actions/texts.py). A button's payload is a Rasa intent ("/request_human"),
which the web widget sends back verbatim when the customer clicks it.
"""

from __future__ import annotations

from typing import Final, TypedDict

from baton_actions import contract


class Button(TypedDict):
    title: str  # what the customer sees
    payload: str  # what is sent back on click: "/<intent>"


def button(title: str, intent: str) -> Button:
    return {"title": title, "payload": f"/{intent}"}


def _buttons(*pairs: tuple[str, str | None]) -> list[Button]:
    """Buttons for the intents the assistant has (a missing intent drops its button)."""
    return [button(title, intent) for title, intent in pairs if intent]


def talk_to_person() -> list[Button]:
    """ "Talk to a person", sending the assistant's first handoff intent (if it has one)."""
    return _buttons(("Talk to a person", contract.handoff_intent()))


def no_order_number() -> list[Button]:
    """ "I don't have one", sending the assistant's first deny intent (if it has one)."""
    return _buttons(("I don't have one", next(iter(sorted(contract.deny_intents())), None)))


def did_that_help_buttons() -> list[Button]:
    c = contract.contract().conversation
    return _buttons(
        ("Yes, thanks", c.affirm_intents[0] if c.affirm_intents else None),
        ("No", c.deny_intents[0] if c.deny_intents else None),
    )


_MAX_ECHO: Final = 40  # how much of a customer's invalid input we quote back


def _quote(value: object) -> str:
    text = " ".join(str(value).split())
    return f"“{text[:_MAX_ECHO]}…”" if len(text) > _MAX_ECHO else f"“{text}”"


# --- identity ---------------------------------------------------------------------------

ASK_NAME: Final = "So they can help you straight away: what's your name?"


def ask_email(first_name: str | None) -> str:
    greeting = f"Thanks, {first_name}. " if first_name else ""
    return f"{greeting}What's the email address you used for your account?"


ASK_ORDER_NUMBER_FOR_IDENTITY: Final = (
    "And if this is about an order, what's the order number? It's the 5 to 8 digit number "
    "in your order confirmation email."
)


def invalid_name(value: object) -> str:
    return (
        f"Sorry, {_quote(value)} doesn't look like a name to me. "
        "Please type just your name, for example “Anna Schmidt”."
    )


def invalid_email(value: object) -> str:
    return (
        f"Hmm, {_quote(value)} doesn't look like an email address. "
        "Please type it in full, like name@example.com."
    )


def order_number_wrong_length(digits: str) -> str:
    return (
        f"Order numbers have 5 to 8 digits, and {_quote(digits)} has {len(digits)}. "
        "Could you check it?"
    )


NO_ORDER_NUMBER_FOUND: Final = (
    "I couldn't spot an order number in that. Please type the 5 to 8 digits, "
    "or tell me if you don't have one."
)


# --- handoff ----------------------------------------------------------------------------


def handoff_connecting(first_name: str | None) -> str:
    thanks = f"Thanks, {first_name}. " if first_name else "Thanks. "
    return (
        f"{thanks}I'm connecting you with a colleague now. They'll see our conversation, "
        "so you won't need to repeat yourself."
    )


# --- knowledge answers ------------------------------------------------------------------

DID_THAT_HELP: Final = "Did that help?"
KNOWLEDGE_HELPED: Final = "Great! Is there anything else I can help you with?"
KNOWLEDGE_NOT_HELPED: Final = (
    "Sorry about that. Could you tell me in other words what you need? "
    "A few more details help me find the right answer."
)


def knowledge_rephrase(*, with_topics: bool) -> str:
    """The request for other words, pointing at the topic buttons when there are some."""
    ask = (
        "I'm not sure I have an answer to that. Could you put it another way, with a few more "
        "details?"
    )
    return f"{ask} Or pick one of these:" if with_topics else ask


KNOWLEDGE_HANDOFF: Final = (
    "I couldn't find the answer in our help centre, so I'll connect you with a colleague "
    "who can help."
)
KNOWLEDGE_UNAVAILABLE: Final = (
    "Sorry, I can't search our help centre right now. A colleague can answer your question."
)


def knowledge_answer(first: str, rest: str, title: str, link: str | None) -> str:
    """The answer: its first sentence, the rest of the passage, and where it comes from."""
    body = f"{first}\n\n{rest}" if rest else first
    source = f"{title}: {link}" if link else title
    return f"{body}\n\nFrom our help centre — {source}"

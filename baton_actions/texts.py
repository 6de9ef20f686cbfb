"""Every sentence the custom actions say to a customer, and the buttons that go with them.

Responses that need no data live in bot/domain/domain.yml; these need slot values or order data.
A button's payload is a Rasa intent ("/request_human"), which the web widget sends back
verbatim when the customer clicks it.
"""

from __future__ import annotations

from datetime import date
from typing import Final, TypedDict, assert_never

from baton_actions import contract
from baton_actions.orders import Cancelled, Delivered, Order, Processing, Refunded, Shipped


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


CHECK_ANOTHER_ORDER: Final = button("Check another order", "order_status")
START_A_RETURN: Final = button("Start a return", "returns")

_MAX_ECHO: Final = 40  # how much of a customer's invalid input we quote back


def _quote(value: object) -> str:
    text = " ".join(str(value).split())
    return f"“{text[:_MAX_ECHO]}…”" if len(text) > _MAX_ECHO else f"“{text}”"


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- identity ---------------------------------------------------------------------------

ASK_NAME: Final = "So they can help you straight away: what's your name?"


def ask_email(first_name: str | None) -> str:
    greeting = f"Thanks, {first_name}. " if first_name else ""
    return f"{greeting}What's the email address you used for your Voltify account?"


ASK_ORDER_NUMBER_FOR_IDENTITY: Final = (
    "And if this is about an order, what's the order number? It's the 5 to 8 digit number "
    "in your order confirmation email."
)
ASK_ORDER_NUMBER_FOR_LOOKUP: Final = (
    "Sure, I can check that. What's your order number? It's the 5 to 8 digit number in your "
    "order confirmation email."
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
        f"Voltify order numbers have 5 to 8 digits, and {_quote(digits)} has {len(digits)}. "
        "Could you check it?"
    )


NO_ORDER_NUMBER_FOUND: Final = (
    "I couldn't spot an order number in that. Please type the 5 to 8 digits, "
    "or tell me if you don't have one."
)


# --- order status -----------------------------------------------------------------------


def _items(order: Order) -> str:
    if len(order.items) == 1:
        return order.items[0]
    return f"{', '.join(order.items[:-1])} and {order.items[-1]}"


def order_status(order: Order) -> str:
    """The status of one order, always naming its number."""
    lead = f"Order {order.number} ({_items(order)})"
    match order.progress:
        case Processing(estimated_dispatch=dispatch):
            return (
                f"{lead} is being prepared in our warehouse. "
                f"We expect to dispatch it by {_day(dispatch)}."
            )
        case Shipped(carrier=carrier, tracking_number=tracking, estimated_delivery=due):
            return (
                f"{lead} is on its way with {carrier}, tracking number {tracking}. "
                f"Expected delivery: {_day(due)}."
            )
        case Delivered(delivered_on=delivered):
            return f"{lead} was delivered on {_day(delivered)}."
        case Cancelled(cancelled_on=cancelled):
            return f"{lead} was cancelled on {_day(cancelled)}. You haven't been charged for it."
        case Refunded(refunded_on=refunded, refund_amount=amount):
            return (
                f"{lead} was refunded on {_day(refunded)}: {amount} back to your original "
                "payment method. Banks usually take 3 to 5 business days to show it."
            )
        case _:
            assert_never(order.progress)


def order_not_found(number: str) -> str:
    return (
        f"I couldn't find order {number}. Please check the number: it's in your order "
        "confirmation email."
    )


NEED_ORDER_NUMBER: Final = (
    "No problem. Without an order number I can't look the order up myself, "
    "but a colleague can find it from your email address."
)
ORDERS_UNAVAILABLE: Final = (
    "Sorry, I can't reach our order system right now. A colleague can check it for you."
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
KNOWLEDGE_REPHRASE: Final = (
    "I'm not sure I have an answer to that. Could you put it another way, with a few more "
    "details? Or pick one of these:"
)
KNOWLEDGE_HANDOFF: Final = (
    "I couldn't find the answer in our help centre, so I'll connect you with a colleague "
    "who can help."
)
KNOWLEDGE_UNAVAILABLE: Final = (
    "Sorry, I can't search our help centre right now. A colleague can answer your question."
)
TOPIC_BUTTONS: Final = [
    button("Track my order", "order_status"),
    button("Returns", "returns"),
    button("Delivery options", "delivery_options"),
]
# a clicked topic button sends only its intent ("/returns"): the question it stands for
KNOWLEDGE_TOPIC_QUESTIONS: Final[dict[str, str]] = {
    "returns": "How do I return a product?",
    "delivery_options": "What delivery options do you offer and what do they cost?",
    "refund_status": "When will I get my refund?",
    "invoice": "Where can I find my invoice?",
    "payment_problem": "My payment did not work",
    "account_password": "How do I reset my password?",
    "product_question": "Where can I find product specifications and advice?",
    "stock_availability": "When will a sold-out product be back in stock?",
    "warranty": "How do I make a warranty claim?",
    "discount_code": "How do I use a discount code?",
    "contact_hours": "When is customer service open?",
}


def knowledge_answer(first: str, rest: str, title: str, link: str | None) -> str:
    """The answer: its first sentence, the rest of the passage, and where it comes from."""
    body = f"{first}\n\n{rest}" if rest else first
    source = f"{title}: {link}" if link else title
    return f"{body}\n\nFrom our help centre — {source}"

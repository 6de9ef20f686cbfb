"""What the Voltify demo's own actions say: order statuses, the lookup's question, topics.

Baton's words for identity, handoff and knowledge answers are in `baton_actions.texts`
(and its `Button` helpers are used here); these name the demo shop's orders and intents.
"""

from __future__ import annotations

from datetime import date
from typing import Final, assert_never

from baton_actions.texts import Button, button

from .orders import Cancelled, Delivered, Order, Processing, Refunded, Shipped

# --- order status -----------------------------------------------------------------------

ASK_ORDER_NUMBER_FOR_LOOKUP: Final = (
    "Sure, I can check that. What's your order number? It's the 5 to 8 digit number in your "
    "order confirmation email."
)
CHECK_ANOTHER_ORDER: Final = button("Check another order", "order_status")
START_A_RETURN: Final = button("Start a return", "returns")


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


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

# --- knowledge answers: the topics offered when the bot asks for other words -------------

TOPIC_BUTTONS: Final[list[Button]] = [
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

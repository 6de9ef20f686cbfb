"""Baton's rasa-sdk actions as a library, served with the assistant's own by baton_actions.server.

`python -m baton_actions.server` imports this package; importing the modules below
registers their actions. Nothing heavy happens at import: the orders file is read on the
first order lookup.
"""

from __future__ import annotations

from baton_actions.asks import ActionAskEmail, ActionAskName, ActionAskOrderNumber
from baton_actions.handoff import ActionHandoff, HandoffControl, handoff_control, handoff_reason
from baton_actions.handoff_reasons import HandoffReason
from baton_actions.identity import ValidateIdentityForm
from baton_actions.knowledge import ActionKnowledgeAnswer, ActionKnowledgeFeedback
from baton_actions.order_status import ActionOrderStatus, ValidateOrderNumberForm
from baton_actions.orders import Order, OrderBook, OrderBookError, OrderStatus, load_order_book

__all__ = [
    "ActionAskEmail",
    "ActionAskName",
    "ActionAskOrderNumber",
    "ActionHandoff",
    "ActionKnowledgeAnswer",
    "ActionKnowledgeFeedback",
    "ActionOrderStatus",
    "HandoffControl",
    "HandoffReason",
    "Order",
    "OrderBook",
    "OrderBookError",
    "OrderStatus",
    "ValidateIdentityForm",
    "ValidateOrderNumberForm",
    "handoff_control",
    "handoff_reason",
    "load_order_book",
]

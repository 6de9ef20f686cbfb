"""Baton's custom actions for the Voltify demo bot, served by the rasa-sdk action server.

`python -m rasa_sdk --actions actions` imports this package; importing the modules below
registers their actions. Nothing heavy happens at import: the orders file is read on the
first order lookup.
"""

from __future__ import annotations

from actions.asks import ActionAskEmail, ActionAskName, ActionAskOrderNumber
from actions.handoff import ActionHandoff, HandoffControl, handoff_control, handoff_reason
from actions.handoff_reasons import HandoffReason
from actions.identity import ValidateIdentityForm
from actions.knowledge import ActionKnowledgeAnswer, ActionKnowledgeFeedback
from actions.order_status import ActionOrderStatus, ValidateOrderNumberForm
from actions.orders import Order, OrderBook, OrderBookError, OrderStatus, load_order_book

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

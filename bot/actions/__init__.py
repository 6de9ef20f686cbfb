"""The Voltify demo assistant's own actions, served with Baton's by baton_actions.server.

The server imports this package (as ``actions``, with ``bot/`` on ``sys.path``) and every
module in it; importing the modules registers their actions. The modules import each
other relatively, so the package also imports under another name (the tests do).

- ``orders``: the demo shop's order book, from ``$BATON_ORDERS_FILE`` or
  ``data/demo_orders.json`` next to it;
- ``order_status``: ``action_order_status``, ``validate_order_number_form`` and the lookup's
  wording of ``action_ask_order_number``;
- ``knowledge``: ``action_knowledge_answer`` with the demo's topic buttons;
- ``texts``: what these actions say.
"""

from __future__ import annotations

from .knowledge import ActionKnowledgeAnswer
from .order_status import ActionAskOrderNumber, ActionOrderStatus, ValidateOrderNumberForm
from .orders import Order, OrderBook, OrderBookError, OrderStatus, load_order_book

__all__ = [
    "ActionAskOrderNumber",
    "ActionKnowledgeAnswer",
    "ActionOrderStatus",
    "Order",
    "OrderBook",
    "OrderBookError",
    "OrderStatus",
    "ValidateOrderNumberForm",
    "load_order_book",
]

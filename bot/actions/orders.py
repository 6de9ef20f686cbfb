"""The Voltify demo shop's orders, read-only, as the bot may tell them to a customer.

Orders come from a JSON file: `$BATON_ORDERS_FILE` (a path; set it to point the demo at
other orders), or by default the fictional shop's orders next to this module,
`bot/actions/data/demo_orders.json`. The file is read on first use and cached until it
changes on disk. Its shape:

    {"orders": [{"number": "12345", "status": "shipped", "placed_on": "2025-03-03",
                 "items": ["..."], "carrier": "DHL", "tracking_number": "...",
                 "estimated_delivery": "2025-03-07"}, ...]}

Each status needs the fields of its progress class (`Shipped`: carrier, tracking_number,
estimated_delivery; ...); other keys are ignored.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, get_type_hints

ORDERS_FILE_ENV: Final = "BATON_ORDERS_FILE"
DEMO_ORDERS_FILE: Final = Path(__file__).resolve().parent / "data" / "demo_orders.json"

# Voltify order numbers are 5 to 8 digits.
ORDER_NUMBER_PATTERN: Final = re.compile(r"\d{5,8}")


def is_order_number(text: str) -> bool:
    """True when `text` is, exactly, a well-formed order number."""
    return ORDER_NUMBER_PATTERN.fullmatch(text) is not None


class OrderStatus(StrEnum):
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


@dataclass(frozen=True, slots=True)
class Processing:
    estimated_dispatch: date


@dataclass(frozen=True, slots=True)
class Shipped:
    carrier: str
    tracking_number: str
    estimated_delivery: date


@dataclass(frozen=True, slots=True)
class Delivered:
    delivered_on: date


@dataclass(frozen=True, slots=True)
class Cancelled:
    cancelled_on: date


@dataclass(frozen=True, slots=True)
class Refunded:
    refunded_on: date
    refund_amount: str  # as shown to the customer, currency included: "€649.00"


Progress = Processing | Shipped | Delivered | Cancelled | Refunded

# each status's details, read from the order's fields of the same names
_PROGRESS_BY_STATUS: Final[dict[OrderStatus, type[Progress]]] = {
    OrderStatus.PROCESSING: Processing,
    OrderStatus.SHIPPED: Shipped,
    OrderStatus.DELIVERED: Delivered,
    OrderStatus.CANCELLED: Cancelled,
    OrderStatus.REFUNDED: Refunded,
}


class OrderBookError(Exception):
    """The orders file cannot be read or does not have the documented shape."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"orders file {path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Order:
    """One order; `progress` holds the details its status comes with."""

    number: str
    placed_on: date
    items: tuple[str, ...]
    progress: Progress

    @property
    def status(self) -> OrderStatus:
        return next(s for s, kind in _PROGRESS_BY_STATUS.items() if isinstance(self.progress, kind))


class OrderBook:
    """Orders by number."""

    def __init__(self, orders: Iterable[Order]) -> None:
        self._orders: dict[str, Order] = {}
        for order in orders:
            if order.number in self._orders:
                raise ValueError(f"order {order.number} appears twice")
            self._orders[order.number] = order

    @classmethod
    def from_file(cls, path: Path) -> OrderBook:
        """Read and check a whole orders file; raise `OrderBookError` on any problem."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise OrderBookError(path, str(error)) from error
        if not isinstance(document, dict) or not isinstance(document.get("orders"), list):
            raise OrderBookError(path, 'expected an object with an "orders" list')
        try:
            return cls(_parse_order(raw) for raw in document["orders"])
        except (ValueError, TypeError, KeyError) as error:
            raise OrderBookError(path, f"{type(error).__name__}: {error}") from error

    def find(self, number: str) -> Order | None:
        """The order with this number, or None when there is none."""
        return self._orders.get(number)

    def __len__(self) -> int:
        return len(self._orders)


def _parse_order(raw: Mapping[str, Any]) -> Order:
    number = raw["number"]
    if not isinstance(number, str) or not is_order_number(number):
        raise ValueError(f"order number {number!r} is not a string of 5 to 8 digits")
    items = raw["items"]
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise ValueError(f"order {number}: items must be a non-empty list of strings")
    kind = _PROGRESS_BY_STATUS[OrderStatus(raw["status"])]
    types = get_type_hints(kind)
    details: dict[str, Any] = {}
    for field in fields(kind):
        if not raw.get(field.name):
            raise ValueError(f"order {number} is {raw['status']} but lacks {field.name}")
        value = raw[field.name]
        details[field.name] = date.fromisoformat(value) if types[field.name] is date else str(value)
    return Order(
        number=number,
        placed_on=date.fromisoformat(raw["placed_on"]),
        items=tuple(items),
        progress=kind(**details),
    )


def orders_file() -> Path:
    """The orders file in effect now: `$BATON_ORDERS_FILE` if set, else the demo orders."""
    configured = os.environ.get(ORDERS_FILE_ENV, "").strip()
    return Path(configured) if configured else DEMO_ORDERS_FILE


def load_order_book(path: Path | None = None) -> OrderBook:
    """The order book of `path` (default: `orders_file()`), re-read only when the file changed.

    Raises `OrderBookError` when the file is missing or malformed.
    """
    path = path or orders_file()
    try:
        modified = path.stat().st_mtime_ns
    except OSError as error:
        raise OrderBookError(path, str(error)) from error
    return _cached_order_book(path, modified)


@lru_cache(maxsize=4)
def _cached_order_book(path: Path, modified: int) -> OrderBook:
    # `modified` is part of the cache key only: an edited file gets a fresh entry
    return OrderBook.from_file(path)

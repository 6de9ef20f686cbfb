"""The demo shop's order book (bot/actions/orders.py)."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from baton import paths
from tests.bot.demo_actions import demo_module

orders = demo_module("orders")
DEMO_ORDERS_FILE = orders.DEMO_ORDERS_FILE
ORDERS_FILE_ENV = orders.ORDERS_FILE_ENV
OrderBook = orders.OrderBook
OrderBookError = orders.OrderBookError
OrderStatus = orders.OrderStatus
Shipped = orders.Shipped
load_order_book = orders.load_order_book
orders_file = orders.orders_file


def write_orders(path: Path, orders: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps({"orders": orders}), encoding="utf-8")
    return path


SHIPPED: dict[str, object] = {
    "number": "54321",
    "status": "shipped",
    "placed_on": "2025-03-01",
    "items": ["Test phone"],
    "carrier": "DHL",
    "tracking_number": "T1",
    "estimated_delivery": "2025-03-04",
}


def test_demo_orders_sit_next_to_the_module_and_the_environment_names_others() -> None:
    assert DEMO_ORDERS_FILE == paths.DEMO / "actions" / "data" / "demo_orders.json"
    assert DEMO_ORDERS_FILE.is_file()
    assert ORDERS_FILE_ENV == "BATON_ORDERS_FILE"


def test_demo_orders_cover_every_status_and_have_12345_shipped() -> None:
    book = OrderBook.from_file(DEMO_ORDERS_FILE)

    assert len(book) >= 15
    samples = [book.find(n) for n in ("12345", "4829301", "55012", "67890", "304512")]
    assert {order.status for order in samples if order} == set(OrderStatus)
    order = book.find("12345")
    assert order is not None and isinstance(order.progress, Shipped)
    assert order.progress.carrier and order.progress.tracking_number


def test_unknown_number_is_not_found() -> None:
    assert OrderBook.from_file(DEMO_ORDERS_FILE).find("99999") is None


def test_orders_file_defaults_to_demo_and_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ORDERS_FILE_ENV, raising=False)
    assert orders_file() == DEMO_ORDERS_FILE

    custom = write_orders(tmp_path / "orders.json", [SHIPPED])
    monkeypatch.setenv(ORDERS_FILE_ENV, str(custom))

    assert orders_file() == custom
    assert load_order_book().find("54321") is not None
    assert load_order_book().find("12345") is None


def test_edited_file_is_read_again(tmp_path: Path) -> None:
    path = write_orders(tmp_path / "orders.json", [SHIPPED])
    assert load_order_book(path).find("54321") is not None

    write_orders(path, [{**SHIPPED, "number": "65432"}])
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))

    assert load_order_book(path).find("65432") is not None


def test_dates_are_parsed() -> None:
    order = OrderBook.from_file(DEMO_ORDERS_FILE).find("12345")
    assert order is not None and order.placed_on == date(2025, 3, 3)


@pytest.mark.parametrize(
    ("orders", "problem"),
    [
        ([{**SHIPPED, "carrier": ""}], "lacks carrier"),
        ([{**SHIPPED, "number": "1234"}], "5 to 8 digits"),
        ([{**SHIPPED, "status": "lost"}], "lost"),
        ([SHIPPED, SHIPPED], "appears twice"),
        ([{**SHIPPED, "items": []}], "items"),
    ],
)
def test_malformed_orders_are_refused_with_the_problem(
    tmp_path: Path, orders: list[dict[str, object]], problem: str
) -> None:
    path = write_orders(tmp_path / "orders.json", orders)

    with pytest.raises(OrderBookError, match=problem):
        OrderBook.from_file(path)


def test_missing_or_broken_file_raises_order_book_error(tmp_path: Path) -> None:
    with pytest.raises(OrderBookError):
        load_order_book(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(OrderBookError):
        load_order_book(broken)

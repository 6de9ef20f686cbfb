"""Telegram updates read by pure functions: what the customer did, or why it is ignored."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.errors import InvalidUpdate
from connectors.telegram.updates import (
    ButtonClick,
    ContinueOnWeb,
    Ignored,
    NotText,
    StaleCallback,
    Start,
    Text,
    button_data,
    classify,
    read_update,
)
from tests.connectors.telegram.conftest import callback_update, text_update


def test_read_update_takes_a_json_object_with_an_integer_update_id() -> None:
    assert read_update(b'{"update_id": 5, "message": {}}') == (5, {"update_id": 5, "message": {}})


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"\xff\xfe", b"[]", b'"text"', b"{}", b'{"update_id": "5"}',
     b'{"update_id": true}', b'{"update_id": 1.5}'],
)  # fmt: skip
def test_read_update_refuses_anything_else(raw: bytes) -> None:
    with pytest.raises(InvalidUpdate):
        read_update(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", Text),
        ("/start", Start),
        ("/start@VoltifyBot", Start),
        ("/web", ContinueOnWeb),
        ("/unknown command", Text),  # goes to the bot, which may know it
    ],
)
def test_text_messages_and_commands(text: str, expected: type) -> None:
    assert isinstance(classify(text_update(text)), expected)


def test_start_carries_the_deep_link_code() -> None:
    action = classify(text_update("/start AbC-123_x"))
    assert isinstance(action, Start) and action.code == "AbC-123_x"
    bare = classify(text_update("/start"))
    assert isinstance(bare, Start) and bare.code is None


def test_text_and_start_carry_the_customers_app_language() -> None:
    update = text_update("hvor er pakken min?")
    update["message"]["from"]["language_code"] = "nb"
    action = classify(update)
    assert isinstance(action, Text) and action.language_code == "nb"
    start = text_update("/start")
    start["message"]["from"]["language_code"] = "pl"
    started = classify(start)
    assert isinstance(started, Start) and started.language_code == "pl"
    unsaid = classify(text_update("hello"))
    assert isinstance(unsaid, Text) and unsaid.language_code is None


def test_our_buttons_name_the_message_and_the_index() -> None:
    action = classify(callback_update(button_data(42, 3)))
    assert isinstance(action, ButtonClick)
    assert (action.message_id, action.index) == (42, 3)
    assert isinstance(classify(callback_update("something else")), StaleCallback)


def _with(update: dict[str, Any], **changes: Any) -> dict[str, Any]:
    update["message"] |= changes
    return update


def test_non_text_group_and_unknown_updates() -> None:
    photo = text_update("x")
    del photo["message"]["text"]
    assert isinstance(classify(photo), NotText)
    group = _with(text_update("hi"), chat={"id": -5, "type": "supergroup", "title": "g"})
    assert isinstance(classify(group), Ignored)
    edited = text_update("hi")
    edited["edited_message"] = edited.pop("message")
    assert classify(edited) == Ignored("update type edited_message is not served")
    assert isinstance(classify({"update_id": 3, "message": {"chat": "broken"}}), Ignored)

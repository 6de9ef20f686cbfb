"""How stored messages become Telegram sendMessage calls."""

from __future__ import annotations

from connectors.telegram.sender import render


def test_a_bot_message_is_plain_and_its_buttons_ride_on_the_last_part() -> None:
    parts = render({"message_id": 7, "sender": "bot", "text": "Pick one",
                    "buttons": [{"title": "Yes", "payload": "/affirm"},
                                {"title": "No", "payload": "/deny"}]})  # fmt: skip
    assert parts == [
        {
            "text": "Pick one",
            "reply_markup": {
                "inline_keyboard": [
                    [{"text": "Yes", "callback_data": "b:7:0"}],
                    [{"text": "No", "callback_data": "b:7:1"}],
                ]
            },
        }
    ]


def test_an_agent_message_carries_the_agents_name() -> None:
    parts = render(
        {"message_id": 8, "sender": "agent", "agent_name": "Dana", "text": "Hi!"},
        team="Voltify support",
    )
    assert parts == [{"text": "Dana (Voltify support): Hi!"}]


def test_a_long_message_is_split_with_the_keyboard_on_the_last_part() -> None:
    text = "\n\n".join(["paragraph " * 300] * 3)  # 3 x 3,000 characters
    parts = render({"message_id": 9, "sender": "bot", "text": text,
                    "buttons": [{"title": "Ok", "payload": "/ok"}]})  # fmt: skip
    assert len(parts) == 3
    assert all(len(p["text"]) <= 4096 for p in parts)
    assert ["reply_markup" in p for p in parts] == [False, False, True]


def test_an_empty_text_still_sends_something_telegram_accepts() -> None:
    assert render({"message_id": 1, "sender": "bot", "text": "  "}) == [{"text": "…"}]

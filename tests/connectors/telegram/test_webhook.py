"""The Telegram channel end to end: webhook → router → fake Rasa → outbox → fake Bot API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.connectors.channels import claim
from tests.connectors.telegram.conftest import (
    CHAT,
    TelegramSetup,
    callback_update,
    telegram_gateway,
    text_update,
)


def texts(sent: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in sent]


async def test_a_message_gets_the_bot_reply_with_buttons_as_an_inline_keyboard(
    tg: TelegramSetup,
) -> None:
    response = await tg.post(text_update("hi"))
    assert response.status_code == 200
    sent = await tg.fake.wait_for(lambda s: len(s) >= 1)
    assert texts(sent) == ["Hi! How can I help?"]
    keyboard = sent[0]["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in keyboard] == [["Track my order"]]
    assert keyboard[0][0]["callback_data"].startswith("b:")
    assert sent[0]["chat_id"] == CHAT
    # the customer saw "typing…" while the bot worked
    assert any(c.method == "sendChatAction" for c in tg.fake.calls)


async def test_a_clicked_button_sends_its_payload_to_the_bot(tg: TelegramSetup) -> None:
    await tg.post(text_update("hi"))
    sent = await tg.fake.wait_for(lambda s: len(s) >= 1)
    data = sent[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert (await tg.post(callback_update(data))).status_code == 200
    await tg.fake.wait_for(lambda s: len(s) >= 2)
    received = [text for _, text in tg.gateway.rasa.state.received]
    assert received == ["hi", "/order_status"]
    answered = [c for c in tg.fake.calls if c.method == "answerCallbackQuery"]
    assert len(answered) == 1


async def test_a_forged_or_unknown_button_is_answered_as_expired_and_reaches_nobody(
    tg: TelegramSetup,
) -> None:
    await tg.post(text_update("hi"))
    await tg.fake.wait_for(lambda s: len(s) >= 1)
    await tg.post(callback_update("b:999999:0"))
    await tg.post(callback_update("not-ours"))
    for _ in range(100):
        if len([c for c in tg.fake.calls if c.method == "answerCallbackQuery"]) == 2:
            break
        await asyncio.sleep(0.05)
    answers = [c.params for c in tg.fake.calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 2 and all("expired" in a["text"] for a in answers)
    assert [text for _, text in tg.gateway.rasa.state.received] == ["hi"]


async def test_a_wrong_or_missing_secret_token_is_refused_and_nothing_is_stored(
    tg: TelegramSetup,
) -> None:
    wrong = await tg.post(text_update("hi"), secret="webhook-secret_2")
    missing = await tg.post(text_update("hi"), secret=None)
    assert wrong.status_code == 403 and missing.status_code == 403
    await tg.post(text_update("after"))
    await tg.fake.wait_for(lambda s: len(s) >= 1)
    assert [text for _, text in tg.gateway.rasa.state.received] == ["after"]


async def test_malformed_json_and_bodies_without_update_id_are_rejected(tg: TelegramSetup) -> None:
    assert (await tg.post(b"{not json")).status_code == 400
    assert (await tg.post(b"[1, 2]")).status_code == 400
    assert (await tg.post({"message": {"text": "hi"}})).status_code == 400
    assert (await tg.post({"update_id": "7"})).status_code == 400
    body = (await tg.post(b"{not json")).json()
    assert body["error"]["code"] == "invalid_update"


async def test_a_redelivered_update_is_processed_once(tg: TelegramSetup) -> None:
    update = text_update("hi")
    responses = await asyncio.gather(*(tg.post(update) for _ in range(3)))
    assert [r.status_code for r in responses] == [200, 200, 200]
    await tg.post(text_update("next"))
    await tg.fake.wait_for(lambda s: len(s) >= 2)
    assert [text for _, text in tg.gateway.rasa.state.received] == ["hi", "next"]
    assert texts(tg.fake.sent()) == ["Hi! How can I help?", "You said: next"]


async def test_unknown_updates_and_non_text_messages_are_handled_without_the_bot(
    tg: TelegramSetup,
) -> None:
    edited = text_update("hi")
    edited["edited_message"] = edited.pop("message")
    photo = text_update("x")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    group = text_update("hello group")
    group["message"]["chat"]["type"] = "group"
    for update in (edited, {"update_id": 987654, "poll": {"id": "p"}}, group, photo):
        assert (await tg.post(update)).status_code == 200
    sent = await tg.fake.wait_for(lambda s: len(s) >= 1)
    assert texts(sent) == ["Sorry, I can only read text messages. Please type your question."]
    assert tg.gateway.rasa.state.received == []


async def test_a_bot_reply_over_4096_characters_arrives_in_parts_in_order(
    tmp_path: Path,
) -> None:
    long_text = " ".join(f"word{i}" for i in range(1200))  # 8,489 characters
    async with telegram_gateway(tmp_path, max_message_chars=10_000) as tg:
        assert (await tg.post(text_update(long_text))).status_code == 200
        sent = await tg.fake.wait_for(lambda s: len(s) >= 3)
    parts = texts(sent)
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == f"You said: {long_text}".split()


async def test_an_agent_reply_is_split_by_telegrams_utf16_count(tg: TelegramSetup) -> None:
    dana = await tg.gateway.add_agent("dana")
    await tg.post(text_update("I want a human"))
    cid = await _conversation_of(tg)
    await _claim(tg, cid, dana)
    emoji = "\U0001f642" * 2100  # 2,100 characters, 4,200 UTF-16 code units
    for text in ("first", emoji, "last"):
        r = await tg.gateway.http.post(
            f"/api/handoff/conversations/{cid}/messages", json={"text": text}, headers=dana
        )
        assert r.status_code == 200, r.text
    sent = await tg.fake.wait_for(lambda s: any(m["text"].endswith("last") for m in s))
    agent = [m["text"] for m in sent if "first" in m["text"] or "\U0001f642" in m["text"]
             or m["text"].endswith("last")]  # fmt: skip
    prefix = "Dana (Voltify support): "
    assert agent[0] == prefix + "first" and agent[-1] == prefix + "last"
    middle = agent[1:-1]
    assert len(middle) == 2
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in middle)
    assert "".join(middle) == prefix + emoji


async def test_a_rate_limited_send_waits_retry_after_and_arrives_once(tg: TelegramSetup) -> None:
    tg.fake.fail("sendMessage", times=2, retry_after=1)
    await tg.post(text_update("hi"))
    sent = await tg.fake.wait_for(lambda s: len(s) >= 1, within=30)
    assert texts(sent) == ["Hi! How can I help?"]
    attempts = [c for c in tg.fake.calls if c.method == "sendMessage"]
    assert [c.params["ok"] for c in attempts] == [False, False, True]


async def test_a_blocked_bot_does_not_hold_back_later_messages(tg: TelegramSetup) -> None:
    tg.fake.fail("sendMessage", times=1, status=403, description="Forbidden: bot was blocked",
                 retry_after=None)  # fmt: skip
    await tg.post(text_update("hi"))
    await tg.post(text_update("still there?"))
    sent = await tg.fake.wait_for(lambda s: len(s) >= 1)
    assert texts(sent) == ["You said: still there?"]


async def test_handoff_the_agents_reply_arrives_with_their_name(tg: TelegramSetup) -> None:
    dana = await tg.gateway.add_agent("dana")
    await tg.post(text_update("hi"))
    await tg.post(text_update("I want a human, this is maria"))
    await tg.fake.wait_for(lambda s: any("in line" in m["text"] for m in s))
    cid = await _conversation_of(tg)
    await _claim(tg, cid, dana)
    r = await tg.gateway.http.post(
        f"/api/handoff/conversations/{cid}/messages", json={"text": "Hello Maria!"}, headers=dana
    )
    assert r.status_code == 200
    sent = await tg.fake.wait_for(lambda s: any("Hello Maria" in m["text"] for m in s))
    assert sent[-1]["text"] == "Dana (Voltify support): Hello Maria!"
    # while the agent owns it, the bot stays silent and the customer's words reach the agent
    await tg.post(text_update("thanks"))
    for _ in range(100):
        detail = await tg.gateway.http.get(f"/api/handoff/conversations/{cid}", headers=dana)
        if any(m["text"] == "thanks" for m in detail.json()["transcript"]):
            break
        await asyncio.sleep(0.05)
    transcript = detail.json()["transcript"]
    assert transcript[-1]["text"] == "thanks" and transcript[-1]["channel"] == "telegram"
    assert "thanks" not in [t for _, t in tg.gateway.rasa.state.received]


async def _conversation_of(tg: TelegramSetup, chat_id: int = CHAT) -> str:
    return await tg.conversation_of(chat_id)


async def _claim(tg: TelegramSetup, cid: str, auth: dict[str, str]) -> None:
    await claim(tg.gateway.http, cid, auth)

"""One conversation across web chat and Telegram: a one-time code moves it, identity and
history come along, the agent sees one transcript with each message's channel."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.connectors.channels import claim
from tests.connectors.telegram.conftest import CHAT, TelegramSetup, text_update


async def test_web_to_telegram_and_back_keeps_one_conversation(tg: TelegramSetup) -> None:
    gateway = tg.gateway
    cid, token = await gateway.new_conversation()
    auth = {"Authorization": f"Bearer {token}"}
    await gateway.http.post(f"/api/conversations/{cid}/messages", json={"text": "hi"},
                            headers=auth)  # fmt: skip

    offer = await gateway.http.post(f"/api/conversations/{cid}/continue-on/telegram", headers=auth)
    assert offer.status_code == 200, offer.text
    link = offer.json()["link"]
    assert link.startswith("https://t.me/VoltifyBot?start=")
    code = parse_qs(urlparse(link).query)["start"][0]
    assert code == offer.json()["code"] and offer.json()["expires_in"] == 900

    await tg.post(text_update(f"/start {code}"))
    welcome = await tg.fake.wait_for(lambda s: len(s) >= 1)
    assert "continuing the same conversation here on Telegram" in welcome[0]["text"]
    assert await tg.conversation_of() == cid

    await tg.post(text_update("where is my order 12345"))
    await tg.fake.wait_for(lambda s: any("12345" in m["text"] for m in s))

    # the agent sees one conversation, each message marked with its channel
    dana = await gateway.add_agent("dana")
    await tg.post(text_update("I want a human"))
    await claim(tg.gateway.http, cid, dana)
    detail = (await gateway.http.get(f"/api/handoff/conversations/{cid}", headers=dana)).json()
    channels = [(m["sender"], m["channel"], m["text"]) for m in detail["transcript"]]
    assert channels[0] == ("customer", "web", "hi")
    assert ("customer", "telegram", "where is my order 12345") in channels
    assert ("bot", "telegram", "You said: where is my order 12345") in channels

    # and back to the web: /web gives a code that the web chat redeems for a token
    await tg.post(text_update("/web"))
    sent = await tg.fake.wait_for(lambda s: any("baton_continue=" in m["text"] for m in s))
    web_code = sent[-1]["text"].split("baton_continue=")[1].split()[0]
    redeemed = await gateway.http.post("/api/conversations/continue", json={"code": web_code})
    assert redeemed.status_code == 200, redeemed.text
    assert redeemed.json()["id"] == cid
    new_auth = {"Authorization": f"Bearer {redeemed.json()['token']}"}
    transcript = (await gateway.http.get(f"/api/conversations/{cid}", headers=new_auth)).json()
    assert transcript["channel"] == "web"
    assert [m["text"] for m in transcript["messages"]][:1] == ["hi"]
    # the code worked once; the browser that held the old token no longer does
    again = await gateway.http.post("/api/conversations/continue", json={"code": web_code})
    assert again.status_code == 404 and again.json()["error"]["code"] == "invalid_code"
    old = await gateway.http.get(f"/api/conversations/{cid}", headers=auth)
    assert old.status_code == 401


async def test_a_used_or_unknown_code_starts_a_fresh_conversation_and_says_so(
    tg: TelegramSetup,
) -> None:
    cid, token = await tg.gateway.new_conversation()
    auth = {"Authorization": f"Bearer {token}"}
    code = (
        await tg.gateway.http.post(f"/api/conversations/{cid}/continue-on/telegram", headers=auth)
    ).json()["code"]
    await tg.post(text_update(f"/start {code}", chat_id=CHAT))
    await tg.fake.wait_for(lambda s: len(s) >= 1)
    await tg.post(text_update(f"/start {code}", chat_id=CHAT + 1))
    await tg.post(text_update("/start not-a-code-at-all", chat_id=CHAT + 2))
    sent = await tg.fake.wait_for(lambda s: len(s) >= 3)
    refused = [m for m in sent if m["chat_id"] in (CHAT + 1, CHAT + 2)]
    assert len(refused) == 2 and all("not valid any more" in m["text"] for m in refused)
    assert await tg.conversation_of(CHAT + 1) != cid


async def test_a_code_for_another_conversation_needs_that_conversations_token(
    tg: TelegramSetup,
) -> None:
    cid, _ = await tg.gateway.new_conversation()
    _, other_token = await tg.gateway.new_conversation()
    response = await tg.gateway.http.post(
        f"/api/conversations/{cid}/continue-on/telegram",
        headers={"Authorization": f"Bearer {other_token}"},
    )
    assert response.status_code == 401
    bad = await tg.gateway.http.post("/api/conversations/continue", json={"code": "x" * 24})
    assert bad.status_code == 404

"""The Slack channel end to end: signed Events API requests → router → fake Rasa → outbox
→ fake Web API."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.connectors.channels import claim
from tests.connectors.slack.conftest import SIGNING_SECRET, SlackSetup, old_timestamp
from tests.fakes.slack import BOT_ID, BOT_USER, TEAM, message_event


def received(sl: SlackSetup) -> list[str]:
    return [text for _, text in sl.gateway.rasa.state.received]


async def test_a_direct_message_gets_the_bot_reply_with_block_kit_buttons(sl: SlackSetup) -> None:
    response = await sl.post(message_event("hi"))
    assert response.status_code == 200
    posted = await sl.fake.wait_for(lambda p: len(p) >= 1)
    reply = posted[0]
    assert reply["channel"] == "D0CUSTOMER" and reply.get("thread_ts") is None
    assert reply["text"] == "Hi! How can I help?"
    section, actions = reply["blocks"]
    assert section["text"] == {"type": "plain_text", "text": "Hi! How can I help?"}
    button = actions["elements"][0]
    assert (button["text"]["text"], button["value"]) == ("Track my order", "/order_status")
    assert "username" not in reply  # the bot speaks as the app itself


async def test_a_clicked_button_sends_its_payload_to_the_bot(sl: SlackSetup) -> None:
    await sl.post(message_event("hi"))
    posted = await sl.fake.wait_for(lambda p: len(p) >= 1)
    button = posted[0]["blocks"][1]["elements"][0]
    click = {
        "type": "block_actions",
        "trigger_id": "trigger-1",
        "team": {"id": TEAM},
        "user": {"id": "U0CUSTOMER"},
        "channel": {"id": "D0CUSTOMER"},
        "container": {"type": "message", "channel_id": "D0CUSTOMER", "message_ts": "1.2"},
        "message": {"ts": "1.2", "text": "Hi! How can I help?"},
        "actions": [{"action_id": button["action_id"], "value": button["value"],
                     "text": button["text"], "type": "button", "action_ts": "1.3"}],
    }  # fmt: skip
    assert (await sl.click(click)).status_code == 200
    assert (await sl.click(click)).status_code == 200  # a repeated click request: once
    await sl.fake.wait_for(lambda p: len(p) >= 2)
    assert received(sl) == ["hi", "/order_status"]


async def test_a_mention_in_a_channel_is_answered_in_its_thread_which_is_the_conversation(
    sl: SlackSetup,
) -> None:
    mention = message_event(f"<@{BOT_USER}> hi", channel="C0SUPPORT", kind="app_mention",
                            ts="1700000100.000100")  # fmt: skip
    await sl.post(mention)
    posted = await sl.fake.wait_for(lambda p: len(p) >= 1)
    assert posted[0]["channel"] == "C0SUPPORT" and posted[0]["thread_ts"] == "1700000100.000100"
    assert received(sl) == ["hi"]
    # a reply in that thread, without a mention, continues the same conversation
    await sl.post(message_event("where is my order 12345", channel="C0SUPPORT",
                                channel_type="channel", thread_ts="1700000100.000100"))  # fmt: skip
    # a message in another thread of the channel, not for us, is left alone
    await sl.post(message_event("lunch?", channel="C0SUPPORT", channel_type="channel",
                                thread_ts="1700000999.000100"))  # fmt: skip
    await sl.fake.wait_for(lambda p: len(p) >= 2)
    assert received(sl) == ["hi", "where is my order 12345"]
    first = await sl.conversation_of("C0SUPPORT", "1700000100.000100")
    assert first  # one conversation for the thread


async def test_bad_or_old_signatures_are_refused_and_the_handler_never_runs(
    sl: SlackSetup,
) -> None:
    body = message_event("hi")
    forged = await sl.post(body, secret="not-the-signing-secret")
    old = await sl.post(message_event("hi"), timestamp=old_timestamp())
    unsigned = await sl.post(message_event("hi"), signed=False)
    assert [forged.status_code, old.status_code, unsigned.status_code] == [401, 401, 401]
    # the body was signed, then changed on the way
    tampered_body = message_event("hi")
    from tests.fakes.slack import signed_headers

    headers = signed_headers(SIGNING_SECRET, b'{"type": "event_callback"}')
    tampered = await sl.gateway.http.post("/slack/events", json=tampered_body, headers=headers)
    assert tampered.status_code == 401
    await sl.post(message_event("after"))
    await sl.fake.wait_for(lambda p: len(p) >= 1)
    assert received(sl) == ["after"]


async def test_retries_of_an_event_are_acknowledged_and_processed_once(sl: SlackSetup) -> None:
    event = message_event("hi")
    first = await sl.post(event)
    retries = [await sl.post(event, headers={"X-Slack-Retry-Num": str(n),
                                             "X-Slack-Retry-Reason": "http_timeout"})
               for n in (1, 2, 3)]  # fmt: skip
    assert [r.status_code for r in [first, *retries]] == [200, 200, 200, 200]
    await sl.post(message_event("next"))
    posted = await sl.fake.wait_for(lambda p: len(p) >= 2)
    assert received(sl) == ["hi", "next"]
    assert [p["text"] for p in posted] == ["Hi! How can I help?", "You said: next"]


async def test_url_verification_unknown_events_malformed_json_and_bot_messages(
    sl: SlackSetup,
) -> None:
    challenge = await sl.post({"type": "url_verification", "challenge": "c-123", "token": "t"})
    assert challenge.status_code == 200 and "c-123" in challenge.text
    reaction: dict[str, Any] = message_event("x")
    reaction["event"] = {"type": "reaction_added", "user": "U1", "reaction": "thumbsup"}
    assert (await sl.post(reaction)).status_code == 200
    malformed = await sl.post(b'{"type": "event_callback", "event": ')
    assert malformed.status_code == 400
    own = message_event("I am the bot")
    own["event"]["bot_id"] = BOT_ID
    assert (await sl.post(own)).status_code == 200
    edited = message_event("hi")
    edited["event"]["subtype"] = "message_changed"
    assert (await sl.post(edited)).status_code == 200
    await sl.post(message_event("real one"))
    posted = await sl.fake.wait_for(lambda p: len(p) >= 1)
    assert received(sl) == ["real one"]
    assert [p["text"] for p in posted] == ["You said: real one"]


async def test_handoff_the_agents_reply_arrives_under_their_name(sl: SlackSetup) -> None:
    dana = await sl.gateway.add_agent("dana")
    await sl.post(message_event("I want a human, this is maria"))
    await sl.fake.wait_for(lambda p: any("in line" in m["text"] for m in p))
    cid = await sl.conversation_of("D0CUSTOMER")
    await claim(sl.gateway.http, cid, dana)
    r = await sl.gateway.http.post(
        f"/api/handoff/conversations/{cid}/messages", json={"text": "Hello <Maria> & co"},
        headers=dana,
    )  # fmt: skip
    assert r.status_code == 200
    posted = await sl.fake.wait_for(lambda p: any("Maria" in m["text"] for m in p))
    assert posted[-1]["username"] == "Dana (Voltify support)"
    assert posted[-1]["text"] == "Hello &lt;Maria&gt; &amp; co"  # shown, not parsed


async def test_a_rate_limited_post_is_retried_after_retry_after_and_sent_once(
    sl: SlackSetup,
) -> None:
    sl.fake.fail("chat.postMessage", times=1, retry_after=1)
    await sl.post(message_event("hi"))
    posted = await sl.fake.wait_for(lambda p: len(p) >= 1, within=30)
    assert [p["text"] for p in posted] == ["Hi! How can I help?"]
    attempts = [a for m, a in sl.fake.calls if m == "chat.postMessage"]
    assert [a["_ok"] for a in attempts] == [False, True]
    await asyncio.sleep(0)

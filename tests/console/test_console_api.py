"""The agent console's sign-in, sessions and API through a running gateway (fake Rasa, real
SQLite): what a browser on the console page sends, and what a forger sends."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from agent_console.workspace import Workspace
from handoff.database import create_engine
from handoff.models import ConsoleSessionRow, SuggestionRow, UserRow, utcnow
from tests.connectors.webchat.test_socket import next_frame
from tests.console.test_handoff_api import customer, send
from tests.harness import RunningGateway


def desk_url(gateway: RunningGateway) -> str:
    return gateway.url.replace("http://", "ws://") + "/ws/desk"


async def handed_off(gateway: RunningGateway) -> tuple[str, dict[str, str]]:
    """A customer who asked for a person (identity known: Maria, maria@example.com)."""
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "hi")
    await send(gateway, cid, auth, "I want a human, this is maria")
    return cid, auth


async def claimed_by(
    gateway: RunningGateway, browser: dict[str, str]
) -> tuple[str, dict[str, str]]:
    cid, auth = await handed_off(gateway)
    response = await gateway.http.post(f"/api/handoff/conversations/{cid}/claim", headers=browser)
    assert response.status_code == 200, response.text
    return cid, auth


async def last_message_understood(
    gateway: RunningGateway, cid: str, headers: dict[str, str]
) -> dict[str, Any]:
    """The conversation's last message once the listener has stored its NLU (or after 2.5 s)."""
    for _ in range(50):
        detail = (
            await gateway.http.get(f"/api/handoff/conversations/{cid}", headers=headers)
        ).json()
        last: dict[str, Any] = detail["transcript"][-1]
        if last["nlu"] is not None:
            break
        await asyncio.sleep(0.05)
    return last


async def db_execute(gateway: RunningGateway, statement: Any) -> None:
    engine = create_engine(gateway.settings.database_url)
    try:
        async with async_sessionmaker(engine).begin() as session:
            await session.execute(statement)
    finally:
        await engine.dispose()


# -- sign-in and sessions


async def test_passwords_are_stored_as_argon2id_and_a_session_cookie_is_locked_down(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("dana")
    engine = create_engine(gateway.settings.database_url)
    try:
        async with async_sessionmaker(engine)() as session:
            stored = await session.scalar(select(UserRow.password_hash))
    finally:
        await engine.dispose()
    assert stored is not None and stored.startswith("$argon2id$")
    assert "correct horse" not in stored

    response = await gateway.http.post(
        "/console/login",
        content="user_id=dana&password=correct+horse+battery",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": gateway.url},
    )
    assert response.status_code == 303 and response.headers["location"] == "/console"
    cookie = response.headers["set-cookie"].lower()
    for flag in ("httponly", "secure", "samesite=strict", "path=/"):
        assert flag in cookie

    browser = await gateway.sign_in("dana")
    page = await gateway.http.get("/console", headers=browser)
    assert page.status_code == 200 and 'data-user-id="dana"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"


async def test_a_wrong_password_or_unknown_user_signs_nobody_in(gateway: RunningGateway) -> None:
    await gateway.add_user("dana")
    for form in ("user_id=dana&password=wrong+password", "user_id=nobody&password=whatever+else"):
        response = await gateway.http.post(
            "/console/login",
            content=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 401
        assert "set-cookie" not in response.headers
        assert "Wrong user name or password" in response.text
    assert (await gateway.http.get("/console")).headers["location"] == "/console/login"


async def test_repeated_failures_are_throttled_even_with_the_right_password(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("dana")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(5):
        response = await gateway.http.post(
            "/console/login", content="user_id=dana&password=guess+guess+guess", headers=form
        )
        assert response.status_code == 401
    blocked = await gateway.http.post(
        "/console/login", content="user_id=dana&password=correct+horse+battery", headers=form
    )
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


async def test_forged_expired_and_signed_out_sessions_are_refused(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("dana")
    forged = {"Cookie": "baton_session=not-a-real-session", "Origin": gateway.url}
    assert (await gateway.http.get("/api/handoff/me", headers=forged)).json()["error"][
        "code"
    ] == "invalid_session"
    assert (await gateway.http.get("/console", headers=forged)).status_code == 303

    browser = await gateway.sign_in("dana")
    assert (await gateway.http.get("/api/handoff/me", headers=browser)).json()["id"] == "dana"
    await db_execute(
        gateway, update(ConsoleSessionRow).values(expires_at=utcnow() - timedelta(seconds=1))
    )
    expired = await gateway.http.get("/api/handoff/me", headers=browser)
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "invalid_session"

    browser = await gateway.sign_in("dana")
    await gateway.http.post("/console/logout", headers=browser)
    assert (await gateway.http.get("/api/handoff/me", headers=browser)).status_code == 401


async def test_roles_that_take_no_conversations_cannot_use_the_agent_page_or_api(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("kim", role="knowledge_owner")
    browser = await gateway.sign_in("kim")
    page = await gateway.http.get("/console", headers=browser)
    # a knowledge owner is sent to their own page, the review inbox
    assert page.status_code == 303 and page.headers["location"] == "/console/review"
    api = await gateway.http.get("/api/handoff/queues", headers=browser)
    assert api.status_code == 403 and api.json()["error"]["code"] == "wrong_role"


async def test_a_cookie_request_from_another_origin_changes_nothing(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("dana")
    browser = await gateway.sign_in("dana")
    cid, _ = await handed_off(gateway)
    for origin in ({"Origin": "https://evil.example"}, {}):
        forged = {"Cookie": browser["Cookie"], **origin}
        response = await gateway.http.post(
            f"/api/handoff/conversations/{cid}/claim", headers=forged
        )
        assert response.status_code == 403 and response.json()["error"]["code"] == "foreign_origin"
    detail = (await gateway.http.get(f"/api/handoff/conversations/{cid}", headers=browser)).json()
    assert detail["conversation"]["owner"] == "queued"
    # reading is harmless (and SameSite=Strict keeps the cookie off cross-site requests anyway)
    assert (await gateway.http.get("/api/handoff/queues", headers=forged)).status_code == 200


async def test_the_desk_websocket_checks_origin_and_session(gateway: RunningGateway) -> None:
    await gateway.add_user("dana")
    browser = await gateway.sign_in("dana")
    foreign = {"Cookie": browser["Cookie"], "Origin": "https://evil.example"}
    with pytest.raises(InvalidStatus) as refused:  # refused before the handshake completes
        async with connect(desk_url(gateway), additional_headers=foreign):
            pass
    assert refused.value.response.status_code == 403

    forged = {"Cookie": "baton_session=forged", "Origin": gateway.url}
    async with connect(desk_url(gateway), additional_headers=forged) as ws:
        assert (await next_frame(ws))["code"] == "invalid_session"
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 4401

    async with connect(desk_url(gateway), additional_headers=browser) as ws:
        assert (await next_frame(ws, "caught_up"))["seq"] >= 0
        cid, _ = await handed_off(gateway)
        assert (await next_frame(ws, "handoff"))["conversation_id"] == cid


# -- working a conversation


async def test_notes_identity_and_typing_belong_to_the_owner_and_reach_the_right_people(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("dana")
    await gateway.add_user("eli")
    dana, eli = await gateway.sign_in("dana"), await gateway.sign_in("eli")
    cid, auth = await claimed_by(gateway, dana)
    base = f"/api/handoff/conversations/{cid}"

    for path, body in (
        ("/notes", {"text": "not mine"}),
        ("/typing", {"on": True}),
    ):
        refused = await gateway.http.post(base + path, json=body, headers=eli)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_owner"
    refused = await gateway.http.put(base + "/identity", json={"name": "X"}, headers=eli)
    assert refused.status_code == 403

    token = auth["Authorization"].split(" ")[1]
    async with (
        connect(f"{gateway.ws_url}?token={token}") as chat,
        connect(desk_url(gateway), additional_headers=dana) as desk,
    ):
        await next_frame(chat, "ready")
        await next_frame(desk, "caught_up")
        note = await gateway.http.post(
            base + "/notes", json={"text": "VIP, be quick"}, headers=dana
        )
        assert note.status_code == 201 and note.json()["author_name"] == "Dana"
        assert (await next_frame(desk, "note"))["note"]["text"] == "VIP, be quick"

        await gateway.http.post(base + "/typing", json={"on": True}, headers=dana)
        typing = await next_frame(chat, "typing")
        assert typing["sender"] == "agent" and typing["on"] is True and typing["name"] == "Dana"

        await chat.send('{"type": "typing", "on": true}')
        typing = await next_frame(desk, "typing")
        while typing["sender"] == "agent":  # the desk saw Dana typing too
            typing = await next_frame(desk, "typing")
        assert typing == {
            "type": "typing",
            "sender": "customer",
            "on": True,
            "conversation_id": cid,
        }

        bad = await gateway.http.put(
            base + "/identity", json={"email": "not-an-email"}, headers=dana
        )
        assert bad.status_code == 422
        edited = await gateway.http.put(
            base + "/identity", json={"order_number": "SH-10421", "phone": "+49 30 1234567"},
            headers=dana,
        )  # fmt: skip
        assert edited.json()["identity"] == {
            "name": "Maria Lopez",
            "email": "maria@example.com",
            "order_number": "SH-10421",
            "phone": "+49 30 1234567",
        }
        assert (await next_frame(desk, "identity"))["identity"]["order_number"] == "SH-10421"
        # the customer's widget never sees notes or identity edits
        await gateway.http.post(base + "/messages", json={"text": "On it."}, headers=dana)
        frame = await next_frame(chat)
        while frame["type"] == "typing":
            frame = await next_frame(chat)
        assert frame["type"] == "message" and frame["message"]["text"] == "On it."

    notes = (await gateway.http.get(base + "/notes", headers=eli)).json()
    assert [n["text"] for n in notes] == ["VIP, be quick"]
    transcript = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()
    assert "VIP" not in str(transcript)


async def test_the_ai_keeps_listening_nlu_runs_while_the_bot_stays_silent(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("dana")
    dana = await gateway.sign_in("dana")
    cid, auth = await claimed_by(gateway, dana)
    received = list(gateway.rasa.state.received)
    assert (await send(gateway, cid, auth, "where is my order"))["replies"] == []
    assert gateway.rasa.state.received == received  # the bot never got it
    last = await last_message_understood(gateway, cid, dana)
    assert last["text"] == "where is my order"
    assert last["nlu"] == {"intent": "order_status", "confidence": 0.88, "entities": []}
    assert gateway.rasa.state.parsed[-1] == "where is my order"


async def test_suggestion_outcomes_are_recorded_used_edited_or_ignored(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("dana")
    dana = await gateway.sign_in("dana")
    cid, auth = await claimed_by(gateway, dana)
    message = await send(gateway, cid, auth, "how do refunds work")
    message_id = message["message"]["id"]
    from agent_console.assist import Suggestion

    engine = create_engine(gateway.settings.database_url)
    try:
        workspace = Workspace(async_sessionmaker(engine, expire_on_commit=False))
        saved, _ = await workspace.save_suggestions(
            cid,
            message_id,
            [
                Suggestion("knowledge", "Refunds take 5 days.", 0.8, {"article_id": "refunds"}),
                Suggestion("memory", "Let me check that for you.", 0.7, {"conversation_id": "x"}),
            ],
        )
    finally:
        await engine.dispose()
    base = f"/api/handoff/conversations/{cid}"
    listed = (await gateway.http.get(base + "/suggestions", headers=dana)).json()
    assert [s["id"] for s in listed] == [s["id"] for s in saved]

    unknown = await gateway.http.post(
        base + "/messages", json={"text": "hello", "suggestion_id": 999_999}, headers=dana
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_suggestion"
    transcript = (await gateway.http.get(base, headers=dana)).json()["transcript"]
    assert all(m["text"] != "hello" for m in transcript)  # nothing was sent

    sent = await gateway.http.post(
        base + "/messages",
        json={"text": "Refunds take 5 days, Maria.", "suggestion_id": saved[0]["id"]},
        headers=dana,
    )
    assert sent.status_code == 200
    outcomes = {
        s["id"]: s["outcome"]
        for s in (await gateway.http.get(base + "/suggestions", headers=dana)).json()
    }
    assert outcomes == {saved[0]["id"]: "edited", saved[1]["id"]: "ignored"}

    await gateway.http.post(
        base + "/messages",
        json={"text": "Let me check that for you.", "suggestion_id": saved[1]["id"]},
        headers=dana,
    )
    engine = create_engine(gateway.settings.database_url)
    try:
        async with async_sessionmaker(engine)() as session:
            row = await session.get(SuggestionRow, saved[1]["id"])
            assert row is not None and row.outcome == "used" and row.reply_id is not None
    finally:
        await engine.dispose()


async def test_canned_responses_are_searchable(gateway: RunningGateway) -> None:
    await gateway.add_user("dana")
    dana = await gateway.sign_in("dana")
    found = (await gateway.http.get("/api/handoff/canned?q=refund", headers=dana)).json()
    assert found[0]["title"] == "Refund started" and "{order_number}" in found[0]["text"]
    assert (await gateway.http.get("/api/handoff/canned?q=zzzz", headers=dana)).json() == []
    assert len((await gateway.http.get("/api/handoff/canned", headers=dana)).json()) >= 10


async def test_the_customers_earlier_conversations_on_any_channel_come_with_their_outcomes(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("dana")
    dana = await gateway.sign_in("dana")
    first, _ = await claimed_by(gateway, dana)
    await gateway.http.post(
        f"/api/handoff/conversations/{first}/resolve", json={"note": "refund sent"}, headers=dana
    )
    stranger, stranger_auth = await customer(gateway)
    await send(gateway, stranger, stranger_auth, "I want a human")
    second, _ = await claimed_by(gateway, dana)

    history = (
        await gateway.http.get(f"/api/handoff/conversations/{second}/history", headers=dana)
    ).json()
    assert [h["id"] for h in history] == [first]
    assert history[0]["outcome"] == "resolved" and history[0]["resolution_note"] == "refund sent"
    assert history[0]["first_message"] == "hi" and history[0]["channel"] == "web"
    assert (
        await gateway.http.get(f"/api/handoff/conversations/{stranger}/history", headers=dana)
    ).json() == []
    mine = (await gateway.http.get("/api/handoff/mine", headers=dana)).json()
    assert [c["id"] for c in mine] == [second]


async def test_an_agents_page_gets_details_only_of_its_own_conversations(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("dana")
    await gateway.add_user("eli")
    dana, eli = await gateway.sign_in("dana"), await gateway.sign_in("eli")
    mine, mine_auth = await claimed_by(gateway, dana)
    async with connect(desk_url(gateway) + "?scope=mine", additional_headers=dana) as ws:
        await next_frame(ws, "caught_up")
        theirs, theirs_auth = await claimed_by(gateway, eli)
        owner = await next_frame(ws, "owner")  # the queue and ownership of every conversation
        while owner["conversation_id"] != theirs or owner["owner"] != "assigned":
            owner = await next_frame(ws, "owner")
        await send(gateway, theirs, theirs_auth, "a message for Eli only")
        await send(gateway, mine, mine_auth, "a message for Dana")
        message = await next_frame(ws, "message")
        assert message["conversation_id"] == mine
        assert message["message"]["text"] == "a message for Dana"
        # Eli transfers his conversation to Dana: from now on its details reach her too
        moved = await gateway.http.post(
            f"/api/handoff/conversations/{theirs}/transfer", json={"to_agent": "dana"}, headers=eli
        )
        assert moved.status_code == 200, moved.text
        await send(gateway, theirs, theirs_auth, "now for Dana")
        message = await next_frame(ws, "message")
        assert (message["conversation_id"], message["message"]["text"]) == (theirs, "now for Dana")


async def test_messages_written_while_queued_are_understood_before_an_agent_accepts(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("dana")
    dana = await gateway.sign_in("dana")
    cid, auth = await handed_off(gateway)
    received = list(gateway.rasa.state.received)
    assert (await send(gateway, cid, auth, "my order is late"))["replies"] == []
    assert gateway.rasa.state.received == received  # queued: the bot stays silent
    assert (await last_message_understood(gateway, cid, dana))["nlu"]["intent"] == "order_status"


async def test_oversized_or_attachment_like_replies_are_refused_and_nothing_is_sent(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("dana")
    dana = await gateway.sign_in("dana")
    cid, _ = await claimed_by(gateway, dana)
    base = f"/api/handoff/conversations/{cid}"
    refused = [
        await gateway.http.post(base + "/messages", json={"text": "x" * 4001}, headers=dana),
        await gateway.http.post(
            base + "/messages",
            json={"text": "see file", "attachment": {"name": "a.exe", "data": "TVqQAAMAAAAEAAAA"}},
            headers=dana,
        ),
        await gateway.http.post(
            base + "/notes", json={"text": "n", "file": "data:text/html;base64,PGI+"}, headers=dana
        ),
        await gateway.http.post(base + "/messages", content=b"\x00\xff binary", headers=dana),
    ]
    for response in refused:
        assert response.status_code in (400, 422), response.text
        assert response.json()["error"]["message"]
    assert "attachment" in refused[1].json()["error"]["message"]
    transcript = (await gateway.http.get(base, headers=dana)).json()["transcript"]
    assert not [m for m in transcript if m["sender"] == "agent"]
    assert (await gateway.http.get(base + "/notes", headers=dana)).json() == []

"""The web channel's REST API against a running gateway."""

from __future__ import annotations

from pathlib import Path

from tests.harness import RunningGateway, running_gateway
from tests.services import free_port


async def test_a_conversation_gets_an_id_and_a_server_issued_token(gateway: RunningGateway) -> None:
    response = await gateway.http.post("/api/conversations")
    assert response.status_code == 201
    body = response.json()
    assert len(body["token"]) >= 40 and body["id"] not in body["token"]


async def test_a_message_returns_the_bot_replies_and_the_transcript_has_the_nlu_trail(
    gateway: RunningGateway,
) -> None:
    cid, token = await gateway.new_conversation()
    auth = {"Authorization": f"Bearer {token}"}
    sent = await gateway.http.post(
        f"/api/conversations/{cid}/messages", json={"text": "hi"}, headers=auth
    )
    assert sent.status_code == 200
    body = sent.json()
    assert body["message"]["sender"] == "customer"
    assert [r["text"] for r in body["replies"]] == ["Hi! How can I help?"]
    assert body["replies"][0]["buttons"] == [
        {"title": "Track my order", "payload": "/order_status"}
    ]

    transcript = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()
    assert transcript["owner"] == "bot"
    customer, bot = transcript["messages"]
    assert customer["nlu"] == {"intent": "greet", "confidence": 0.91, "entities": []}
    assert bot["sender"] == "bot" and bot["nlu"] is None


async def test_a_button_click_sends_its_payload_to_the_bot_and_stores_its_title(
    gateway: RunningGateway,
) -> None:
    cid, token = await gateway.new_conversation()
    await gateway.http.post(
        f"/api/conversations/{cid}/messages",
        json={"text": "Say hi", "payload": "/greet"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert gateway.rasa.state.received == [(cid, "/greet")]
    transcript = (
        await gateway.http.get(
            f"/api/conversations/{cid}", headers={"Authorization": f"Bearer {token}"}
        )
    ).json()
    assert transcript["messages"][0]["text"] == "Say hi"


async def test_a_retried_message_with_the_same_client_id_is_stored_and_answered_once(
    gateway: RunningGateway,
) -> None:
    cid, token = await gateway.new_conversation()
    auth = {"Authorization": f"Bearer {token}"}
    body = {"text": "hello there", "client_id": "m-1"}
    first = (
        await gateway.http.post(f"/api/conversations/{cid}/messages", json=body, headers=auth)
    ).json()
    second = (
        await gateway.http.post(f"/api/conversations/{cid}/messages", json=body, headers=auth)
    ).json()
    assert second["duplicate"] is True and first["duplicate"] is False
    assert second["message"]["id"] == first["message"]["id"]
    assert second["replies"] == first["replies"]
    assert len(gateway.rasa.state.received) == 1
    transcript = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()
    assert len(transcript["messages"]) == 2


async def test_a_handoff_request_from_the_bot_queues_the_conversation_and_silences_the_bot(
    gateway: RunningGateway,
) -> None:
    cid, token = await gateway.new_conversation()
    auth = {"Authorization": f"Bearer {token}"}
    url = f"/api/conversations/{cid}/messages"
    handed = (await gateway.http.post(url, json={"text": "a human please"}, headers=auth)).json()
    assert [r["text"] for r in handed["replies"]] == [
        "Connecting you to a person.",
        "You're next in line; a member of our team should be with you in about 2 minutes.",
    ]
    after = (await gateway.http.post(url, json={"text": "hello?"}, headers=auth)).json()
    assert after["replies"] == []
    assert [text for _, text in gateway.rasa.state.received] == ["a human please"]
    transcript = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()
    assert transcript["owner"] == "queued" and transcript["handoff_reason"] == "customer_request"
    assert transcript["messages"][-1]["text"] == "hello?"


async def test_bad_messages_get_clear_errors_and_store_nothing(gateway: RunningGateway) -> None:
    cid, token = await gateway.new_conversation()
    auth = {"Authorization": f"Bearer {token}"}
    url = f"/api/conversations/{cid}/messages"
    empty = await gateway.http.post(url, json={"text": "   "}, headers=auth)
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "message_empty"
    huge = await gateway.http.post(url, json={"text": "x" * 100_000}, headers=auth)
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "message_too_long"
    invalid_utf8 = await gateway.http.post(
        url, content=b'{"text": "\xff\xfe"}', headers=auth | {"Content-Type": "application/json"}
    )
    assert (
        invalid_utf8.status_code == 400 and invalid_utf8.json()["error"]["code"] == "invalid_json"
    )
    not_json = await gateway.http.post(
        url, content=b"text=hello", headers=auth | {"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    missing_text = await gateway.http.post(url, json={"message": "hi"}, headers=auth)
    assert (
        missing_text.status_code == 422
        and missing_text.json()["error"]["code"] == "invalid_request"
    )
    transcript = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()
    assert transcript["messages"] == []
    assert gateway.rasa.state.received == []


async def test_unknown_forged_or_foreign_tokens_are_refused(gateway: RunningGateway) -> None:
    cid, token = await gateway.new_conversation()
    other_cid, other_token = await gateway.new_conversation()
    url = f"/api/conversations/{cid}"
    assert (await gateway.http.get(url)).status_code == 401
    assert (
        await gateway.http.get(url, headers={"Authorization": "Bearer forged"})
    ).status_code == 401
    foreign = await gateway.http.get(url, headers={"Authorization": f"Bearer {other_token}"})
    assert foreign.status_code == 401 and foreign.json()["error"]["code"] == "invalid_token"
    assert (
        await gateway.http.get(url, headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200
    assert other_cid != cid


async def test_rasa_down_gives_a_polite_reply_keeps_the_message_and_recovers(
    tmp_path: Path,
) -> None:
    rasa_port = free_port()
    async with running_gateway(tmp_path, rasa_url=f"http://127.0.0.1:{rasa_port}") as gateway:
        cid, token = await gateway.new_conversation()
        auth = {"Authorization": f"Bearer {token}"}
        url = f"/api/conversations/{cid}/messages"
        down = (
            await gateway.http.post(url, json={"text": "hi", "client_id": "k1"}, headers=auth)
        ).json()
        assert "having trouble" in down["replies"][0]["text"]
        health = (await gateway.http.get("/health")).json()
        assert health == {
            "status": "degraded",
            "database": "ok",
            "rasa": "unavailable",
            "rasa_replicas": {f"http://127.0.0.1:{rasa_port}": "unavailable"},
            "assist": "off",
        }

        # Rasa comes back on the same port: the widget's retry of k1 now reaches the bot
        from baton.testing.fake_rasa import create_fake_rasa
        from tests.services import serve

        async with serve(create_fake_rasa(), port=rasa_port):
            retried = (
                await gateway.http.post(url, json={"text": "hi", "client_id": "k1"}, headers=auth)
            ).json()
            assert retried["replies"][0]["text"] == "Hi! How can I help?"
            fresh = (await gateway.http.post(url, json={"text": "again"}, headers=auth)).json()
            assert fresh["replies"][0]["text"] == "You said: again"
        transcript = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()
        texts = [(m["sender"], m["text"]) for m in transcript["messages"]]
        assert texts.count(("customer", "hi")) == 1
        assert ("bot", "Hi! How can I help?") in texts


async def test_the_health_endpoint_reports_database_and_rasa(gateway: RunningGateway) -> None:
    assert (await gateway.http.get("/health")).json() == {
        "status": "ok",
        "database": "ok",
        "rasa": "ok",
        "rasa_replicas": {str(gateway.settings.rasa_url).rstrip("/"): "ok"},
        "assist": "off",
    }


async def test_a_shop_site_on_an_allowed_origin_may_call_the_api(tmp_path: Path) -> None:
    async with running_gateway(
        tmp_path, webchat_allowed_origins=["https://shop.example"]
    ) as gateway:
        allowed = await gateway.http.post(
            "/api/conversations", headers={"Origin": "https://shop.example"}
        )
        assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
        other = await gateway.http.post(
            "/api/conversations", headers={"Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in other.headers

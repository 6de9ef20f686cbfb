"""The knowledge owner's page and API through a running gateway (fake Rasa, real SQLite,
real MiniLM), with the bot project and help centre in temporary folders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from retraining.settings import ReviewSettings
from tests.console.test_handoff_api import customer, send
from tests.harness import RunningGateway, running_gateway
from tests.retraining.seed import bot_project


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[RunningGateway]:
    review = ReviewSettings(
        bot_dir=bot_project(tmp_path),
        help_centre_dir=tmp_path / "help",
        work_dir=tmp_path / "work",
    )
    (tmp_path / "help").mkdir()
    async with running_gateway(tmp_path, review=review) as running:
        yield running


async def failed_conversation(gateway: RunningGateway, *texts: str) -> str:
    cid, auth = await customer(gateway)
    for text in texts:
        await send(gateway, cid, auth, f"?{text}")  # the fake Rasa falls back on "?…"
    return cid


async def test_a_knowledge_owner_gets_the_review_page_others_do_not(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("kim", role="knowledge_owner")
    await gateway.add_user("dana")
    kim = await gateway.sign_in("kim")
    console = await gateway.http.get("/console", headers=kim)
    assert console.status_code == 303 and console.headers["location"] == "/console/review"
    page = await gateway.http.get("/console/review", headers=kim)
    assert page.status_code == 200 and 'id="clusters"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    dana = await gateway.sign_in("dana")
    refused = await gateway.http.get("/console/review", headers=dana)
    assert refused.status_code == 403 and "is for knowledge owners" in refused.text
    assert refused.headers["cache-control"] == "no-store"
    assert 'href="/console"' in refused.text  # back to the agent's own page
    refused = await gateway.http.get("/api/review/inbox", headers=dana)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "wrong_role"
    anonymous = await gateway.http.get("/api/review/inbox")
    assert anonymous.status_code == 401
    login = await gateway.http.get("/console/review")
    assert login.status_code == 303 and login.headers["location"] == "/console/login"


async def test_label_a_cluster_then_conflicts_and_bad_names_change_nothing(
    gateway: RunningGateway, tmp_path: Path
) -> None:
    await gateway.add_user("kim", role="knowledge_owner")
    kim = await gateway.sign_in("kim")
    first = await failed_conversation(gateway, "do you sell gift cards")
    await failed_conversation(gateway, "can I buy a gift card")
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "hello")  # understood: nothing to review in it
    inbox = (await gateway.http.get("/api/review/inbox", headers=kim, timeout=120)).json()
    assert inbox["messages"] == 2 and inbox["groups"] == 1 and inbox["labelled"] == 0
    # a knowledge owner reads the transcripts of what they review, and no other
    shown = await gateway.http.get(f"/api/review/conversations/{first}", headers=kim)
    assert shown.status_code == 200 and "?do you sell gift cards" in str(shown.json())
    hidden = await gateway.http.get(f"/api/review/conversations/{cid}", headers=kim, timeout=120)
    assert hidden.status_code == 403
    assert hidden.json()["error"]["reason"] == "not_in_review"
    (cluster,) = inbox["clusters"]
    ids = [m["message_id"] for m in cluster["members"]]
    assert cluster["size"] == 2 and cluster["sources"] == {"fallback": 2}

    bad = await gateway.http.post(
        "/api/review/labels",
        json={"message_ids": ids, "action": "intent", "intent": "gift cards!"},
        headers=kim,
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_intent"
    assert "cannot be an intent name" in bad.json()["error"]["message"]
    forged = await gateway.http.post(
        "/api/review/labels",
        json={"message_ids": ids, "action": "intent", "intent": "gift_cards"},
        headers={"Cookie": kim["Cookie"], "Origin": "https://evil.example"},
    )
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "foreign_origin"
    assert not (tmp_path / "bot" / "data" / "reviewed").exists()

    made = await gateway.http.post(
        "/api/review/labels",
        json={"message_ids": ids, "action": "intent", "intent": "gift_cards"},
        headers=kim,
    )
    assert made.status_code == 201 and len(made.json()) == 2
    again = await gateway.http.post(
        "/api/review/labels", json={"message_ids": ids[:1], "action": "out_of_scope"}, headers=kim
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "label_conflict"
    assert "by kim" in again.json()["error"]["message"]

    data = yaml.safe_load((tmp_path / "bot" / "data" / "reviewed" / "fallback.yml").read_text())
    assert data["nlu"] == [
        {
            "intent": "gift_cards",
            "examples": "- ?can I buy a gift card\n- ?do you sell gift cards\n",
        }
    ]
    inbox = (await gateway.http.get("/api/review/inbox", headers=kim, timeout=120)).json()
    assert inbox["clusters"] == [] and inbox["labelled"] == 2
    # labelled, it left the inbox: its transcript stays readable to the reviewers
    assert (await gateway.http.get(f"/api/review/conversations/{first}", headers=kim)).is_success
    intents = (await gateway.http.get("/api/review/intents", headers=kim)).json()
    assert "order_status" in intents and intents[-1] == "gift_cards"


async def test_an_article_is_drafted_from_the_agents_resolution_edited_and_published(
    gateway: RunningGateway, tmp_path: Path
) -> None:
    await gateway.add_user("kim", role="knowledge_owner")
    await gateway.add_user("dana")
    kim, dana = await gateway.sign_in("kim"), await gateway.sign_in("dana")
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "?can I get a gift receipt with my order")
    await send(gateway, cid, auth, "I want a human, this is maria")
    claim = await gateway.http.post(f"/api/handoff/conversations/{cid}/claim", headers=dana)
    assert claim.status_code == 200, claim.text
    await gateway.http.post(
        f"/api/handoff/conversations/{cid}/messages",
        json={
            "text": "Yes Maria: tick 'This is a gift' at checkout and the receipt has no prices."
        },
        headers=dana,
    )
    resolved = await gateway.http.post(
        f"/api/handoff/conversations/{cid}/resolve",
        json={"note": "Gift receipts: tick the gift box at checkout."},
        headers=dana,
    )
    assert resolved.status_code == 200, resolved.text
    unresolved = await failed_conversation(gateway, "do you gift wrap")

    inbox = (await gateway.http.get("/api/review/inbox", headers=kim, timeout=120)).json()
    by_text = {m["text"]: m for c in inbox["clusters"] for m in c["members"]}
    receipt = by_text["?can I get a gift receipt with my order"]["message_id"]
    wrap = by_text["?do you gift wrap"]["message_id"]
    assert by_text["?do you gift wrap"]["conversation_id"] == unresolved

    nothing = await gateway.http.post(
        "/api/review/drafts", json={"message_ids": [wrap]}, headers=kim
    )
    assert (
        nothing.status_code == 422 and "no agent has resolved" in nothing.json()["error"]["message"]
    )

    drafted = await gateway.http.post(
        "/api/review/drafts", json={"message_ids": [receipt]}, headers=kim
    )
    assert drafted.status_code == 201, drafted.text
    draft = drafted.json()
    assert "tick the gift box at checkout" in draft["body"]
    assert "This is a gift" in draft["body"] and "Maria" not in draft["body"]  # masked
    assert draft["state"] == "draft"
    remaining = (await gateway.http.get("/api/review/inbox", headers=kim, timeout=120)).json()
    assert receipt not in [m["message_id"] for c in remaining["clusters"] for m in c["members"]]

    bad = await gateway.http.put(
        f"/api/review/drafts/{draft['id']}",
        json={"title": "Gift receipts", "slug": "Gift Receipts", "body": "x", "tags": []},
        headers=kim,
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "draft_invalid"
    edited = await gateway.http.put(
        f"/api/review/drafts/{draft['id']}",
        json={
            "title": "Gift receipts",
            "slug": "gift-receipts",
            "body": "Tick **This is a gift** at checkout.\n\n## Prices\nThe receipt shows none.",
            "tags": ["gifts", "orders"],
        },
        headers=kim,
    )
    assert edited.status_code == 200, edited.text
    published = await gateway.http.post(f"/api/review/drafts/{draft['id']}/publish", headers=kim)
    assert published.status_code == 200, published.text
    article = tmp_path / "help" / "gift-receipts.md"
    text = article.read_text()
    assert text.startswith("---\nid: gift-receipts\ntitle: Gift receipts\n")
    assert "url: https://voltify.example/help/gift-receipts" in text and "## Prices" in text
    twice = await gateway.http.post(f"/api/review/drafts/{draft['id']}/publish", headers=kim)
    assert twice.status_code == 422


async def test_retraining_refuses_without_labels_and_rollback_without_a_previous_model(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("kim", role="knowledge_owner")
    kim = await gateway.sign_in("kim")
    started = await gateway.http.post("/api/review/runs", headers=kim)
    assert started.status_code == 409 and started.json()["error"]["code"] == "nothing_to_train"
    rollback = await gateway.http.post("/api/review/rollback", headers=kim)
    assert rollback.status_code == 409 and rollback.json()["error"]["code"] == "no_previous_model"
    training = (await gateway.http.get("/api/review/training", headers=kim)).json()
    # the serving model (the fake Rasa's) was registered as active when asked to roll back
    assert [m["state"] for m in training["models"]] == ["active"] and training["runs"] == []

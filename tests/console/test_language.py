"""A conversation's language through a running gateway (fake Rasa, real SQLite): the web
chat's hint, detection from the customer's first messages, what the console shows in the
queue and the conversation, and the owning agent's correction of it."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from websockets.asyncio.client import connect

from baton import paths
from handoff.database import create_engine
from handoff.models import AgentRow
from tests.connectors.webchat.test_socket import next_frame
from tests.console.test_console_api import claimed_by, desk_url
from tests.console.test_handoff_api import send
from tests.harness import RunningGateway, running_gateway

SERVED = ["en", "nb", "pl"]


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[RunningGateway]:
    """The demo assistant, serving English, Norwegian and Polish."""
    folder = tmp_path / "assistant"
    shutil.copytree(paths.DEMO, folder, ignore=shutil.ignore_patterns("models", "tests"))
    contract = yaml.safe_load((folder / "baton.yml").read_text())
    contract["languages"] = SERVED
    (folder / "baton.yml").write_text(yaml.safe_dump(contract, allow_unicode=True))
    async with running_gateway(tmp_path, project_dir=folder) as running:
        yield running


async def started(gateway: RunningGateway, body: dict[str, Any] | None) -> tuple[str, str]:
    response = await gateway.http.post("/api/conversations", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"], response.json()["token"]


async def speaks(gateway: RunningGateway, agent_id: str, languages: list[str]) -> None:
    engine = create_engine(gateway.settings.database_url)
    try:
        async with async_sessionmaker(engine).begin() as session:
            await session.execute(
                update(AgentRow).where(AgentRow.id == agent_id).values(languages=languages)
            )
    finally:
        await engine.dispose()


async def language_of(gateway: RunningGateway, cid: str, token: str) -> str | None:
    response = await gateway.http.get(
        f"/api/conversations/{cid}", headers={"Authorization": f"Bearer {token}"}
    )
    language: str | None = response.json()["language"]
    return language


@pytest.mark.parametrize(
    ("hint", "language"),
    [("nb-NO", "nb"), ("no", "nb"), ("pl", "pl"), ("sv-SE", None), (None, None)],
)
async def test_the_web_chats_hint_counts_when_the_assistant_serves_it(
    gateway: RunningGateway, hint: str | None, language: str | None
) -> None:
    cid, token = await started(gateway, {"language": hint} if hint else None)
    assert await language_of(gateway, cid, token) == language


async def test_the_first_confident_message_sets_the_language_and_no_later_one_changes_it(
    gateway: RunningGateway,
) -> None:
    cid, token = await started(gateway, None)
    auth = {"Authorization": f"Bearer {token}"}
    await send(gateway, cid, auth, "hei")  # one word: not enough to tell
    assert await language_of(gateway, cid, token) is None
    await send(gateway, cid, auth, "hvor er pakken min?")
    assert await language_of(gateway, cid, token) == "nb"
    await send(gateway, cid, auth, "where is my order")
    assert await language_of(gateway, cid, token) == "nb"


async def test_a_language_the_assistant_does_not_serve_is_recorded(
    gateway: RunningGateway,
) -> None:
    cid, token = await started(gateway, None)
    auth = {"Authorization": f"Bearer {token}"}
    reply = await send(gateway, cid, auth, "var är mitt paket?")
    assert reply["replies"]  # the bot still answers
    assert await language_of(gateway, cid, token) == "sv"


async def test_the_console_shows_the_language_and_why_a_conversation_waits(
    gateway: RunningGateway,
) -> None:
    nora = await gateway.add_agent("nora")
    await speaks(gateway, "nora", ["nb"])
    await gateway.http.put("/api/handoff/me/presence", json={"presence": "available"}, headers=nora)
    cid, token = await started(gateway, {"language": "pl"})
    auth = {"Authorization": f"Bearer {token}"}
    await send(gateway, cid, auth, "hi")
    await send(gateway, cid, auth, "I want a human, this is maria")
    queues = (await gateway.http.get("/api/handoff/queues", headers=nora)).json()
    [waiting] = [w for q in queues for w in q["waiting"]]
    assert waiting["conversation_id"] == cid
    assert waiting["language"] == "pl"
    assert waiting["waiting_for"] == "no agent speaking pl is available"
    detail = (await gateway.http.get(f"/api/handoff/conversations/{cid}", headers=nora)).json()
    assert detail["conversation"]["language"] == "pl"
    assert detail["conversation"]["owner"] == "queued"


async def test_only_the_owning_agent_sets_a_served_language_and_consoles_hear_of_it(
    gateway: RunningGateway,
) -> None:
    await gateway.add_user("dana")
    await gateway.add_user("eli")
    dana, eli = await gateway.sign_in("dana"), await gateway.sign_in("eli")
    cid, _ = await claimed_by(gateway, dana)
    path = f"/api/handoff/conversations/{cid}/language"

    refused = await gateway.http.put(path, json={"language": "nb"}, headers=eli)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_owner"
    unserved = await gateway.http.put(path, json={"language": "sv"}, headers=dana)
    assert unserved.status_code == 422
    assert unserved.json()["error"]["code"] == "language_not_served"
    invalid = await gateway.http.put(path, json={"language": "nb", "x": 1}, headers=dana)
    assert invalid.status_code == 422

    async with connect(desk_url(gateway), additional_headers=dana) as desk:
        await next_frame(desk, "caught_up")
        changed = await gateway.http.put(path, json={"language": "nb-NO"}, headers=dana)
        assert changed.status_code == 200, changed.text
        assert changed.json() == {"language": "nb", "languages": SERVED}
        frame = await next_frame(desk, "language")
        assert frame["conversation_id"] == cid and frame["language"] == "nb"
    detail = (await gateway.http.get(f"/api/handoff/conversations/{cid}", headers=dana)).json()
    assert detail["conversation"]["language"] == "nb"


async def test_the_console_page_offers_the_assistants_languages(gateway: RunningGateway) -> None:
    await gateway.add_user("dana")
    page = await gateway.http.get("/console", headers=await gateway.sign_in("dana"))
    assert page.status_code == 200
    assert '<option value="nb">Norwegian (bokmål)</option>' in page.text
    assert '<option value="pl">Polish</option>' in page.text


async def test_an_unknown_conversation_has_no_language_to_set(gateway: RunningGateway) -> None:
    await gateway.add_user("dana")
    missing = await gateway.http.put(
        "/api/handoff/conversations/nope/language",
        json={"language": "nb"},
        headers=await gateway.sign_in("dana"),
    )
    assert missing.status_code == 404


async def test_the_bot_is_told_the_language_and_a_switch_in_words_is_answered_in_it(
    gateway: RunningGateway,
) -> None:
    cid, token = await started(gateway, None)
    auth = {"Authorization": f"Bearer {token}"}
    await send(gateway, cid, auth, "hvor er pakken min?")
    # the bot's language slot is set before its turn
    assert gateway.rasa.state.slots[cid]["language"] == "nb"
    switched = await send(gateway, cid, auth, "can we speak English?")
    [reply] = switched["replies"]
    assert reply["text"] == "Sure, let's continue in English."
    assert await language_of(gateway, cid, token) == "en"
    # the request itself is not the bot's to answer; the next message is, in English
    assert (cid, "can we speak English?") not in gateway.rasa.state.received
    await send(gateway, cid, auth, "where is my order")
    assert gateway.rasa.state.slots[cid]["language"] == "en"


async def test_an_unserved_language_is_told_what_is_served_in_its_own_words_too(
    gateway: RunningGateway,
) -> None:
    cid, token = await started(gateway, None)
    auth = {"Authorization": f"Bearer {token}"}
    reply = await send(gateway, cid, auth, "var är mitt paket?")
    notice, *bot = reply["replies"]
    swedish, english = notice["text"].split("\n\n")
    assert "English" in english and "norsk" in english and "polski" in english
    assert swedish != english and "polski" in swedish
    assert bot, "the conversation goes on with the bot"
    # told once
    again = await send(gateway, cid, auth, "hallå, finns det någon där?")
    assert all("polski" not in r["text"] for r in again["replies"])


async def test_the_widget_gets_its_words_and_greeting_in_the_customers_language(
    gateway: RunningGateway,
) -> None:
    english = (await gateway.http.get("/api/widget/config")).json()
    norwegian = (await gateway.http.get("/api/widget/config?language=nb-NO")).json()
    unserved = (await gateway.http.get("/api/widget/config?language=de")).json()
    assert english["language"] == "en" and norwegian["language"] == "nb"
    assert unserved["language"] == "en"  # the default, for a language not served
    assert set(norwegian["languages"]) == set(SERVED)
    assert norwegian["languages"]["nb"] == "norsk"
    assert norwegian["texts"]["placeholder"] != english["texts"]["placeholder"]
    assert set(norwegian["texts"]) == set(english["texts"])
    assert norwegian["greeting"].startswith("Hei")
    too_long = await gateway.http.get("/api/widget/config", params={"language": "x" * 40})
    assert too_long.status_code == 422


async def test_the_customer_chooses_a_served_language_and_hears_the_queue_in_it(
    gateway: RunningGateway,
) -> None:
    cid, token = await started(gateway, {"language": "en"})
    auth = {"Authorization": f"Bearer {token}"}
    path = f"/api/conversations/{cid}/language"
    refused = await gateway.http.put(path, json={"language": "nb"})
    assert refused.status_code == 401
    unserved = await gateway.http.put(path, json={"language": "sv"}, headers=auth)
    assert unserved.status_code == 422
    assert unserved.json()["error"]["code"] == "language_not_served"
    chosen = await gateway.http.put(path, json={"language": "nb-NO"}, headers=auth)
    assert chosen.status_code == 200 and chosen.json() == {"language": "nb"}
    assert await language_of(gateway, cid, token) == "nb"
    # handed off: the place in line is said in Norwegian
    reply = await send(gateway, cid, auth, "I want a human, this is maria")
    # (the fake bot's own words are its own; Baton's notice follows them)
    queued = [r for r in reply["replies"] if r["text"] != "Connecting you to a person."]
    english_queue = ("You're next in line", "You're number")
    assert queued and not any(r["text"].startswith(english_queue) for r in queued)

"""Help-centre answers with the real bot, the real action server and the built index: an
answer that helps, two that do not (then a person), and a question nobody wrote an article
for (one request for other words, then a person)."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect

from tests.connectors.webchat.test_socket import next_frame
from tests.scenarios.conftest import Stack
from tests.scenarios.test_handoff_with_rasa import give_identity, texts
from tests.scenarios.test_webchat_with_rasa import say

pytestmark = pytest.mark.slow


async def test_a_help_centre_answer_with_its_source_and_a_thank_you(stack: Stack) -> None:
    cid, token = await stack.new_conversation()
    async with connect(f"{stack.ws_url}?token={token}") as ws:
        await next_frame(ws, "ready")
        replies = await say(ws, "How many days do I have to send a product back?")
        answer = texts(replies)
        assert "30 days" in answer and "https://voltify.example/help/" in answer
        assert replies[-1]["text"] == "Did that help?"
        assert [b["payload"] for b in replies[-1]["buttons"]] == ["/affirm", "/deny"]
        thanks = texts(await say(ws, "Yes, thanks", payload="/affirm"))
        assert "anything else" in thanks.lower()

    transcript = (
        await stack.http.get(
            f"/api/conversations/{cid}", headers={"Authorization": f"Bearer {token}"}
        )
    ).json()
    answered = next(m for m in transcript["messages"] if m["article"])
    article = answered["article"]
    assert article["url"].startswith("https://voltify.example/help/")
    assert article["score"] >= article["threshold"] > 0
    assert transcript["owner"] == "bot"


async def test_two_answers_turned_down_go_to_a_person_with_the_articles(stack: Stack) -> None:
    agent = stack.add_agent("lena")
    cid, token = await stack.new_conversation()
    async with connect(f"{stack.ws_url}?token={token}") as ws:
        await next_frame(ws, "ready")
        first = await say(ws, "How do I use a discount code?")
        assert first[-1]["text"] == "Did that help?"
        again = texts(await say(ws, "No", payload="/deny"))
        assert "other words" in again
        second = await say(ws, "my voucher is rejected at checkout")
        assert second[-1]["text"] == "Did that help?"
        handoff = texts(await say(ws, "No", payload="/deny"))
        assert "colleague" in handoff and "name" in handoff.lower()
        await give_identity(ws, "Jo Park", "jo.park@example.com")

    detail = (await stack.http.get(f"/api/handoff/conversations/{cid}", headers=agent)).json()
    packet = detail["packet"]
    assert packet["reason"] == "knowledge_rejected"
    assert packet["articles"], "the agent sees which articles the bot showed"
    assert all(a["url"].startswith("https://voltify.example/help/") for a in packet["articles"])
    assert packet["identity"]["email"] == "jo.park@example.com"


async def test_a_question_the_help_centre_cannot_answer_is_rephrased_once_then_handed_over(
    stack: Stack,
) -> None:
    agent = stack.add_agent("omar")
    cid, token = await stack.new_conversation()
    async with connect(f"{stack.ws_url}?token={token}") as ws:
        await next_frame(ws, "ready")
        # a product question (the NLU is sure) that no article answers: product specs are not
        # in the help centre
        first = texts(await say(ws, "does the Nimbus 14 laptop have a backlit keyboard?"))
        assert "another way" in first
        assert "help centre —" not in first  # no answer at all rather than a wrong one
        second = texts(await say(ws, "I mean the keyboard light on the Nimbus 14"))
        assert "colleague" in second and "name" in second.lower()
        await give_identity(ws, "Kim Lee", "kim.lee@example.com")

    detail = (await stack.http.get(f"/api/handoff/conversations/{cid}", headers=agent)).json()
    assert detail["packet"]["reason"] == "knowledge_not_found"

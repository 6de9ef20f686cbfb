"""A project made by ``baton init``, trained and indexed as ``baton run --project`` does, then
served by the real stack: its help centre answers, its own action runs beside Baton's, its
contact form gathers identity before the handoff, the console gets the packet, the bot is
silent while the agent owns the conversation and answers again after the hand back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from baton.init import write_starter
from baton.knowledge import ensure_index
from baton.training import ensure_model
from tests.stack import Stack, running_stack, words

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    folder = tmp_path_factory.mktemp("projects") / "mybot"
    write_starter(folder)
    model = ensure_model(bot=folder, models=folder / "models").path
    index = tmp_path_factory.mktemp("mybot-knowledge") / "knowledge"
    assert ensure_index(articles=folder / "help_centre", target=index, bot=folder) == 0
    var = tmp_path_factory.mktemp("mybot-stack")
    env = {"BATON_KNOWLEDGE_INDEX": str(index)}
    async with running_stack(var, project=folder, model=model, env=env) as running:
        yield running


async def test_the_help_centre_and_the_assistants_own_action_answer(stack: Stack) -> None:
    chat = await stack.new_conversation()
    answer = await stack.say(chat, "how long does delivery take?")
    assert "Delivery and returns" in words(answer)  # the article's title, with its link
    buttons = [b for reply in answer for b in reply.get("buttons") or []]
    assert [b["payload"] for b in buttons][:2] == ["/affirm", "/deny"]
    helped = await stack.say(chat, buttons[0]["title"], buttons[0]["payload"])
    assert helped, "the bot acknowledges the answer helped"

    hours = words(await stack.say(chat, "what are your opening hours?"))
    assert "Monday to Friday 9 am to 5 pm" in hours  # actions/custom.py, not Baton's


async def test_the_contact_form_gathers_identity_then_a_person_takes_over(stack: Stack) -> None:
    agent = stack.add_agent("robin")
    chat = await stack.new_conversation()
    cid = chat[0]
    assert "name" in words(await stack.say(chat, "can I talk to a person?")).lower()
    assert "email" in words(await stack.say(chat, "Sam Carter")).lower()
    queued = words(await stack.say(chat, "sam.carter@example.com"))
    assert "in line" in queued or "next" in queued

    detail = (await stack.http.get(f"/api/handoff/conversations/{cid}", headers=agent)).json()
    assert detail["conversation"]["owner"] == "queued"
    packet = detail["packet"]
    assert packet["reason"] == "customer_request"
    assert packet["identity"] == {"name": "Sam Carter", "email": "sam.carter@example.com"}
    trail = [t["nlu"]["intent"] for t in packet["nlu_trail"]]
    assert trail[0] == "talk_to_person"

    claimed = await stack.http.post(f"/api/handoff/conversations/{cid}/claim", headers=agent)
    assert claimed.status_code == 200, claimed.text
    assert await stack.say(chat, "hello? anyone there?") == []
    assert "hello? anyone there?" not in await stack.rasa_user_texts(cid)
    reply = await stack.http.post(
        f"/api/handoff/conversations/{cid}/messages",
        json={"text": "Hi Sam, Robin here."},
        headers=agent,
    )
    assert reply.status_code == 200, reply.text
    back = await stack.http.post(f"/api/handoff/conversations/{cid}/hand-back", headers=agent)
    assert back.status_code == 200, back.text
    # the bot again, and it still knows who the customer is
    assert "Example Co" in words(await stack.say(chat, "hi"))
    tracker = await stack.rasa_tracker(cid)
    assert tracker["slots"]["email"] == "sam.carter@example.com"

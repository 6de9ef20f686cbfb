"""Slack with the real bot: the gateway of the real stack runs its Slack app against a
local fake Web API; the test signs Events API requests as Slack does and reads what the
slack_sdk client posted back through the fake."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.connectors.channels import add_agent, claim, linked_conversation
from tests.connectors.slack.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.fakes.slack import TEAM, FakeSlack, create_fake_slack, message_event, signed_headers
from tests.scenarios.conftest import Stack
from tests.services import serve
from tests.stack import running_stack

pytestmark = pytest.mark.slow

DM = "D0SCENARIO"


@pytest.fixture(scope="module")
async def slack_stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Stack, FakeSlack]]:
    app, fake = create_fake_slack(BOT_TOKEN)
    async with serve(app) as url:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("BATON_SLACK_BOT_TOKEN", BOT_TOKEN)
            env.setenv("BATON_SLACK_SIGNING_SECRET", SIGNING_SECRET)
            env.setenv("BATON_SLACK_API_URL", f"{url}/api/")
            async with running_stack(tmp_path_factory.mktemp("slack-stack")) as stack:
                yield stack, fake


async def say(stack: Stack, fake: FakeSlack, text: str, expect: str) -> list[str]:
    """A DM from the customer; the texts posted until one contains ``expect``."""
    before = len(fake.posted(DM))
    body = json.dumps(message_event(text, channel=DM)).encode()
    response = await stack.http.post(
        "/slack/events", content=body, headers=signed_headers(SIGNING_SECRET, body)
    )
    assert response.status_code == 200, response.text

    def arrived(posted: list[dict[str, Any]]) -> bool:
        mine = [m["text"] for m in posted if m["channel"] == DM][before:]
        return any(expect.lower() in t.lower() for t in mine)

    await fake.wait_for(arrived, within=60)
    return [m["text"] for m in fake.posted(DM)][before:]


async def test_the_bot_answers_and_an_agent_takes_over_in_slack(
    slack_stack: tuple[Stack, FakeSlack],
) -> None:
    stack, fake = slack_stack
    assert any("12345" in t for t in await say(stack, fake, "where is my order 12345", "12345"))
    await say(stack, fake, "I want to talk to a person", "name")
    await say(stack, fake, "Sam Carter", "email")
    await say(stack, fake, "sam.carter@example.com", "in line")

    agent = await add_agent(stack.database_url, "maria")
    cid = await linked_conversation(stack.database_url, "slack", f"{TEAM}:{DM}")
    await claim(stack.http, cid, agent)
    reply = await stack.http.post(
        f"/api/handoff/conversations/{cid}/messages",
        json={"text": "Hi Sam, Maria here."},
        headers=agent,
    )
    assert reply.status_code == 200, reply.text
    posted = await fake.wait_for(lambda p: any("Maria here" in m["text"] for m in p), within=30)
    assert posted[-1]["username"] == "Maria (Voltify support)"
    assert posted[-1]["text"] == "Hi Sam, Maria here."
    # the bot's messages were its own: no borrowed name
    assert all("username" not in m for m in posted[:-1])

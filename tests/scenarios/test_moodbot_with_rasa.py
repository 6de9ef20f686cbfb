"""An assistant nobody here wrote: the starter ``rasa init --no-prompt`` writes (the moodbot),
generated now into a temporary folder, served by the real stack with only a baton.yml
added. Its intents are not the demo's; it has no handoff intent, no identity form, no help
centre and no custom actions, so Baton's own triggers hand off and Baton's own analytics
read what the contract says."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from analytics.metrics import Definitions, IntentRoles, summarise
from analytics.queries import Period, period_facts
from baton import paths
from baton.project import load_project
from handoff.database import create_engine
from tests.stack import Stack, running_stack, words

pytestmark = pytest.mark.slow

BATON_YML = """\
# written by the test: the moodbot's contract with Baton, nothing else of it changed
name: moodbot
conversation:
  ending_intents: [goodbye]
  affirm_intents: [affirm]
  deny_intents: [deny]
  small_talk_intents: [greet, bot_challenge]
  greet_intent: greet
queues:
  mood_unhappy: wellbeing
knowledge:
  enabled: false
brand:
  title: Moodbot
"""
# the moodbot's DIET is sure of everything (nonsense scores 0.6 to 0.98 as some mood), and
# its FallbackClassifier's 0.3 never fires: an operator raises Baton's own threshold
OPERATOR_ENV = {"BATON_HANDOFF_LOW_CONFIDENCE_THRESHOLD": "0.995"}


def rasa_init(folder: Path) -> Path:
    """``rasa init --no-prompt`` into ``folder`` (it trains the model); the model's path."""
    folder.mkdir(parents=True)
    subprocess.run(
        [str(paths.RASA_VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(folder)],
        cwd=folder, env=dict(os.environ, RASA_TELEMETRY_ENABLED="false"),
        capture_output=True, text=True, timeout=900, check=True,
    )  # fmt: skip
    [model] = sorted((folder / "models").glob("*.tar.gz"))
    return model


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    folder = tmp_path_factory.mktemp("elsewhere") / "moodbot"
    model = rasa_init(folder)
    (folder / "baton.yml").write_text(BATON_YML, encoding="utf-8")
    var = tmp_path_factory.mktemp("moodbot-stack")
    async with running_stack(var, project=folder, model=model, env=OPERATOR_ENV) as running:
        yield running


async def test_a_contained_conversation_with_its_nlu_trail_and_containment(stack: Stack) -> None:
    chat = await stack.new_conversation()
    assert words(await stack.say(chat, "hello")) == "Hey! How are you?"
    assert "Great, carry on!" in words(await stack.say(chat, "I am great"))
    bye, survey = await stack.say(chat, "goodbye")
    # "goodbye" is an ending intent in baton.yml: the bot's conversation ends, the survey asks
    assert bye["text"] == "Bye"
    assert "rate" in survey["text"] and len(survey["buttons"]) == 5

    # the record: every customer turn with what the moodbot's NLU made of it, read by a
    # supervisor (an agent sees only the conversations of their queues and their own)
    supervisor = stack.add_agent("kim", skills="general,wellbeing")
    stack.add_user("kim", "a long supervisor passphrase", role="supervisor")
    response = await stack.http.get(f"/api/handoff/conversations/{chat[0]}", headers=supervisor)
    assert response.status_code == 200, response.text
    detail = response.json()
    customer = [m for m in detail["transcript"] if m["sender"] == "customer"]
    assert [m["nlu"]["intent"] for m in customer] == ["greet", "mood_great", "goodbye"]
    assert all(m["nlu"]["confidence"] > 0.995 for m in customer)
    assert detail["conversation"]["owner"] == "bot"

    # containment read with the moodbot's contract: "goodbye" ends it, the bot kept it
    # (an idle timeout and a re-contact window of a second, waited out)
    contract = load_project(stack.project).contract
    second = timedelta(seconds=1)
    definitions = Definitions(
        second, second, timedelta(minutes=30), IntentRoles.from_contract(contract)
    )
    await asyncio.sleep(2.5)
    engine = create_engine(stack.database_url)
    try:
        today = datetime.now(UTC).date()
        facts = await period_facts(
            async_sessionmaker(engine, expire_on_commit=False), Period(today, today), definitions
        )
    finally:
        await engine.dispose()
    summary = summarise([f for f in facts if f.id == chat[0]])
    assert (summary.conversations, summary.handed_off, summary.contained) == (1, 0, 1)
    # greetings are small talk per the contract: not among the figures' intents
    assert summary.turns_by_intent["mood_great"] >= 1 and "greet" not in summary.turns_by_intent


async def test_a_low_confidence_run_hands_off_and_the_bot_waits_for_the_agent(
    stack: Stack,
) -> None:
    agent = stack.add_agent("ana", skills="general,wellbeing")
    chat = await stack.new_conversation()
    cid = chat[0]
    await stack.say(chat, "hi")
    await stack.say(chat, "qwxz zzkt blorp")
    handing_off = await stack.say(chat, "the frobnicator is purple sideways")
    assert handing_off, "Baton tells the customer a person is coming"

    detail = (await stack.http.get(f"/api/handoff/conversations/{cid}", headers=agent)).json()
    assert detail["conversation"]["owner"] == "queued"
    packet = detail["packet"]
    assert packet["reason"] == "low_confidence"
    trail = [t["nlu"]["intent"] for t in packet["nlu_trail"]]
    assert len(trail) == 3 and trail[0] == "greet"

    claimed = await stack.http.post(f"/api/handoff/conversations/{cid}/claim", headers=agent)
    assert claimed.status_code == 200, claimed.text
    # the bot stays silent while the agent owns it: Rasa never hears these
    assert await stack.say(chat, "hello? anyone?") == []
    assert "hello? anyone?" not in await stack.rasa_user_texts(cid)
    sent = await stack.http.post(
        f"/api/handoff/conversations/{cid}/messages", json={"text": "Hi, I'm Ana."}, headers=agent
    )
    assert sent.status_code == 200, sent.text

    back = await stack.http.post(f"/api/handoff/conversations/{cid}/hand-back", headers=agent)
    assert back.status_code == 200, back.text
    # with the bot again: the moodbot answers as it always did
    assert words(await stack.say(chat, "hello")) == "Hey! How are you?"
    state = (
        await stack.http.get(
            f"/api/conversations/{cid}", headers={"Authorization": f"Bearer {chat[1]}"}
        )
    ).json()
    assert state["owner"] == "bot"
    assert "Hi, I'm Ana." in [m["text"] for m in state["messages"]]

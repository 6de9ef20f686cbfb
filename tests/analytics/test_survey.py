"""The end-of-conversation survey: parsing answers, sending it after a bot's conversation
ends, and through a running gateway after an agent resolves (answers never reach the bot
nor reopen the conversation; bad answers get a clear reply and lose nothing)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from sqlalchemy import select

from analytics.metrics import IntentRoles
from analytics.models import SurveyRow
from analytics.settings import AnalyticsSettings
from analytics.survey import Answer, Surveys, parse_answer
from handoff.events import Event
from handoff.records import Nlu, Sender
from handoff.store import ConversationStore
from tests.console.test_handoff_api import customer, send
from tests.harness import RunningGateway


@pytest.mark.parametrize(
    ("text", "payload", "expected"),
    [
        ("4", '/csat{"score":4}', Answer("csat", 4)),
        ("1", '/effort{"score": 1}', Answer("effort", 1)),
        ("9", '/csat{"score":9}', Answer("csat", None)),  # out of range
        ("x", '/csat{"score":"5"}', Answer("csat", None)),  # not a number
        ("x", '/csat{"score":true}', Answer("csat", None)),
        ("x", "/csat{oops", Answer("csat", None)),  # broken JSON
        ("x", "/csat", Answer("csat", None)),
        ("Yes", "/affirm", None),  # another button
        ("5", None, Answer(None, 5)),
        (" 3/5 ", None, Answer(None, 3)),
        ("4 stars", None, Answer(None, 4)),
        ("6", None, None),
        ("12345", None, None),
        ("my order 4", None, None),
    ],
)
def test_parse_answer(text: str, payload: str | None, expected: Answer | None) -> None:
    assert parse_answer(text, payload) == expected


# the demo's ending and yes intents (its baton.yml says the same)
INTENTS = IntentRoles(ending=frozenset({"goodbye", "thanks"}), affirm=frozenset({"affirm"}))


class Published:
    """Stands in for the gateway's publish: keeps every event the survey hands it."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def __call__(self, events: Iterable[Event | None]) -> None:
        self.events.extend(e for e in events if e is not None)

    def messages(self) -> list[dict[str, Any]]:
        """The messages published so far (all events must be messages)."""
        assert [e.type for e in self.events] == ["message"] * len(self.events)
        return [e.data["message"] for e in self.events]


async def _conversation_with(
    store: ConversationStore, *turns: tuple[Sender, str, str | None]
) -> Any:
    conversation = await store.create_conversation("webchat")
    last = None
    for sender, text, intent in turns:
        stored = await store.add_message(
            conversation.id, channel="webchat", sender=sender, text=text
        )
        if intent is not None:
            await store.set_nlu(stored.message, Nlu(intent, 0.9))
        if sender is Sender.BOT and text.startswith("Article"):
            await store.annotate(stored.message, {"article": {"id": "returns"}})
        last = stored.message
    return conversation, last


async def test_a_goodbye_gets_the_survey_once(store: ConversationStore) -> None:
    published = Published()
    surveys = Surveys(store, AnalyticsSettings(), published, intents=INTENTS)
    conversation, bye = await _conversation_with(
        store,
        (Sender.CUSTOMER, "where is my order", "order_status"),
        (Sender.BOT, "On its way.", None),
        (Sender.CUSTOMER, "bye", "goodbye"),
    )
    [question] = await surveys.after_bot_turn(conversation, bye)
    assert question.buttons[0] == {"title": "1", "payload": '/csat{"score":1}'}
    assert question.meta == {"survey": "csat"}
    [sent] = published.messages()
    assert published.events[0].conversation_id == conversation.id
    assert (sent["id"], sent["sender"], sent["text"]) == (question.id, "bot", question.text)
    assert sent["buttons"] == question.buttons and len(sent["buttons"]) == 5
    again = await store.add_message(
        conversation.id, channel="webchat", sender=Sender.CUSTOMER, text="thanks"
    )
    await store.set_nlu(again.message, Nlu("thanks", 0.9))
    assert await surveys.after_bot_turn(conversation, again.message) == []  # one per window
    assert len(published.events) == 1  # nothing more was sent
    async with store.sessions() as session:
        rows = list(await session.scalars(select(SurveyRow)))
    assert [(r.kind, r.after, r.status) for r in rows] == [("csat", "bot", "open")]


async def test_yes_to_a_knowledge_answer_gets_the_survey_other_turns_do_not(
    store: ConversationStore,
) -> None:
    published = Published()
    surveys = Surveys(store, AnalyticsSettings(), published, intents=INTENTS)
    conversation, yes = await _conversation_with(
        store,
        (Sender.CUSTOMER, "can I return it", "returns"),
        (Sender.BOT, "Article: 30 days", None),
        (Sender.BOT, "Did that help?", None),
        (Sender.CUSTOMER, "yes", "affirm"),
    )
    [question] = await surveys.after_bot_turn(conversation, yes)
    assert [m["id"] for m in published.messages()] == [question.id]
    assert published.messages()[0]["text"] == question.text
    other, asked = await _conversation_with(
        store, (Sender.CUSTOMER, "where is my order", "order_status"),
    )  # fmt: skip
    assert await surveys.after_bot_turn(other, asked) == []
    off = Surveys(store, AnalyticsSettings(survey_enabled=False), published, intents=INTENTS)
    third, bye = await _conversation_with(store, (Sender.CUSTOMER, "bye", "goodbye"))
    assert await off.after_bot_turn(third, bye) == []
    assert [e.conversation_id for e in published.events] == [conversation.id]  # no more


async def test_an_answer_publishes_the_next_question_anything_else_publishes_nothing(
    store: ConversationStore,
) -> None:
    published = Published()
    surveys = Surveys(store, AnalyticsSettings(), published, intents=INTENTS)
    conversation, bye = await _conversation_with(store, (Sender.CUSTOMER, "bye", "goodbye"))
    [csat] = await surveys.after_bot_turn(conversation, bye)
    four = await store.add_message(
        conversation.id, channel="webchat", sender=Sender.CUSTOMER, text="4"
    )
    [effort] = await surveys.intercept(conversation, four.message, None) or []
    assert effort.meta == {"survey": "effort"} and effort.reply_to_id == four.message.id
    assert [m["id"] for m in published.messages()] == [csat.id, effort.id]

    chat = await store.add_message(
        conversation.id, channel="webchat", sender=Sender.CUSTOMER, text="one more question"
    )
    assert await surveys.intercept(conversation, chat.message, None) is None  # for the bot
    assert [m["id"] for m in published.messages()] == [csat.id, effort.id]  # nothing new
    async with store.sessions() as session:
        rows = list(await session.scalars(select(SurveyRow).order_by(SurveyRow.id)))
    assert [(r.kind, r.score, r.status) for r in rows] == [
        ("csat", 4, "answered"),
        ("effort", None, "skipped"),
    ]


async def resolved_by_agent(gateway: RunningGateway) -> tuple[str, dict[str, str], dict[str, str]]:
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "I want a human, this is maria")
    dana = await gateway.add_agent("dana")
    assert (
        await gateway.http.post(f"/api/handoff/conversations/{cid}/claim", headers=dana)
    ).status_code == 200
    await gateway.http.post(
        f"/api/handoff/conversations/{cid}/messages", json={"text": "Sorted, Maria!"}, headers=dana
    )
    response = await gateway.http.post(
        f"/api/handoff/conversations/{cid}/resolve", json={}, headers=dana
    )
    assert response.status_code == 200, response.text
    return cid, auth, dana


async def answer(
    gateway: RunningGateway, cid: str, auth: dict[str, str], text: str, payload: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text} | ({"payload": payload} if payload else {})
    response = await gateway.http.post(
        f"/api/conversations/{cid}/messages", json=body, headers=auth
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def survey_rows(gateway: RunningGateway, cid: str) -> list[SurveyRow]:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from handoff.database import create_engine

    engine = create_engine(gateway.settings.database_url)
    try:
        async with async_sessionmaker(engine)() as session:
            return list(
                await session.scalars(
                    select(SurveyRow).where(SurveyRow.conversation_id == cid).order_by(SurveyRow.id)
                )
            )
    finally:
        await engine.dispose()


async def test_resolved_conversation_survey_answered_by_button_and_digit_without_reopening(
    gateway: RunningGateway,
) -> None:
    cid, auth, _ = await resolved_by_agent(gateway)
    transcript = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()
    question = transcript["messages"][-1]
    assert question["sender"] == "bot" and len(question["buttons"]) == 5
    received_before = list(gateway.rasa.state.received)

    first = await answer(gateway, cid, auth, "4", '/csat{"score":4}')
    assert "how easy" in first["replies"][0]["text"]
    second = await answer(gateway, cid, auth, "2")  # typed, answers the open effort question
    assert second["replies"][0]["text"] == "Thank you for your feedback!"

    assert gateway.rasa.state.received == received_before  # the bot never saw the answers
    state = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()
    assert state["owner"] == "resolved"  # not reopened
    rows = await survey_rows(gateway, cid)
    assert [(r.kind, r.after, r.score, r.status) for r in rows] == [
        ("csat", "agent", 4, "answered"),
        ("effort", "agent", 2, "answered"),
    ]
    assert rows[0].agent_id == "dana" and rows[0].handoff_id is not None


async def test_bad_survey_answers_get_a_clear_reply_and_lose_nothing(
    gateway: RunningGateway,
) -> None:
    cid, auth, _ = await resolved_by_agent(gateway)
    received_before = list(gateway.rasa.state.received)
    bad = await answer(gateway, cid, auth, "9", '/csat{"score":9}')
    assert bad["replies"][0]["text"] == "Please pick a score from 1 to 5."
    assert len(bad["replies"][0]["buttons"]) == 5
    broken = await answer(gateway, cid, auth, "x", "/csat{not json")
    assert broken["replies"][0]["text"] == "Please pick a score from 1 to 5."
    stale = await answer(gateway, cid, auth, "3", '/effort{"score":3}')  # no effort question open
    assert "already closed" in stale["replies"][0]["text"]
    assert gateway.rasa.state.received == received_before
    # every one of those customer messages is stored
    texts = [
        m["text"]
        for m in (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()[
            "messages"
        ]
        if m["sender"] == "customer"
    ]
    assert texts[-3:] == ["9", "x", "3"]
    # the question is still open: a good answer is recorded
    await answer(gateway, cid, auth, "5", '/csat{"score":5}')
    rows = await survey_rows(gateway, cid)
    assert rows[0].score == 5


async def test_writing_something_else_skips_the_survey_and_reaches_the_bot(
    gateway: RunningGateway,
) -> None:
    cid, auth, _ = await resolved_by_agent(gateway)
    reply = await answer(gateway, cid, auth, "one more thing about order 12345")
    assert reply["replies"][0]["text"].startswith("You said:")  # reopened: the bot answers
    rows = await survey_rows(gateway, cid)
    assert rows[0].status == "skipped" and rows[0].score is None
    # a digit now is an ordinary message for the bot
    later = await answer(gateway, cid, auth, "3")
    assert later["replies"][0]["text"] == "You said: 3"


async def test_a_conversation_closed_from_the_queue_gets_no_survey(gateway: RunningGateway) -> None:
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "I want a human")
    dana = await gateway.add_agent("dana")
    response = await gateway.http.post(
        f"/api/handoff/conversations/{cid}/resolve", json={}, headers=dana
    )
    assert response.status_code == 200, response.text
    assert await survey_rows(gateway, cid) == []
    messages = (await gateway.http.get(f"/api/conversations/{cid}", headers=auth)).json()[
        "messages"
    ]
    assert not any(m["buttons"] and "rate" in m["text"] for m in messages)
    # a digit typed now goes to the bot as usual
    assert (await answer(gateway, cid, auth, "4"))["replies"][0]["text"] == "You said: 4"

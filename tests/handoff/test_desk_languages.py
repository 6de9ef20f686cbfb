"""Languages as agents' skills: the desk gives an agent who lists languages only
conversations in them (or of unknown language); one that nobody available speaks waits and
the queue says why; a language the assistant does not serve does not hold anyone up."""

from __future__ import annotations

import pytest

from handoff.agents import AgentDirectory
from handoff.desk import HandoffDesk
from handoff.ownership import Owner
from handoff.records import Presence, Sender
from handoff.settings import HandoffSettings
from handoff.store import ConversationStore

SERVED = ["en", "nb", "sv", "fi", "pl"]


@pytest.fixture
def directory(store: ConversationStore) -> AgentDirectory:
    return AgentDirectory(store.sessions)


@pytest.fixture
def desk(store: ConversationStore) -> HandoffDesk:
    return HandoffDesk(store.sessions, HandoffSettings(languages=SERVED))


async def available(directory: AgentDirectory, agent_id: str, languages: list[str]) -> None:
    await directory.add(agent_id, agent_id.title(), ["general"], capacity=3, languages=languages)
    await directory.set_presence(agent_id, Presence.AVAILABLE)


async def queued_in(store: ConversationStore, desk: HandoffDesk, language: str | None) -> str:
    conversation = await store.create_conversation("web", language=language)
    await store.add_message(
        conversation.id, channel="web", sender=Sender.CUSTOMER, text="a person please"
    )
    await desk.request_handoff(conversation.id, reason="customer_request")
    return conversation.id


async def assigned(desk: HandoffDesk) -> dict[str, str | None]:
    return {m.conversation.id: m.conversation.agent_id for m in await desk.push()}


async def test_agent_with_languages_gets_only_conversations_in_them(
    store: ConversationStore, desk: HandoffDesk, directory: AgentDirectory
) -> None:
    await available(directory, "nora", ["nb", "en"])
    norwegian = await queued_in(store, desk, "nb")
    polish = await queued_in(store, desk, "pl")
    assert await assigned(desk) == {norwegian: "nora"}
    assert (await store.get_conversation(polish)).owner is Owner.QUEUED


async def test_conversation_nobody_available_speaks_waits_and_says_why(
    store: ConversationStore, desk: HandoffDesk, directory: AgentDirectory
) -> None:
    await available(directory, "nora", ["nb"])
    polish = await queued_in(store, desk, "pl")
    assert await assigned(desk) == {}
    [waiting] = await desk.waiting()
    assert waiting.conversation_id == polish
    assert waiting.language == "pl"
    assert waiting.waiting_for == "no agent speaking pl is available"
    await available(directory, "piotr", ["pl"])
    assert (await desk.waiting())[0].waiting_for is None
    assert await assigned(desk) == {polish: "piotr"}


async def test_agent_without_languages_speaks_any(
    store: ConversationStore, desk: HandoffDesk, directory: AgentDirectory
) -> None:
    await available(directory, "sam", [])
    finnish = await queued_in(store, desk, "fi")
    assert await assigned(desk) == {finnish: "sam"}


async def test_unknown_language_goes_to_anyone(
    store: ConversationStore, desk: HandoffDesk, directory: AgentDirectory
) -> None:
    await available(directory, "nora", ["nb"])
    unknown = await queued_in(store, desk, None)
    assert (await desk.waiting())[0].waiting_for is None
    assert await assigned(desk) == {unknown: "nora"}


async def test_language_the_assistant_does_not_serve_holds_nobody_up(
    store: ConversationStore, desk: HandoffDesk, directory: AgentDirectory
) -> None:
    await available(directory, "nora", ["nb"])
    german = await queued_in(store, desk, "de")
    assert (await desk.waiting())[0].waiting_for is None
    assert await assigned(desk) == {german: "nora"}


async def test_busy_speaker_is_not_a_reason_to_wait_for_language(
    store: ConversationStore, desk: HandoffDesk, directory: AgentDirectory
) -> None:
    await directory.add("piotr", "Piotr", ["general"], capacity=1, languages=["pl"])
    await directory.set_presence("piotr", Presence.AVAILABLE)
    first = await queued_in(store, desk, "pl")
    second = await queued_in(store, desk, "pl")
    assert await assigned(desk) == {first: "piotr"}
    [waiting] = await desk.waiting()
    assert waiting.conversation_id == second
    assert waiting.waiting_for is None  # someone speaks it; they are at capacity


async def test_pick_next_skips_conversations_the_agent_does_not_speak(
    store: ConversationStore, desk: HandoffDesk, directory: AgentDirectory
) -> None:
    await directory.add("nora", "Nora", ["general"], languages=["nb"])
    await queued_in(store, desk, "pl")
    norwegian = await queued_in(store, desk, "nb")
    moved = await desk.pick_next("nora")
    assert moved is not None and moved.conversation.id == norwegian
    assert await desk.pick_next("nora") is None


async def test_agents_keep_their_languages(directory: AgentDirectory) -> None:
    await directory.add("nora", "Nora", ["general"], languages=["nb", "en"])
    await directory.add("sam", "Sam", ["general"])
    assert (await directory.get("nora")).languages == ["nb", "en"]
    assert (await directory.get("sam")).languages == []


async def test_detection_never_overrides_a_set_language(store: ConversationStore) -> None:
    conversation = await store.create_conversation("web", language="sv")
    assert await store.set_language(conversation.id, "nb", if_unknown=True) is None
    assert (await store.get_conversation(conversation.id)).language == "sv"
    result = await store.set_language(conversation.id, "fi")
    assert result is not None
    changed, event = result
    assert changed.language == "fi"
    assert event.type == "language" and event.data == {"language": "fi"}

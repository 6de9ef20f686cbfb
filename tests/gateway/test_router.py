"""The conversation router on its own: a scripted Rasa, a real store and desk, an in-process
bus, and an assistant whose names are nothing like the demo's (``baton.yml`` says them).

Each of the four ways a bot hands off reaches the queue with the identity the bot gathered;
an agent-owned conversation never reaches the bot; Baton's own triggers work for a bot that
has no handoff intent of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from baton.contract import Contract
from connectors.base import Inbound
from gateway.bus import create_bus
from gateway.escalation import Escalation
from gateway.publisher import Publisher
from gateway.rasa import BotReply, BotTurn
from gateway.router import BOT_PAUSED, ConversationRouter
from handoff.desk import HandoffDesk
from handoff.ownership import Owner
from handoff.records import Nlu
from handoff.settings import HandoffSettings
from handoff.store import ConversationStore

# a second assistant: a telecom bot with its own names for everything
CONTRACT = Contract.model_validate(
    {
        "handoff": {"intents": ["speak_to_agent"], "always_human_intents": ["cancel_contract"]},
        "identity": {
            "form": "caller_details_form",
            "slots": {
                "name": "caller_name",
                "email": "caller_mail",
                "phone": "msisdn",
                # a custom field of the assistant's own, with the label agents see
                "contract_number": {"slot": "contract_no", "label": "Contract number"},
            },
        },
        "conversation": {
            "ending_intents": ["bye_bye"],
            "affirm_intents": ["sure"],
            "deny_intents": ["nope"],
            "small_talk_intents": ["hello_there"],
        },
        "queues": {"roaming_question": "roaming", "cancel_contract": "retention"},
    }
)
SLOTS = {
    "caller_name": "Ola Nordmann",
    "caller_mail": "ola@example.no",
    "msisdn": "+4791234567",
    "contract_no": "NO-88412",
}


def nlu(intent: str, confidence: float = 0.95) -> Nlu:
    return Nlu(intent=intent, confidence=confidence, entities=[])


@dataclass
class ScriptedRasa:
    """Stands in for RasaClient: answers each message with the next scripted turn."""

    turns: list[BotTurn]
    sent: list[str] = field(default_factory=list)
    triggered: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    async def send(self, conversation_id: str, message: str, slots: object = None) -> BotTurn:
        self.sent.append(message)
        return self.turns.pop(0)

    async def trigger_intent(
        self, conversation_id: str, intent: str, entities: dict[str, str]
    ) -> BotTurn:
        self.triggered.append((intent, entities))
        return BotTurn(replies=[BotReply(text="Who am I speaking with?")], nlu=None)

    async def resume(self, conversation_id: str) -> None:
        return None


@pytest.fixture
async def parts(tmp_path: Any) -> AsyncIterator[tuple[ConversationStore, HandoffDesk, Any]]:
    import asyncio

    from handoff.database import create_engine, migrate

    url = f"sqlite:///{tmp_path / 'baton.db'}"
    await asyncio.to_thread(migrate, url)
    engine = create_engine(url)
    bus = create_bus(None)
    await bus.start()
    store = ConversationStore(engine)
    desk = HandoffDesk(store.sessions, HandoffSettings().for_contract(CONTRACT))
    try:
        yield store, desk, bus
    finally:
        await bus.close()
        await engine.dispose()


@dataclass
class Chat:
    router: ConversationRouter
    store: ConversationStore
    id: str

    async def say(self, text: str) -> Any:
        return await self.router.handle(
            Inbound(conversation_id=self.id, channel="webchat", text=text)
        )

    async def conversation(self) -> Any:
        return await self.store.get_conversation(self.id)


async def chat(parts: Any, rasa: ScriptedRasa, contract: Contract = CONTRACT) -> Chat:
    store, desk, bus = parts
    if contract is not CONTRACT:
        desk = HandoffDesk(store.sessions, HandoffSettings().for_contract(contract))
    publisher = Publisher(bus)
    escalation = Escalation(store, desk, rasa, publisher, contract=contract)  # type: ignore[arg-type]
    router = ConversationRouter(
        store,
        desk,
        rasa,  # type: ignore[arg-type]
        publisher,
        escalation,
        contract=contract,
        max_message_chars=4000,
    )
    conversation = await store.create_conversation("webchat")
    return Chat(router, store, conversation.id)


@pytest.mark.parametrize(
    ("how", "turn", "reason"),
    [
        (
            "an intent listed in handoff.intents, with no rule of the bot's own",
            BotTurn(replies=[], nlu=nlu("speak_to_agent"), slots=SLOTS),
            "customer_request",
        ),
        (
            "a {handoff: …} payload from any action",
            BotTurn(
                replies=[
                    BotReply(text="Connecting you."),
                    BotReply(custom={"handoff": {"reason": "billing_dispute"}}),
                ],
                nlu=nlu("roaming_question"),
                slots=SLOTS,
            ),
            "billing_dispute",
        ),
        (
            "Rasa's ConversationPaused from a custom action",
            BotTurn(
                replies=[BotReply(text="One moment.")],
                nlu=nlu("roaming_question"),
                paused=True,
                slots=SLOTS,
            ),
            BOT_PAUSED,
        ),
    ],
)
async def test_each_way_a_bot_hands_off_queues_with_the_identity_it_gathered(
    parts: Any, how: str, turn: BotTurn, reason: str
) -> None:
    rasa = ScriptedRasa([BotTurn(replies=[BotReply(text="Hi")], nlu=nlu("roaming_question")), turn])
    c = await chat(parts, rasa)
    await c.say("is roaming included in Spain?")
    await c.say("I need help")
    conversation = await c.conversation()
    assert conversation.owner is Owner.QUEUED, how
    assert conversation.handoff_reason == reason
    assert conversation.queue == "roaming"  # the last topic, by baton.yml's queues
    packet_identity = conversation.identity
    assert packet_identity["name"] == "Ola Nordmann"
    assert packet_identity["email"] == "ola@example.no"
    assert packet_identity["phone"] == "+4791234567"
    # the assistant's custom field travels with Baton's, under its own key
    assert packet_identity.get("contract_number") == "NO-88412"


async def test_the_bot_running_its_identity_form_is_not_handed_off_yet(parts: Any) -> None:
    gathering = BotTurn(
        replies=[BotReply(text="Your name?")],
        nlu=nlu("speak_to_agent"),
        active_loop="caller_details_form",
    )
    c = await chat(parts, ScriptedRasa([gathering]))
    await c.say("agent please")
    assert (await c.conversation()).owner is Owner.BOT


async def test_an_always_human_intent_triggers_the_bots_own_handoff_intent(parts: Any) -> None:
    rasa = ScriptedRasa(
        [BotTurn(replies=[BotReply(text="Sorry to hear")], nlu=nlu("cancel_contract"))]
    )
    c = await chat(parts, rasa)
    await c.say("I want to cancel my contract")
    assert rasa.triggered == [("speak_to_agent", {"handoff_reason": "cancel_contract"})]


async def test_a_bot_without_a_handoff_intent_is_handed_off_by_baton_itself(parts: Any) -> None:
    """The moodbot has no 'a person, please': two turns it did not understand hand off."""
    bare = Contract.model_validate({})
    rasa = ScriptedRasa(
        [
            BotTurn(replies=[BotReply(text="?")], nlu=nlu("nlu_fallback", 0.2)),
            BotTurn(replies=[BotReply(text="?")], nlu=nlu("nlu_fallback", 0.2)),
        ]
    )
    c = await chat(parts, rasa, bare)
    await c.say("blorp")
    await c.say("zzzk")
    conversation = await c.conversation()
    assert conversation.owner is Owner.QUEUED
    assert conversation.handoff_reason == "low_confidence"
    assert conversation.queue == "general"
    assert rasa.triggered == []


async def test_agent_owned_conversation_never_reaches_bot(parts: Any) -> None:
    handing_off = BotTurn(
        replies=[BotReply(custom={"handoff": {"reason": "customer_request"}})],
        nlu=nlu("speak_to_agent"),
    )
    rasa = ScriptedRasa([handing_off])
    c = await chat(parts, rasa)
    await c.say("agent")
    await c.say("hello? anyone there?")
    await c.say("my number is +4791234567")
    assert rasa.sent == ["agent"]
    transcript = await c.store.transcript(c.id)
    assert [m.text for m in transcript if m.sender.value == "customer"][
        -1
    ] == "my number is +4791234567"


async def test_a_malformed_handoff_payload_still_hands_off_with_what_is_known(parts: Any) -> None:
    odd = BotTurn(
        replies=[BotReply(custom={"handoff": {"reason": 42, "identity": "not a mapping"}})],
        nlu=nlu("roaming_question"),
        slots={"caller_name": "Kari"},
    )
    c = await chat(parts, ScriptedRasa([odd]))
    await c.say("help")
    conversation = await c.conversation()
    assert conversation.owner is Owner.QUEUED
    assert conversation.handoff_reason == "unspecified"
    assert conversation.identity["name"] == "Kari"


async def test_a_busy_bot_says_so_at_once_in_the_customers_language_and_keeps_the_message(
    parts: Any,
) -> None:
    import asyncio

    import httpx

    from baton.catalogue import Catalogue
    from gateway.rasa import RasaClient

    go = asyncio.Event()

    async def rasa_handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            await go.wait()
            return httpx.Response(200, json=[{"text": "Hei!"}])
        return httpx.Response(200, json={"slots": {}, "latest_message": {}})

    store, desk, bus = parts
    rasa = RasaClient(
        "http://rasa", timeout=5, transport=httpx.MockTransport(rasa_handler),
        concurrency=1, queue=0,
    )  # fmt: skip
    publisher = Publisher(bus)
    catalogue = Catalogue(("en", "nb"))
    router = ConversationRouter(
        store,
        desk,
        rasa,
        publisher,
        Escalation(store, desk, rasa, publisher, contract=CONTRACT),
        contract=CONTRACT,
        max_message_chars=4000,
        catalogue=catalogue,
    )
    first = await store.create_conversation("webchat", language="nb")
    second = await store.create_conversation("webchat", language="nb")
    answering = asyncio.create_task(
        router.handle(Inbound(conversation_id=first.id, channel="webchat", text="hei"))
    )
    for _ in range(200):
        if rasa.replicas[0].in_flight == 1:
            break
        await asyncio.sleep(0.01)
    replies = (
        await router.handle(
            Inbound(conversation_id=second.id, channel="webchat", text="hvor er pakken min?")
        )
    ).replies
    assert [r.text for r in replies] == [catalogue.text("gateway.rasa_busy", "nb")]
    assert replies[0].meta["error"] == "rasa_busy"
    transcript = await store.transcript(second.id)
    assert [m.text for m in transcript if m.sender.value == "customer"] == ["hvor er pakken min?"]
    go.set()
    assert [r.text for r in (await answering).replies] == ["Hei!"]
    await rasa.close()

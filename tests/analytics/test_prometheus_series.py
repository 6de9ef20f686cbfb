"""The product's figures on /metrics: queue wait and first reply as histograms, verified
containment and handoffs over the window, labelled by channel and queue with bounded
values. From the real store (SQLite and PostgreSQL), and once through a running gateway."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analytics.metrics import Definitions
from analytics.prometheus import Labels, exposition, read_figures, read_series
from analytics.settings import AnalyticsSettings
from baton import paths
from baton.project import load_project
from handoff.agents import AgentDirectory
from handoff.desk import HandoffDesk
from handoff.records import Nlu, Sender
from handoff.settings import HandoffSettings
from handoff.store import ConversationStore
from tests.console.test_handoff_api import customer, send
from tests.harness import RunningGateway

CONTRACT = load_project(paths.DEMO).contract
LABELS = Labels.of(CONTRACT, HandoffSettings().for_contract(CONTRACT))
DEFINITIONS = Definitions.from_settings(AnalyticsSettings(), CONTRACT)


async def contained(store: ConversationStore) -> None:
    """A web chat the bot answered alone."""
    chat = await store.create_conversation("web")
    hello = await store.add_message(chat.id, channel="web", sender=Sender.CUSTOMER, text="hi")
    await store.set_nlu(hello.message, Nlu("greet", 0.95))
    await store.add_message(
        chat.id, channel="web", sender=Sender.BOT, text="Hi!", reply_to_id=hello.message.id
    )


async def answered_by_an_agent(store: ConversationStore, desk: HandoffDesk, channel: str) -> None:
    """A conversation about an order, handed off, taken and answered by Dana."""
    chat = await store.create_conversation(channel)
    ask = await store.add_message(
        chat.id, channel=channel, sender=Sender.CUSTOMER, text="where is my order"
    )
    await store.set_nlu(ask.message, Nlu("order_status", 0.9))
    await desk.request_handoff(chat.id, reason="customer_request")
    await desk.claim(chat.id, "dana")
    await desk.reply(chat.id, "dana", "Let me look.")


async def test_a_handoff_and_a_contained_conversation_in_the_series(
    store: ConversationStore,
) -> None:
    await AgentDirectory(store.sessions).add("dana", "Dana", ["orders"], capacity=10)
    desk = HandoffDesk(store.sessions, HandoffSettings().for_contract(CONTRACT))
    await contained(store)
    await answered_by_an_agent(store, desk, "telegram")
    # an unknown channel, and a queue the assistant does not route to: labelled "other"
    elsewhere = HandoffDesk(store.sessions, HandoffSettings(default_queue="vip-secret"))
    chat = await store.create_conversation("carrier-pigeon")
    await store.add_message(chat.id, channel="carrier-pigeon", sender=Sender.CUSTOMER, text="?")
    await elsewhere.request_handoff(chat.id, reason="customer_request")
    await desk.claim(chat.id, "dana")

    # two days on: the web chat ended long ago and nobody came back within the window
    later = datetime.now(UTC) + timedelta(days=2)
    series = await read_series(store.sessions, DEFINITIONS, LABELS, now=later)
    figures = await read_figures(store.sessions, timedelta(minutes=30), labels=LABELS)
    text = exposition(figures, series).decode()

    web, orders = 'channel="web",queue="none"', 'channel="telegram",queue="orders"'
    for line in [
        f"baton_window_conversations{{{web}}} 1.0",
        f"baton_containment_decided_conversations{{{web}}} 1.0",
        f"baton_contained_conversations{{{web}}} 1.0",
        f"baton_verified_containment_ratio{{{web}}} 1.0",
        f"baton_handoff_ratio{{{web}}} 0.0",
        f"baton_window_conversations{{{orders}}} 1.0",
        f"baton_handed_off_conversations{{{orders}}} 1.0",
        f"baton_handoff_ratio{{{orders}}} 1.0",
        f"baton_contained_conversations{{{orders}}} 0.0",
        f"baton_verified_containment_ratio{{{orders}}} 0.0",
        # taken and answered within seconds: in the first bucket
        'baton_queue_wait_seconds_bucket{channel="telegram",le="5.0",queue="orders"} 1.0',
        f"baton_queue_wait_seconds_count{{{orders}}} 1.0",
        'baton_first_reply_seconds_bucket{channel="telegram",le="5.0",queue="orders"} 1.0',
        'baton_first_reply_seconds_bucket{channel="telegram",le="+Inf",queue="orders"} 1.0',
        f"baton_first_reply_seconds_count{{{orders}}} 1.0",
        'baton_queue_wait_seconds_count{channel="other",queue="other"} 1.0',
    ]:
        assert line in text, line
    # nobody has answered the "other" one yet; no unbounded label value ever shows
    assert 'baton_first_reply_seconds_count{channel="other"' not in text
    assert "carrier-pigeon" not in text and "vip-secret" not in text
    # the web chat's stay-less figures have no histogram series
    assert 'baton_queue_wait_seconds_count{channel="web"' not in text


async def test_containment_is_pending_until_the_recontact_window_has_passed(
    store: ConversationStore,
) -> None:
    await contained(store)
    series = await read_series(store.sessions, DEFINITIONS, LABELS)
    figures = await read_figures(store.sessions, timedelta(minutes=30), labels=LABELS)
    text = exposition(figures, series).decode()
    assert 'baton_window_conversations{channel="web",queue="none"} 1.0' in text
    assert 'baton_containment_decided_conversations{channel="web",queue="none"} 0.0' in text
    # no ratio of nothing decided
    assert "baton_verified_containment_ratio{" not in text


async def test_the_gateway_serves_the_series(gateway: RunningGateway) -> None:
    dana = await gateway.add_agent("dana", skills=["general"])
    cid, auth = await customer(gateway)
    await send(gateway, cid, auth, "human please")
    await gateway.http.post(f"/api/handoff/conversations/{cid}/claim", headers=dana)
    await gateway.http.post(
        f"/api/handoff/conversations/{cid}/messages", json={"text": "Hello!"}, headers=dana
    )
    text = (await gateway.http.get("/metrics")).text
    general = 'channel="web",queue="general"'
    assert f"baton_first_reply_seconds_count{{{general}}} 1.0" in text
    assert f"baton_queue_wait_seconds_count{{{general}}} 1.0" in text
    assert f"baton_handed_off_conversations{{{general}}} 1.0" in text
    assert f"baton_handoff_ratio{{{general}}} 1.0" in text

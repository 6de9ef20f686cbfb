"""What survives a restart: de-duplication of update_ids, deliveries stored but not yet
processed, and replies written while no gateway was sending them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker

from connectors.inbox import Inbox
from connectors.models import InboxRow
from handoff.database import create_engine
from handoff.models import utcnow
from handoff.records import Sender
from handoff.store import ConversationStore
from tests.connectors.telegram.conftest import telegram_gateway, text_update


async def test_an_update_redelivered_after_a_restart_is_not_processed_again(
    tmp_path: Path,
) -> None:
    update = text_update("hi")
    async with telegram_gateway(tmp_path) as tg:
        await tg.post(update)
        await tg.fake.wait_for(lambda s: len(s) >= 1)
    async with telegram_gateway(tmp_path) as tg:
        assert (await tg.post(update)).status_code == 200
        await tg.post(text_update("and now?"))
        sent = await tg.fake.wait_for(lambda s: len(s) >= 1)
        assert [m["text"] for m in sent] == ["You said: and now?"]
        assert [t for _, t in tg.gateway.rasa.state.received] == ["and now?"]


async def test_a_delivery_stored_before_a_crash_is_processed_after_the_restart(
    tmp_path: Path,
) -> None:
    async with telegram_gateway(tmp_path) as tg:
        await tg.post(text_update("hi"))
        await tg.fake.wait_for(lambda s: len(s) >= 1)
        url = tg.gateway.settings.database_url
    # as if a gateway had acknowledged this update and died before processing it
    engine = create_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    update = text_update("where is my order 12345")
    inbox_id = await Inbox(sessions).record("telegram", str(update["update_id"]), update)
    async with sessions.begin() as session:
        row = await session.get(InboxRow, inbox_id)
        assert row is not None
        row.received_at = utcnow() - timedelta(minutes=5)
    await engine.dispose()
    async with telegram_gateway(tmp_path) as tg:
        sent = await tg.fake.wait_for(lambda s: len(s) >= 1, within=30)
        assert [m["text"] for m in sent] == ["You said: where is my order 12345"]


async def test_a_reply_written_while_no_gateway_ran_is_sent_on_the_next_start(
    tmp_path: Path,
) -> None:
    async with telegram_gateway(tmp_path) as tg:
        await tg.post(text_update("hi"))
        await tg.fake.wait_for(lambda s: len(s) >= 1)
        cid = await tg.conversation_of()
        url = tg.gateway.settings.database_url
    engine = create_engine(url)
    await ConversationStore(engine).add_message(
        cid, channel="telegram", sender=Sender.AGENT, text="Sorry for the wait",
        meta={"agent_name": "Dana"},
    )  # fmt: skip
    await engine.dispose()
    async with telegram_gateway(tmp_path) as tg:
        sent = await tg.fake.wait_for(lambda s: len(s) >= 1)
        assert [m["text"] for m in sent] == ["Dana (Voltify support): Sorry for the wait"]

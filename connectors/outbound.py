"""The outbound dispatcher: bot and agent messages of Telegram and Slack conversations, out.

It follows the event log (the durable record every message write appends to, whoever
writes it: the router, the console, a hand-back) from a cursor kept in the database,
turns each bot or agent message on a messaging channel into an outbox row, and sends the
rows that are due. The bus only wakes it early; a lost wake-up costs at most one poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from connectors.links import Links
from connectors.outbox import Cursor, Outbox, Outgoing, backoff
from gateway.bus import DESK_TOPIC, EventBus
from handoff.events import Event, EventLog

log = logging.getLogger(__name__)

CURSOR = "outbound"
OUTGOING_SENDERS = ("bot", "agent")


class SendFailed(Exception):
    """A send that may work later (network, rate limit, platform error 5xx)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class SendRefused(Exception):
    """The platform will never take this message (blocked bot, unknown chat, bad request)."""


class ChannelSender(Protocol):
    channel: str

    def parts(self, body: dict[str, Any]) -> Sequence[dict[str, Any]]:
        """The platform calls one message takes (a long text is split)."""
        ...

    async def send(self, target: dict[str, Any], part: dict[str, Any]) -> None:
        """Send one part; raises SendFailed or SendRefused."""
        ...


def message_body(message: dict[str, Any]) -> dict[str, Any]:
    """What the outbox keeps of a stored message (the event's wire form)."""
    return {
        "message_id": message.get("id"),
        "sender": message.get("sender"),
        "agent_name": message.get("agent_name"),
        "text": message.get("text") or "",
        "buttons": list(message.get("buttons") or []),
    }


def outgoing_message(event: Event) -> dict[str, Any] | None:
    """The message of a logged event if it is one a platform must receive."""
    if event.type != "message":
        return None
    message = event.data.get("message")
    if not isinstance(message, dict) or message.get("internal"):
        return None
    if message.get("sender") not in OUTGOING_SENDERS:
        return None
    return message


@dataclass
class Dispatcher:
    outbox: Outbox
    cursor: Cursor
    events: EventLog
    links: Links
    bus: EventBus
    senders: dict[str, ChannelSender]
    poll_seconds: float = 1.0

    def __post_init__(self) -> None:
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        # the first start of all begins at the present; later starts resume where the
        # cursor stopped, so messages written while no gateway ran still go out
        await self.cursor.start_at(await self.events.last_seq())
        self._tasks = [
            asyncio.create_task(self._listen(), name="outbound-wake"),
            asyncio.create_task(self._run(), name="outbound-dispatch"),
        ]

    async def close(self) -> None:
        self._stopping = True
        self._wake.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _listen(self) -> None:
        async with self.bus.subscribe(DESK_TOPIC) as queue:
            while True:
                event = await queue.get()
                if event.get("type") == "message":
                    self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self.round()
            except Exception:
                log.exception("outbound dispatch round failed")
            wait = self.poll_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            self._wake.clear()

    async def round(self) -> None:
        """Enqueue what the event log added, then send what is due (one pass)."""
        await self.follow()
        while True:
            batch = await self.outbox.claim_due()
            if not batch:
                return
            await asyncio.gather(*(self.deliver(item) for item in batch))

    async def follow(self) -> None:
        after = await self.cursor.get() or 0
        while True:
            events = await self.events.since(after, limit=500)
            if not events:
                return
            for event in events:
                await self._enqueue(event)
            after = events[-1].seq
            await self.cursor.advance(after)

    async def _enqueue(self, event: Event) -> None:
        message = outgoing_message(event)
        if message is None or message.get("channel") not in self.senders:
            return
        channel = str(message["channel"])
        link = await self.links.target_of(event.conversation_id, channel)
        if link is None:
            log.warning(
                "message %s is for %s but the conversation has no %s link",
                message.get("id"), channel, channel,
            )  # fmt: skip
            return
        await self.outbox.enqueue(
            f"message:{message['id']}",
            channel=channel,
            address=link.address,
            target=link.target,
            body=message_body(message),
            conversation_id=event.conversation_id,
        )

    async def deliver(self, item: Outgoing) -> None:
        sender = self.senders.get(item.channel)
        if sender is None:
            # another replica has this channel configured; leave the row for it
            await self.outbox.retry_later(
                item.id, item.attempts, timedelta(seconds=30), "no sender"
            )
            return
        parts = sender.parts(item.body)
        sent = item.parts_sent
        try:
            while sent < len(parts):
                await sender.send(item.target, parts[sent])
                sent += 1
                if sent < len(parts):
                    await self.outbox.part_sent(item.id, sent)
        except SendFailed as exc:
            attempts = item.attempts + 1
            delay = (
                timedelta(seconds=exc.retry_after)
                if exc.retry_after is not None
                else backoff(attempts)
            )
            if sent > item.parts_sent:
                await self.outbox.part_sent(item.id, sent)
            log.warning("sending %s failed (%s); retrying in %s", item.key, exc, delay)
            await self.outbox.retry_later(item.id, attempts, delay, str(exc))
            return
        except SendRefused as exc:
            await self.outbox.give_up(item.id, str(exc))
            return
        await self.outbox.sent(item.id)

    async def notify(
        self, key: str, link_channel: str, address: str, target: dict[str, Any], text: str
    ) -> None:
        """Send a text that is not part of the transcript (a code, a "text only" notice)."""
        body = message_body({"sender": "bot", "text": text})
        await self.outbox.enqueue(
            key, channel=link_channel, address=address, target=target, body=body
        )
        self.wake()

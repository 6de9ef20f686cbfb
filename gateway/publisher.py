"""Conversation events out to whoever watches: the conversation's sockets and the desk.

Every stored change (a message, an owner move, an NLU result, suggestions) is logged as an
event by the store or the desk; publishing sends it on the bus, to the conversation's own
topic and to the desk's, so a customer's widget, Rasa-protocol sockets and every agent
console see it, on whichever replica they are connected.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.bus import DESK_TOPIC, EventBus
from gateway.wire import typing_event
from handoff.desk import Moved
from handoff.events import Event
from handoff.records import Sender


class Publisher:
    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    async def publish(self, events: Iterable[Event | None]) -> None:
        """Send logged events to the conversation's sockets and to the desk (consoles)."""
        items = []
        for event in events:
            if event is None:
                continue
            frame = event.wire()
            if event.conversation_id:
                items.append((event.conversation_id, frame))
            items.append((DESK_TOPIC, frame))
        await self._bus.publish_all(items)

    async def publish_moves(self, moves: Iterable[Moved]) -> None:
        await self.publish(event for moved in moves for event in moved.events)

    async def bot_typing(self, conversation_id: str, *, on: bool) -> None:
        """Shown in the customer's chat while the bot works on a reply."""
        await self._bus.publish(conversation_id, typing_event(Sender.BOT, on=on))

    async def customer_typing(self, conversation_id: str, *, on: bool) -> None:
        """Shown to the agents' consoles; the bot does not care."""
        await self._bus.publish(
            DESK_TOPIC, typing_event(Sender.CUSTOMER, on=on, conversation_id=conversation_id)
        )

    async def agent_typing(self, conversation_id: str, agent_name: str, *, on: bool) -> None:
        """Shown in the customer's chat (and to the other consoles)."""
        frame = typing_event(Sender.AGENT, on=on, conversation_id=conversation_id, name=agent_name)
        await self._bus.publish_all([(conversation_id, frame), (DESK_TOPIC, frame)])

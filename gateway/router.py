"""The conversation router: the one place that decides whether a message goes to the bot.

Every channel hands its inbound messages here. A message is stored before anything else
happens, so nothing is lost whatever fails later; only a bot-owned conversation reaches
Rasa; replies, ownership changes and their events are stored and then published.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analytics.instruments import BOT_TURN_SECONDS
from baton.contract import Contract
from connectors.base import Inbound
from gateway import texts
from gateway.bus import DESK_TOPIC, EventBus
from gateway.errors import MessageEmpty, MessageTooLong
from gateway.logging import conversation_context
from gateway.rasa import BotReply, BotTurn, RasaClient, RasaUnavailable
from gateway.wire import typing_event
from handoff.desk import HandoffDesk, Moved
from handoff.errors import IllegalTransition
from handoff.events import Event
from handoff.hours import BusinessHours
from handoff.models import utcnow
from handoff.ownership import Owner
from handoff.records import Conversation, Identity, Message, Sender, as_identity
from handoff.requests import HandoffRequest, handoff_request
from handoff.sentiment import sentiment
from handoff.store import ConversationStore
from handoff.triggers import Reason, evaluate

if TYPE_CHECKING:
    from analytics.survey import Surveys

log = logging.getLogger(__name__)

RASA_UNAVAILABLE = "rasa_unavailable"
# the reason of a handoff the bot asked for by pausing the conversation (ConversationPaused)
BOT_PAUSED = "bot_paused"


@dataclass(frozen=True, slots=True)
class Delivery:
    message: Message
    replies: list[Message] = field(default_factory=list)
    duplicate: bool = False


class _KeyedLocks:
    """One lock per conversation so its messages reach the bot in order, one at a time."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class ConversationRouter:
    def __init__(
        self,
        store: ConversationStore,
        desk: HandoffDesk,
        rasa: RasaClient,
        bus: EventBus,
        *,
        contract: Contract,
        max_message_chars: int,
        hours: BusinessHours | None = None,
    ) -> None:
        self._store = store
        self._desk = desk
        self._rasa = rasa
        self._bus = bus
        # which intents ask for a person, which form gathers identity, which slots hold it
        self._contract = contract
        self._max_chars = max_message_chars
        self._hours = hours
        self._locks = _KeyedLocks()
        self._push_lock = asyncio.Lock()
        self._push_wanted = False
        # called, in the background, with every customer message of an agent-owned
        # conversation: the AI keeps listening while the bot stays silent
        self.listener: Callable[[Conversation, Message], Awaitable[None]] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        # the end-of-conversation survey: answers are taken before the owner sees them
        self.survey: Surveys | None = None

    def check(self, text: str) -> str:
        """Validate a customer text; returns it stripped or raises a gateway error."""
        stripped = text.strip()
        if not stripped:
            raise MessageEmpty()
        if len(stripped) > self._max_chars:
            raise MessageTooLong(self._max_chars)
        return stripped

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

    async def handle(self, inbound: Inbound) -> Delivery:
        text = self.check(inbound.text)
        with conversation_context(inbound.conversation_id):
            async with self._locks.hold(inbound.conversation_id):
                return await self._handle(inbound, text)

    async def _handle(self, inbound: Inbound, text: str) -> Delivery:
        meta: dict[str, Any] = {"sentiment": sentiment(text)}
        if inbound.payload:
            meta["payload"] = inbound.payload
        stored = await self._store.add_message(
            inbound.conversation_id,
            channel=inbound.channel,
            sender=Sender.CUSTOMER,
            text=text,
            client_id=inbound.client_id,
            meta=meta,
        )
        message = stored.message
        conversation = stored.conversation or await self._store.get_conversation(
            inbound.conversation_id
        )
        if stored.created:
            log.info("customer message %s stored", message.id)
            await self.publish([stored.event])
        else:
            replies = await self._store.replies_to(message.id)
            if _bot_answered(message, replies):
                log.info("redelivery of message %s ignored", message.id)
                return Delivery(message, replies, duplicate=True)
            log.info("redelivery of message %s: the bot had not answered, retrying", message.id)
        if stored.created and self.survey is not None:
            answered = await self.survey.intercept(conversation, message, inbound.payload)
            if answered is not None:
                return Delivery(message, answered)
        if conversation.owner is Owner.RESOLVED:
            moved = await self._desk.reopen(conversation.id)
            await self.publish(moved.events)
            conversation = moved.conversation
        if conversation.owner is not Owner.BOT:
            # A human owns (or is about to own) this conversation: the bot stays silent.
            # NLU (and suggestions, shown on accepting) for queued conversations too
            if stored.created and conversation.owner in (Owner.ASSIGNED, Owner.QUEUED):
                self._listen(conversation, message)
            return Delivery(message, [], duplicate=not stored.created)
        replies = await self._ask_bot(conversation, message, inbound.payload or text)
        return Delivery(message, replies, duplicate=not stored.created)

    def _listen(self, conversation: Conversation, message: Message) -> None:
        if self.listener is not None:
            self.spawn(self.listener(conversation, message), "listening to the customer")

    def spawn(self, work: Awaitable[Any], what: str) -> None:
        """Run ``work`` in the background; a failure is logged with ``what`` it was doing."""

        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("%s failed", what)

        task = asyncio.create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        """Let background work still under way finish (the gateway is stopping)."""
        if self._background:
            await asyncio.wait(self._background, timeout=5)

    async def customer_typing(self, conversation_id: str, *, on: bool) -> None:
        """Shown to the agents' consoles; the bot does not care."""
        await self._bus.publish(
            DESK_TOPIC, typing_event(Sender.CUSTOMER, on=on, conversation_id=conversation_id)
        )

    async def agent_typing(self, conversation_id: str, agent_name: str, *, on: bool) -> None:
        """Shown in the customer's chat (and to the other consoles)."""
        frame = typing_event(Sender.AGENT, on=on, conversation_id=conversation_id, name=agent_name)
        await self._bus.publish_all([(conversation_id, frame), (DESK_TOPIC, frame)])

    async def _ask_bot(
        self, conversation: Conversation, message: Message, text: str
    ) -> list[Message]:
        """Send one message to Rasa; typing shows until every reply has been published."""
        await self._bus.publish(conversation.id, typing_event(Sender.BOT, on=True))
        try:
            replies, escalating = await self._bot_turn(conversation, message, text)
            if (
                not escalating
                and (await self._store.get_conversation(conversation.id)).owner is Owner.BOT
            ):
                triggered = await self._check_triggers(conversation, message)
                replies += triggered
                if not triggered and self.survey is not None:
                    # the customer may have ended the bot's conversation: ask how it went
                    replies += await self.survey.after_bot_turn(conversation, message)
            return replies
        finally:
            await self._bus.publish(conversation.id, typing_event(Sender.BOT, on=False))

    async def _bot_turn(
        self, conversation: Conversation, message: Message, text: str
    ) -> tuple[list[Message], bool]:
        """The bot's replies, and whether the bot is already on its way to a person."""
        try:
            with BOT_TURN_SECONDS.time():
                turn = await self._rasa.send(conversation.id, text)
        except RasaUnavailable as exc:
            log.warning("Rasa unavailable: %s", exc)
            notice = BotReply(text=texts.RASA_UNAVAILABLE)
            error = await self._reply(conversation, message, notice, {"error": RASA_UNAVAILABLE})
            return [error], False
        if turn.nlu is not None:
            await self.publish([await self._store.set_nlu(message, turn.nlu)])
        form = self._contract.identity.form
        # gathering identity before a handoff, or handing off right now
        escalating = (
            (form is not None and turn.active_loop == form)
            or turn.paused
            or any(handoff_request(r.custom) is not None for r in turn.replies)
        )
        replies = await self._apply(conversation, message, turn)
        if escalating or turn.nlu is None:
            return replies, escalating
        if turn.nlu.intent in self._contract.handoff.intents:
            # the customer asked for a person and the bot has no rule of its own for it
            request: HandoffRequest = {
                "reason": Reason.CUSTOMER_REQUEST.value,
                "identity": self._identity(turn),
            }
            return replies + await self._hand_off(conversation, message, request), True
        return replies, False

    def _identity(self, turn: BotTurn) -> Identity:
        """What the bot's slots say about who the customer is, by Baton's field names."""
        slots = self._contract.identity.field_slots()
        return as_identity({field: turn.slots.get(slot) for field, slot in slots.items()})

    async def _apply(
        self, conversation: Conversation, message: Message, turn: BotTurn
    ) -> list[Message]:
        """Store and publish the bot's replies; carry out its control messages."""
        replies = []
        for reply in turn.replies:
            request = handoff_request(reply.custom)
            if request is not None:
                request.setdefault("identity", self._identity(turn))
                replies += await self._hand_off(conversation, message, request)
                continue
            if reply.text or reply.buttons or reply.image:
                meta: dict[str, Any] = {}
                if reply.image:
                    meta["image"] = reply.image
                if reply.custom and isinstance(reply.custom.get("article"), dict):
                    meta["article"] = reply.custom["article"]
                replies.append(await self._reply(conversation, message, reply, meta or None))
        if turn.paused and not any(handoff_request(r.custom) for r in turn.replies):
            # Rasa's own convention: a custom action returned ConversationPaused
            paused: HandoffRequest = {"reason": BOT_PAUSED, "identity": self._identity(turn)}
            replies += await self._hand_off(conversation, message, paused)
        return replies

    async def _check_triggers(self, conversation: Conversation, message: Message) -> list[Message]:
        """Escalate on the NLU trail / sentiment; Rasa then gathers identity and hands off."""
        stretch = await self._bot_stretch(conversation.id)
        if any(m.meta.get("trigger") for m in stretch if m.sender is Sender.CUSTOMER):
            return []  # already escalating: the bot is gathering identity
        reason = evaluate(stretch, self._desk.settings)
        if reason is None:
            return []
        log.info("handoff trigger: %s", reason)
        await self._store.annotate(message, {"trigger": reason})
        intent = self._contract.trigger
        if intent is None:
            # the bot has no intent for "a person, please": Baton hands off itself
            return await self._hand_off(conversation, message, {"reason": reason})
        try:
            turn = await self._rasa.trigger_intent(
                conversation.id, intent, {"handoff_reason": reason}
            )
        except RasaUnavailable:
            # the bot cannot ask for identity now; hand off with what is known
            return await self._hand_off(conversation, message, {"reason": reason})
        return await self._apply(conversation, message, turn)

    async def _bot_stretch(self, conversation_id: str) -> list[Message]:
        """The messages since the bot last took the conversation."""
        messages = await self._store.transcript(conversation_id)
        start = 0
        for index, m in enumerate(messages):
            if m.sender is Sender.AGENT or m.meta.get("notice") == "handed_back":
                start = index + 1
        return messages[start:]

    async def _reply(
        self, conversation: Conversation, to: Message, reply: BotReply, meta: dict[str, Any] | None
    ) -> Message:
        stored = await self._store.add_message(
            conversation.id,
            channel=conversation.channel,
            sender=Sender.BOT,
            text=reply.text,
            buttons=reply.buttons,
            reply_to_id=to.id,
            meta=meta,
        )
        await self.publish([stored.event])
        return stored.message

    async def _hand_off(
        self, conversation: Conversation, message: Message, request: HandoffRequest
    ) -> list[Message]:
        reason = request.get("reason") or "unspecified"
        identity = as_identity(request.get("identity"))
        try:
            handoff = await self._desk.request_handoff(
                conversation.id, reason=reason, identity=identity
            )
        except IllegalTransition as exc:
            log.info("handoff request ignored: %s", exc)
            return []
        log.info("handed off to queue %s (reason: %s)", handoff.conversation.queue, reason)
        await self.publish(handoff.events)
        # an available agent takes it at once: the widget announces them, no wait to quote
        await self.push()
        if (await self._store.get_conversation(conversation.id)).owner is Owner.ASSIGNED:
            return []
        if self._hours is not None and not self._hours.open_at(utcnow()):
            text = texts.HANDOFF_OFFLINE.format(hours=self._hours.text)
        elif handoff.position <= 1:
            text = texts.HANDOFF_NEXT.format(wait=texts.wait_phrase(handoff.estimated_wait_seconds))
        else:
            text = texts.HANDOFF_QUEUED.format(
                position=handoff.position, wait=texts.wait_phrase(handoff.estimated_wait_seconds)
            )
        notice = await self._reply(conversation, message, BotReply(text=text), {"notice": "queued"})
        return [notice]

    async def push(self) -> None:
        """Offer waiting conversations to available agents and publish the assignments.

        Called after every handoff and whenever an agent frees up or comes back. Calls
        that arrive while a push runs coalesce into one more round, so a burst of handoffs
        costs a few desk scans rather than one per handoff racing all the others.
        """
        self._push_wanted = True
        if self._push_lock.locked():
            return
        async with self._push_lock:
            while self._push_wanted:
                self._push_wanted = False
                await self.publish_moves(await self._desk.push())

    async def publish_moves(self, moves: Iterable[Moved]) -> None:
        await self.publish(event for moved in moves for event in moved.events)

    async def resume_bot(self, conversation: Conversation) -> Message:
        """After a hand back: Rasa resumes with the slots it had, and the customer is told."""
        try:
            await self._rasa.resume(conversation.id)
        except RasaUnavailable as exc:
            log.warning("could not resume the bot in Rasa: %s", exc)
        stored = await self._store.add_message(
            conversation.id,
            channel=conversation.channel,
            sender=Sender.BOT,
            text=texts.HANDED_BACK,
            meta={"notice": "handed_back"},
        )
        await self.publish([stored.event])
        return stored.message


def _bot_answered(message: Message, replies: list[Message]) -> bool:
    """Whether the bot has handled a message; a redelivery is retried only if it has not."""
    if message.nlu is not None:
        return True
    return any(reply.meta.get("error") != RASA_UNAVAILABLE for reply in replies)

"""The conversation router: the one place that decides whether a message goes to the bot.

Every channel's intake hands its inbound messages here. A message is stored before
anything else happens, so nothing is lost whatever fails later; a survey answer is taken
by the survey; only a bot-owned conversation reaches Rasa, and the bot's turn is applied
(its replies stored and published, its handoff signals carried out by
:mod:`gateway.escalation`); an agent-owned conversation is only listened to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analytics.instruments import BOT_TURN_SECONDS
from baton.catalogue import Catalogue, served_list
from baton.contract import Contract
from connectors.base import Inbound
from gateway.background import Background
from gateway.errors import ClientIdReused, MessageEmpty, MessageTooLong
from gateway.escalation import Escalation
from gateway.logging import conversation_context
from gateway.publisher import Publisher
from gateway.rasa import BotReply, BotTurn, RasaBusy, RasaClient, RasaUnavailable
from handoff.desk import HandoffDesk
from handoff.language import candidates_for, detect, requested
from handoff.ownership import Owner
from handoff.records import Conversation, Identity, Message, Sender, as_identity
from handoff.requests import HandoffRequest, handoff_request
from handoff.sentiment import sentiment
from handoff.store import ConversationStore
from handoff.triggers import Reason

if TYPE_CHECKING:
    from analytics.survey import Surveys

log = logging.getLogger(__name__)

RASA_UNAVAILABLE = "rasa_unavailable"
RASA_BUSY = "rasa_busy"
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
        publisher: Publisher,
        escalation: Escalation,
        *,
        contract: Contract,
        max_message_chars: int,
        background: Background | None = None,
        listener: Callable[[Conversation, Message], Awaitable[None]] | None = None,
        survey: Surveys | None = None,
        catalogue: Catalogue | None = None,
        language_slot: str | None = None,
    ) -> None:
        self._store = store
        self._desk = desk
        self._rasa = rasa
        self._publisher = publisher
        self._escalation = escalation
        # which intents ask for a person, which form gathers identity, which slots hold it
        self._contract = contract
        self._max_chars = max_message_chars
        self._locks = _KeyedLocks()
        self._background = background or Background()
        # called, in the background, with every customer message of an agent-owned
        # conversation: the AI keeps listening while the bot stays silent
        self._listener = listener
        # the end-of-conversation survey: answers are taken before the owner sees them
        self._survey = survey
        # what a customer's language is detected among (the served ones and Baton's own)
        self._language_candidates = candidates_for(contract.languages)
        # what Baton itself says, in the conversation's language
        self._catalogue = catalogue or Catalogue(contract.languages)
        # the bot's slot that Baton sets to the conversation's language before each turn
        self._language_slot = language_slot

    @property
    def catalogue(self) -> Catalogue:
        """What Baton says to customers, per language."""
        return self._catalogue

    @property
    def languages(self) -> list[str]:
        """The languages the assistant serves, its default first."""
        return list(self._contract.languages)

    def check(self, text: str) -> str:
        """Validate a customer text; returns it stripped or raises a gateway error."""
        stripped = text.strip()
        if not stripped:
            raise MessageEmpty()
        if len(stripped) > self._max_chars:
            raise MessageTooLong(self._max_chars)
        return stripped

    async def handle(self, inbound: Inbound) -> Delivery:
        text = self.check(inbound.text)
        with conversation_context(inbound.conversation_id):
            async with self._locks.hold(inbound.conversation_id):
                return await self._handle(inbound, text)

    async def _handle(self, inbound: Inbound, text: str) -> Delivery:
        # the language first, for sentiment is read in it (a clicked button's title is in the
        # bot's language, not the customer's: not detected)
        known = (await self._store.get_conversation(inbound.conversation_id)).language
        guess = None
        if known is None and not inbound.payload:
            guess = await asyncio.to_thread(detect, text, self._language_candidates)
        meta: dict[str, Any] = {"sentiment": sentiment(text, known or guess)}
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
        notices: list[Message] = []
        if stored.created:
            log.info("customer message %s stored", message.id)
            await self._publisher.publish([stored.event])
            if not inbound.payload:
                # a clicked button's title is the bot's language, not the customer's
                wanted = requested(text, self._contract.languages)
                if wanted is not None and wanted != conversation.language:
                    return await self._switch_language(conversation, message, wanted)
                if conversation.language is None and guess is not None:
                    conversation, notice = await self._detected(conversation, message, guess)
                    notices += [notice] if notice is not None else []
        else:
            if message.text != text or message.meta.get("payload") != (inbound.payload or None):
                # the client_id names another message: never drop the new text silently
                raise ClientIdReused()
            replies = await self._store.replies_to(message.id)
            if _bot_answered(message, replies):
                log.info("redelivery of message %s ignored", message.id)
                return Delivery(message, replies, duplicate=True)
            log.info("redelivery of message %s: the bot had not answered, retrying", message.id)
        if stored.created and self._survey is not None:
            answered = await self._survey.intercept(conversation, message, inbound.payload)
            if answered is not None:
                return Delivery(message, answered)
        if conversation.owner is Owner.RESOLVED:
            moved = await self._desk.reopen(conversation.id)
            await self._publisher.publish(moved.events)
            conversation = moved.conversation
        if conversation.owner is not Owner.BOT:
            # A human owns (or is about to own) this conversation: the bot stays silent.
            # NLU (and suggestions, shown on accepting) for queued conversations too
            if stored.created and conversation.owner in (Owner.ASSIGNED, Owner.QUEUED):
                self._listen(conversation, message)
            return Delivery(message, [], duplicate=not stored.created)
        replies = await self._ask_bot(conversation, message, inbound.payload or text)
        return Delivery(message, notices + replies, duplicate=not stored.created)

    async def _detected(
        self, conversation: Conversation, message: Message, language: str
    ) -> tuple[Conversation, Message | None]:
        """The conversation with the language detected in the customer's text, when still
        unknown (a channel hint or an agent's choice is never overridden). A language the
        assistant does not serve is recorded too (agents see it), and the customer is told,
        once, which languages it serves; the conversation goes on."""
        result = await self._store.set_language(conversation.id, language, if_unknown=True)
        if result is None:
            return conversation, None
        changed, event = result
        log.info("conversation language detected: %s", language)
        await self._publisher.publish([event])
        if language in self._contract.languages:
            return changed, None
        return changed, await self._not_served(changed, message, language)

    async def _not_served(self, conversation: Conversation, to: Message, language: str) -> Message:
        """ "I can only help in …", in the customer's language where the catalogue has one
        (then in the assistant's default language too)."""
        served = self._contract.languages
        default = self._catalogue.default
        text = self._catalogue.text(
            "language.not_served", default, languages=served_list(self._catalogue, served, default)
        )
        if language not in served and self._catalogue.has_language(language):
            own = self._catalogue.text(
                "language.not_served",
                language,
                languages=served_list(self._catalogue, served, language),
            )
            text = f"{own}\n\n{text}"
        return await self._reply(
            conversation, to, BotReply(text=text), {"notice": "language_not_served"}
        )

    async def _switch_language(
        self, conversation: Conversation, message: Message, language: str
    ) -> Delivery:
        """The customer asked to speak another served language: switched, and said so in it."""
        result = await self._store.set_language(conversation.id, language)
        if result is not None:
            conversation, event = result
            log.info("conversation language switched to %s by the customer", language)
            await self._publisher.publish([event])
        if conversation.owner is not Owner.BOT:
            if conversation.owner in (Owner.ASSIGNED, Owner.QUEUED):
                self._listen(conversation, message)
            return Delivery(message, [])
        notice = await self._reply(
            conversation,
            message,
            BotReply(text=self._catalogue.text("language.switched", language)),
            {"notice": "language_switched"},
        )
        return Delivery(message, [notice])

    def _listen(self, conversation: Conversation, message: Message) -> None:
        if self._listener is not None:
            self._background.spawn(
                self._listener(conversation, message), "listening to the customer"
            )

    async def _ask_bot(
        self, conversation: Conversation, message: Message, text: str
    ) -> list[Message]:
        """Send one message to Rasa; typing shows until every reply has been published."""
        await self._publisher.bot_typing(conversation.id, on=True)
        try:
            replies, escalating = await self._bot_turn(conversation, message, text)
            if (
                not escalating
                and (await self._store.get_conversation(conversation.id)).owner is Owner.BOT
            ):
                triggered = await self._check_triggers(conversation, message)
                replies += triggered
                if not triggered and self._survey is not None:
                    # the customer may have ended the bot's conversation: ask how it went
                    replies += await self._survey.after_bot_turn(conversation, message)
            return replies
        finally:
            await self._publisher.bot_typing(conversation.id, on=False)

    async def _bot_turn(
        self, conversation: Conversation, message: Message, text: str
    ) -> tuple[list[Message], bool]:
        """The bot's replies, and whether the bot is already on its way to a person."""
        try:
            with BOT_TURN_SECONDS.time():
                turn = await self._rasa.send(conversation.id, text, slots=self._slots(conversation))
        except RasaUnavailable as exc:
            busy = isinstance(exc, RasaBusy)  # shed at once: every replica's queue was full
            log.warning("Rasa %s: %s", "busy" if busy else "unavailable", exc)
            notice = BotReply(
                text=self._catalogue.text(
                    "gateway.rasa_busy" if busy else "gateway.rasa_unavailable",
                    conversation.language,
                )
            )
            code = RASA_BUSY if busy else RASA_UNAVAILABLE
            error = await self._reply(conversation, message, notice, {"error": code})
            return [error], False
        if turn.nlu is not None:
            await self._publisher.publish([await self._store.set_nlu(message, turn.nlu)])
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

    def _slots(self, conversation: Conversation) -> dict[str, Any] | None:
        """What Baton sets in the bot's tracker before a turn: the language to answer in."""
        if self._language_slot is None:
            return None
        return {self._language_slot: self._catalogue.language(conversation.language)}

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
        """Baton's triggers: the bot is asked to hand off (its rules gather identity), or
        Baton hands off itself when the bot cannot."""
        reason = await self._escalation.triggered(conversation, message)
        if reason is None:
            return []
        turn = await self._escalation.ask_bot_to_hand_off(conversation, reason)
        if turn is None:
            return await self._hand_off(conversation, message, {"reason": reason})
        return await self._apply(conversation, message, turn)

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
        await self._publisher.publish([stored.event])
        return stored.message

    async def _hand_off(
        self, conversation: Conversation, message: Message, request: HandoffRequest
    ) -> list[Message]:
        return await self._escalation.hand_off(conversation, message, request)


def _bot_answered(message: Message, replies: list[Message]) -> bool:
    """Whether the bot has handled a message; a redelivery is retried only if it has not."""
    if message.nlu is not None:
        return True
    return any(reply.meta.get("error") != RASA_UNAVAILABLE for reply in replies)

"""Handing a conversation to a person, and back: the orchestration around the desk.

The router decides *that* a conversation goes to a human (the bot asked, the customer
asked, a trigger fired); this module carries it out: the desk's handoff, the events, an
available agent offered the conversation at once, the customer told their place in line
(or the opening hours), and, after a hand back, Rasa resumed and the customer told.
Baton's own triggers (low confidence, negative sentiment, rejected knowledge answers) are
evaluated here over the bot's stretch of the conversation.
"""

from __future__ import annotations

import asyncio
import logging

from baton.catalogue import Catalogue
from baton.contract import Contract
from gateway import texts
from gateway.publisher import Publisher
from gateway.rasa import BotTurn, RasaClient, RasaUnavailable
from handoff.desk import HandoffDesk
from handoff.errors import IllegalTransition
from handoff.hours import BusinessHours
from handoff.models import utcnow
from handoff.ownership import Owner
from handoff.records import Conversation, Message, Sender, as_identity
from handoff.requests import HandoffRequest
from handoff.store import ConversationStore
from handoff.triggers import evaluate

log = logging.getLogger(__name__)


class Escalation:
    def __init__(
        self,
        store: ConversationStore,
        desk: HandoffDesk,
        rasa: RasaClient,
        publisher: Publisher,
        *,
        contract: Contract,
        hours: BusinessHours | None = None,
        catalogue: Catalogue | None = None,
    ) -> None:
        self._store = store
        self._desk = desk
        self._rasa = rasa
        self._publisher = publisher
        self._contract = contract
        self._hours = hours
        # what the customer is told, in their conversation's language
        self._catalogue = catalogue or Catalogue(contract.languages)
        self._push_lock = asyncio.Lock()
        self._push_wanted = False

    async def hand_off(
        self, conversation: Conversation, message: Message, request: HandoffRequest
    ) -> list[Message]:
        """Queue the conversation for a person; the customer's notice, if one is due."""
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
        await self._publisher.publish(handoff.events)
        # an available agent takes it at once: the widget announces them, no wait to quote
        await self.push()
        if (await self._store.get_conversation(conversation.id)).owner is Owner.ASSIGNED:
            return []
        language = handoff.conversation.language
        say = self._catalogue.text
        wait = texts.wait_phrase(self._catalogue, handoff.estimated_wait_seconds, language)
        if self._hours is not None and not self._hours.open_at(utcnow()):
            text = say("handoff.offline", language, hours=self._hours.text)
        elif handoff.position <= 1:
            text = say("handoff.next", language, wait=wait)
        else:
            text = say("handoff.queued", language, position=handoff.position, wait=wait)
        stored = await self._store.add_message(
            conversation.id,
            channel=conversation.channel,
            sender=Sender.BOT,
            text=text,
            reply_to_id=message.id,
            meta={"notice": "queued"},
        )
        await self._publisher.publish([stored.event])
        return [stored.message]

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
                await self._publisher.publish_moves(await self._desk.push())

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
            text=self._catalogue.text("handoff.handed_back", conversation.language),
            meta={"notice": "handed_back"},
        )
        await self._publisher.publish([stored.event])
        return stored.message

    # -- Baton's own triggers ------------------------------------------------------------

    async def triggered(self, conversation: Conversation, message: Message) -> str | None:
        """The reason a Baton trigger fires after this customer message, if one does (the
        message is marked with it); None while the bot is already escalating."""
        stretch = await self._bot_stretch(conversation.id)
        if any(m.meta.get("trigger") for m in stretch if m.sender is Sender.CUSTOMER):
            return None  # already escalating: the bot is gathering identity
        reason = evaluate(stretch, self._desk.settings)
        if reason is None:
            return None
        log.info("handoff trigger: %s", reason)
        await self._store.annotate(message, {"trigger": reason})
        return reason

    async def ask_bot_to_hand_off(self, conversation: Conversation, reason: str) -> BotTurn | None:
        """Send the assistant's trigger intent, so its own rules gather identity and hand
        off; None when Baton must hand off itself (no such intent, or Rasa is down)."""
        intent = self._contract.trigger
        if intent is None:
            return None
        try:
            return await self._rasa.trigger_intent(
                conversation.id, intent, {"handoff_reason": reason}
            )
        except RasaUnavailable:
            return None  # the bot cannot ask for identity now; hand off with what is known

    async def _bot_stretch(self, conversation_id: str) -> list[Message]:
        """The messages since the bot last took the conversation."""
        messages = await self._store.transcript(conversation_id)
        start = 0
        for index, m in enumerate(messages):
            if m.sender is Sender.AGENT or m.meta.get("notice") == "handed_back":
                start = index + 1
        return messages[start:]

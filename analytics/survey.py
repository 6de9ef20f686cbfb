"""The one-tap survey at the end of a conversation: CSAT, then customer effort.

The bot sends it as a message with buttons 1-5, so it works on every channel (the web chat
renders buttons, Telegram and Slack get them as inline keyboards / Block Kit). It is sent
when the bot's conversation ends on the customer's word (an ending intent, yes to "Did that
help?") and when an agent resolves a conversation. The conversation router hands every new
customer message to ``intercept`` first: a button payload (``/csat{"score":4}``) or a typed
digit answering the open question is recorded and thanked, and never reaches the bot nor
reopens a resolved conversation. Anything else closes the open question (skipped) and goes
on as usual.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select, update

from analytics import texts
from analytics.metrics import IntentRoles, confirms_end
from analytics.models import SurveyRow
from analytics.records import Turn
from analytics.settings import AnalyticsSettings
from analytics.texts import ALREADY_CLOSED, PICK_A_SCORE, THANKS
from baton.catalogue import REFERENCE, Catalogue
from handoff.events import Event
from handoff.models import HandoffRow, MessageRow, utcnow
from handoff.ownership import Owner
from handoff.records import Button, Conversation, Message, Sender
from handoff.store import ConversationStore, to_message

log = logging.getLogger(__name__)

KINDS = ("csat", "effort")
_PAYLOAD = re.compile(r"^/(csat|effort)(\{.*)?$", re.S)
_DIGIT = re.compile(r"^\s*([1-5])\s*(?:/\s*5|out\s+of\s+5|stars?)?\s*[.!]?\s*$", re.I)

Publish = Callable[[Iterable[Event | None]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Answer:
    kind: str | None  # from a button payload; None for a typed digit (answers the open one)
    score: int | None  # None: a survey payload without a valid score


def parse_answer(text: str, payload: str | None) -> Answer | None:
    """A survey answer in a customer message, or None when it is not one."""
    if payload:
        match = _PAYLOAD.match(payload.strip())
        if match is None:
            return None  # another button
        try:
            data = json.loads(match.group(2) or "{}")
        except ValueError:
            data = {}
        score = data.get("score") if isinstance(data, dict) else None
        valid = isinstance(score, int) and not isinstance(score, bool) and 1 <= score <= 5
        return Answer(match.group(1), score if valid else None)
    digit = _DIGIT.match(text)
    return Answer(None, int(digit.group(1))) if digit else None


def _turn(message: Message) -> Turn:
    return Turn(
        id=message.id,
        sender=message.sender,
        at=message.created_at,
        intent=message.nlu.intent if message.nlu else None,
        reply_to_id=message.reply_to_id,
        article=isinstance(message.meta.get("article"), dict),
        survey_answer=bool(message.meta.get("survey_answer")),
        survey_question=bool(message.meta.get("survey")),
    )


class Surveys:
    def __init__(
        self,
        store: ConversationStore,
        settings: AnalyticsSettings,
        publish: Publish,
        *,
        intents: IntentRoles,
        catalogue: Catalogue | None = None,
    ) -> None:
        self._store = store
        # the questions, in the conversation's language
        self._catalogue = catalogue or Catalogue([REFERENCE])
        self._intents = intents
        self._sessions = store.sessions
        self.settings = settings
        self._publish = publish

    # -- sending ----------------------------------------------------------------------------

    async def ask(
        self,
        conversation: Conversation,
        kind: str,
        after: str,
        *,
        handoff_id: int | None = None,
        agent_id: str | None = None,
        reply_to_id: int | None = None,
    ) -> Message:
        """Send one survey question as a bot message with score buttons and record it."""
        stored = await self._store.add_message(
            conversation.id,
            channel=conversation.channel,
            sender=Sender.BOT,
            text=self._catalogue.text(texts.QUESTIONS[kind], conversation.language),
            buttons=texts.score_buttons(kind),
            reply_to_id=reply_to_id,
            meta={"survey": kind},
        )
        async with self._sessions.begin() as session:
            session.add(
                SurveyRow(
                    conversation_id=conversation.id,
                    kind=kind,
                    after=after,
                    handoff_id=handoff_id,
                    agent_id=agent_id,
                    channel=conversation.channel,
                    question_id=stored.message.id,
                    status="open",
                    sent_at=stored.message.created_at,
                )
            )
        await self._publish([stored.event])
        return stored.message

    async def after_bot_turn(self, conversation: Conversation, message: Message) -> list[Message]:
        """Ask for CSAT if the customer's message ended the bot's conversation."""
        if not self.settings.survey_enabled:
            return []
        # runs after every bot turn: one query, the rest only when the conversation ended
        async with self._sessions() as session:
            rows = list(
                await session.scalars(
                    select(MessageRow)
                    .where(MessageRow.conversation_id == conversation.id)
                    .order_by(MessageRow.id.desc())
                    .limit(12)
                )
            )
        turns = [_turn(to_message(row)) for row in reversed(rows)]
        index = next((i for i, t in enumerate(turns) if t.id == message.id), None)
        if index is None or not confirms_end(turns, index, self._intents):
            return []
        current = await self._store.get_conversation(conversation.id)
        if current.owner is not Owner.BOT:
            return []
        async with self._sessions() as session:
            recent = await session.scalar(
                select(SurveyRow.id)
                .where(
                    SurveyRow.conversation_id == conversation.id,
                    SurveyRow.sent_at >= utcnow() - self.settings.recontact_window,
                )
                .limit(1)
            )
        if recent is not None:
            return []  # one survey per conversation and re-contact window is enough
        return [await self.ask(current, "csat", "bot", reply_to_id=message.id)]

    async def after_resolve(self, conversation_id: str, agent_id: str) -> Message | None:
        """Ask for CSAT when an agent resolved a conversation they had talked in (one closed
        from the queue, which nobody took, gets no survey: the customer had left)."""
        if not self.settings.survey_enabled:
            return None
        conversation = await self._store.get_conversation(conversation_id)
        async with self._sessions() as session:
            stay = (
                await session.execute(
                    select(HandoffRow.id, HandoffRow.assigned_at)
                    .where(HandoffRow.conversation_id == conversation_id)
                    .order_by(HandoffRow.id.desc())
                    .limit(1)
                )
            ).first()
        if stay is None or stay.assigned_at is None:
            return None
        return await self.ask(conversation, "csat", "agent", handoff_id=stay.id, agent_id=agent_id)

    # -- answers ----------------------------------------------------------------------------

    async def intercept(
        self, conversation: Conversation, message: Message, payload: str | None
    ) -> list[Message] | None:
        """Handle ``message`` if it answers a survey: returns the replies sent. None: not a
        survey answer, the message goes on to its owner (an open question is then skipped)."""
        answer = parse_answer(message.text, payload)
        async with self._sessions() as session:
            pending = await session.scalar(
                select(SurveyRow)
                .where(
                    SurveyRow.conversation_id == conversation.id,
                    SurveyRow.status == "open",
                    SurveyRow.sent_at >= utcnow() - self.settings.survey_open,
                )
                .order_by(SurveyRow.id.desc())
                .limit(1)
            )
        if answer is None or (answer.kind is None and pending is None):
            if pending is not None:
                await self._close(pending.id, "skipped")
            return None
        kind = answer.kind or (pending.kind if pending is not None else "csat")
        await self._store.annotate(message, {"survey_answer": kind})
        if pending is None or pending.kind != kind:
            log.info("survey answer %s without an open %s question", message.id, kind)
            return [
                await self._say(conversation, message, self._text(ALREADY_CLOSED, conversation))
            ]
        if answer.score is None:
            pick = self._text(PICK_A_SCORE, conversation)
            return [await self._say(conversation, message, pick, texts.score_buttons(kind))]
        if not await self._record(pending.id, answer.score, message):
            return [
                await self._say(conversation, message, self._text(ALREADY_CLOSED, conversation))
            ]
        log.info("survey %s answered: %s %d", pending.id, kind, answer.score)
        if kind == "csat" and self.settings.survey_effort:
            return [
                await self.ask(
                    conversation,
                    "effort",
                    pending.after,
                    handoff_id=pending.handoff_id,
                    agent_id=pending.agent_id,
                    reply_to_id=message.id,
                )
            ]
        return [await self._say(conversation, message, self._text(THANKS, conversation))]

    def _text(self, key: str, conversation: Conversation) -> str:
        return self._catalogue.text(key, conversation.language)

    async def _record(self, survey_id: int, score: int, message: Message) -> bool:
        """Store the score unless another process did first (the question is then closed)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(SurveyRow)
                .where(SurveyRow.id == survey_id, SurveyRow.status == "open")
                .values(
                    score=score,
                    answer_id=message.id,
                    answered_at=message.created_at,
                    status="answered",
                )
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _close(self, survey_id: int, status: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(SurveyRow)
                .where(SurveyRow.id == survey_id, SurveyRow.status == "open")
                .values(status=status)
            )

    async def _say(
        self,
        conversation: Conversation,
        to: Message,
        text: str,
        buttons: list[Button] | None = None,
    ) -> Message:
        stored = await self._store.add_message(
            conversation.id,
            channel=conversation.channel,
            sender=Sender.BOT,
            text=text,
            buttons=buttons or (),
            reply_to_id=to.id,
            meta={"notice": "survey"},
        )
        await self._publish([stored.event])
        return stored.message

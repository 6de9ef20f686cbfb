"""The AI keeps listening after a handoff: NLU still runs on every customer message (the bot
only stays silent) and the agent who owns the conversation gets suggested replies."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from agent_console.workspace import Workspace
from gateway.publisher import Publisher
from gateway.rasa import RasaClient, RasaUnavailable
from handoff.records import Conversation, Message
from handoff.store import ConversationStore

if TYPE_CHECKING:
    from agent_console.assist import Assistant

log = logging.getLogger(__name__)


class Listener:
    def __init__(
        self,
        store: ConversationStore,
        rasa: RasaClient,
        publisher: Publisher,
        workspace: Workspace,
        assistant: Assistant | None,
    ) -> None:
        self._store = store
        self._rasa = rasa
        self._publisher = publisher
        self._workspace = workspace
        self._assistant = assistant

    async def __call__(self, conversation: Conversation, message: Message) -> None:
        # the knowledge and memory searches need no NLU: they run while Rasa parses
        searching = (
            asyncio.create_task(
                self._assistant.search(
                    message.text, identity=conversation.identity, language=conversation.language
                )
            )
            if self._assistant is not None
            else None
        )
        try:
            nlu = await self._rasa.parse(message.text)
        except RasaUnavailable as exc:
            log.warning("no NLU for message %s while an agent owns it: %s", message.id, exc)
            nlu = None
        if nlu is not None:
            await self._publisher.publish([await self._store.set_nlu(message, nlu)])
        if self._assistant is None or searching is None:
            return
        suggestions = self._assistant.best(
            [
                *self._assistant.from_bot(
                    nlu.intent if nlu else None,
                    nlu.confidence if nlu else None,
                    conversation.identity,
                    conversation.language,
                ),
                *await searching,
            ]
        )
        if suggestions:
            _, event = await self._workspace.save_suggestions(
                conversation.id, message.id, suggestions
            )
            await self._publisher.publish([event])

"""One stored Slack event or button click, carried out: to the router, in its DM or thread."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from connectors.inbox import Delivery
from connectors.intake import Intake
from connectors.slack.events import (
    CHANNEL,
    Ignored,
    SlackButton,
    classify_action,
    classify_event,
)

log = logging.getLogger(__name__)


class SlackHandler:
    channel = CHANNEL

    def __init__(
        self, intake: Intake, locale: Callable[[str], Awaitable[str | None]] | None = None
    ) -> None:
        self._intake = intake
        # the Slack user's locale (users.info), the language a new conversation starts in
        self._locale = locale

    async def _hint(self, address: str, user: str) -> str | None:
        """The user's locale, asked only for a chat that is not a conversation yet."""
        if self._locale is None or await self._intake.links.find(CHANNEL, address) is not None:
            return None
        return await self._locale(user)

    async def process(self, delivery: Delivery) -> None:
        body = delivery.body
        action = (
            classify_action(body) if body.get("type") == "block_actions" else classify_event(body)
        )
        if isinstance(action, Ignored):
            log.info("slack delivery %s ignored: %s", delivery.delivery_id, action.reason)
            return
        notice_key = f"notice:{CHANNEL}:{delivery.delivery_id}"
        place = action.place
        hint = await self._hint(place.address, action.user)
        if isinstance(action, SlackButton):
            link = await self._intake.conversation(
                CHANNEL, place.address, place.target, language_hint=hint
            )
            await self._intake.message(
                link, action.title or action.payload, client_id=f"slackbtn:{action.trigger_id}",
                payload=action.payload, notice_key=notice_key,
            )  # fmt: skip
            return
        if action.needs_existing:
            existing = await self._intake.links.find(CHANNEL, place.address)
            if existing is None:
                log.info("slack thread %s is not a conversation of ours", place.address)
                return
        link = await self._intake.conversation(
            CHANNEL, place.address, place.target, language_hint=hint
        )
        await self._intake.message(
            link, action.text, client_id=action.client_id, notice_key=notice_key
        )

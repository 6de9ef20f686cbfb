"""Rasa's REST channel: ``POST /webhooks/rest/webhook`` answers with the bot's messages.

The protocol is synchronous: Baton cannot push to a REST front end. An agent's messages
(and any other message written outside a response, such as the hand-back notice) wait
and come first in the response to the customer's next message, in the order written.
While an agent owns the conversation the bot says nothing, so that response holds only
those waiting messages.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from connectors.errors import ChannelUnavailable
from connectors.rasa_channels.service import RasaChannels
from connectors.rasa_channels.wire import (
    REST_CHANNEL,
    RestBotMessage,
    read_rest_request,
    rest_messages,
)
from gateway.limits import per_address, per_conversation


def channels_of(request: Request) -> RasaChannels:
    channels: RasaChannels | None = getattr(request.app.state, "rasa_channels", None)
    if channels is None:
        raise ChannelUnavailable()
    return channels


def create_router() -> APIRouter:
    router = APIRouter(prefix="/webhooks/rest", tags=["rasa channels"])

    @router.get("/")
    async def health() -> dict[str, str]:
        """What Rasa's REST channel answers: the channel is up."""
        return {"status": "ok"}

    @router.post("/webhook")
    async def webhook(request: Request) -> list[RestBotMessage]:
        """``{"sender", "message", "metadata"?}`` in; the messages for the sender out."""
        body = read_rest_request(await request.body())
        channels = channels_of(request)
        # before the intake: a refused message is not stored (429 with Retry-After)
        await per_address(request, "messages_per_address")
        await per_conversation(request, "messages_per_conversation", f"rest:{body.sender}")
        text = channels.check(body.message)
        link = await channels.conversation(REST_CHANNEL, body.sender)
        delivery = await channels.say(link, text)
        waiting = await channels.waiting(REST_CHANNEL, delivery.message)
        return [
            part
            for message in [*waiting, *delivery.replies]
            for part in rest_messages(body.sender, message)
        ]

    return router

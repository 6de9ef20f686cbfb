"""Moving a conversation between web chat and Telegram, for the web side.

The widget asks for a one-time code (``continue-on/telegram``) and shows the customer a
t.me deep link carrying it; Telegram's ``/start <code>`` then links the chat to the same
conversation. The other way, Telegram's ``/web`` gives a code that ``/continue`` here turns
into a web chat token for the same conversation. Identity, transcript and ownership stay
with the conversation; only where the customer is changes.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import update
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from connectors.errors import ChannelUnavailable, InvalidCode
from connectors.links import CODE_TTL
from connectors.runtime import ChannelsDep
from connectors.webchat.api import AuthorisedConversation, ConversationCreated
from connectors.webchat.tokens import issue_token
from handoff.models import ConversationRow

WEB = "web"


class ContinueCode(TypedDict):
    code: str  # one use, stored only as a hash
    link: str  # opens the chat with the bot, which redeems the code
    expires_in: int  # seconds


class RedeemCode(BaseModel):
    code: str = Field(min_length=8, max_length=64)


def _seconds(ttl: timedelta) -> int:
    return int(ttl.total_seconds())


def create_router() -> APIRouter:
    router = APIRouter(prefix="/api/conversations", tags=["web chat"])

    @router.post("/{conversation_id}/continue-on/telegram")
    async def continue_on_telegram(
        conversation: AuthorisedConversation, channels: ChannelsDep
    ) -> ContinueCode:
        if channels.bot is None:
            raise ChannelUnavailable()
        code = await channels.links.issue_code(conversation.id, "telegram")
        username = await channels.telegram_username()
        link = f"https://t.me/{username}?{urlencode({'start': code})}"
        return {"code": code, "link": link, "expires_in": _seconds(CODE_TTL)}

    @router.post("/continue")
    async def continue_here(body: RedeemCode, channels: ChannelsDep) -> ConversationCreated:
        """A code from another channel (Telegram's /web) → a web chat token for the same
        conversation. The conversation's earlier web token stops working: one browser
        at a time holds it."""
        conversation_id = await channels.links.redeem_code(body.code.strip(), WEB)
        if conversation_id is None:
            raise InvalidCode()
        token, token_hash = issue_token()
        async with channels.intake.store.sessions.begin() as session:
            await session.execute(
                update(ConversationRow)
                .where(ConversationRow.id == conversation_id)
                .values(token_hash=token_hash, channel=WEB)
            )
        await channels.intake.continued_here(conversation_id, WEB)
        return {"id": conversation_id, "token": token}

    return router

"""Where a conversation's customer is on each platform, and moving them between channels.

A Telegram chat, a Slack DM or a Slack thread is linked to one conversation at a time; a
conversation may be reached on several. Its ``channel`` column says where the customer is
now: agent replies and notices go there. One-time codes move a conversation from one
channel to another; they are stored as hashes, expire and can be used once.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.models import ChannelLinkRow, CodeRow
from connectors.webchat.tokens import hash_token
from handoff.models import ConversationRow, utcnow
from handoff.ownership import Owner

CODE_TTL = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Link:
    channel: str
    address: str
    conversation_id: str
    target: dict[str, Any]


def _link(row: ChannelLinkRow) -> Link:
    return Link(row.channel, row.address, row.conversation_id, dict(row.target))


class Links:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def find(self, channel: str, address: str) -> Link | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(ChannelLinkRow).where(
                    ChannelLinkRow.channel == channel, ChannelLinkRow.address == address
                )
            )
        return _link(row) if row is not None else None

    async def target_of(self, conversation_id: str, channel: str) -> Link | None:
        """The most recently used place of this conversation on ``channel``."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(ChannelLinkRow)
                .where(
                    ChannelLinkRow.conversation_id == conversation_id,
                    ChannelLinkRow.channel == channel,
                )
                .order_by(ChannelLinkRow.updated_at.desc(), ChannelLinkRow.id.desc())
                .limit(1)
            )
        return _link(row) if row is not None else None

    async def conversation_for(
        self, channel: str, address: str, target: dict[str, Any], language: str | None = None
    ) -> tuple[Link, bool]:
        """The conversation of this address, a new one the first time (in ``language``, when
        the channel says it); and whether it is new.

        Two deliveries for a new address racing each other end in one conversation: the
        loser of the unique insert reads the winner's link.
        """
        existing = await self.find(channel, address)
        if existing is not None:
            await self._touch(existing.conversation_id, channel, address)
            return existing, False
        try:
            async with self._sessions.begin() as session:
                conversation = ConversationRow(
                    id=str(uuid.uuid4()), channel=channel, owner=Owner.BOT.value, language=language
                )
                session.add(conversation)
                await session.flush()
                row = ChannelLinkRow(
                    channel=channel,
                    address=address,
                    conversation_id=conversation.id,
                    target=target,
                    created_at=utcnow(),
                    updated_at=utcnow(),
                )
                session.add(row)
                await session.flush()
                return _link(row), True
        except IntegrityError:
            existing = await self.find(channel, address)
            if existing is None:
                raise
            return existing, False

    async def attach(
        self, conversation_id: str, channel: str, address: str, target: dict[str, Any]
    ) -> Link:
        """Point this address at ``conversation_id`` (moving the customer there)."""
        now = utcnow()
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(ChannelLinkRow).where(
                    ChannelLinkRow.channel == channel, ChannelLinkRow.address == address
                )
            )
            if row is None:
                row = ChannelLinkRow(
                    channel=channel, address=address, created_at=now, target=target
                )
                session.add(row)
            row.conversation_id = conversation_id
            row.target = target
            row.updated_at = now
            await _set_channel(session, conversation_id, channel)
            await session.flush()
            return _link(row)

    async def _touch(self, conversation_id: str, channel: str, address: str) -> None:
        """The customer wrote from here: replies and notices follow them to this channel."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(ChannelLinkRow)
                .where(ChannelLinkRow.channel == channel, ChannelLinkRow.address == address)
                .values(updated_at=utcnow())
            )
            await _set_channel(session, conversation_id, channel)

    # -- one-time codes ------------------------------------------------------------------

    async def issue_code(self, conversation_id: str, to_channel: str) -> str:
        """A code that moves this conversation to ``to_channel`` once, within CODE_TTL."""
        code = secrets.token_urlsafe(18)  # 24 characters of [A-Za-z0-9_-]: a deep-link value
        now = utcnow()
        async with self._sessions.begin() as session:
            if await session.get(ConversationRow, conversation_id) is None:
                raise LookupError(conversation_id)
            session.add(
                CodeRow(
                    code_hash=hash_token(code),
                    conversation_id=conversation_id,
                    to_channel=to_channel,
                    created_at=now,
                    expires_at=now + CODE_TTL,
                )
            )
        return code

    async def redeem_code(self, code: str, to_channel: str) -> str | None:
        """The conversation a valid, unexpired, unused code names; the code is used up.

        One conditional UPDATE: of two redemptions of the same code, exactly one wins.
        """
        now = utcnow()
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(CodeRow)
                .where(
                    CodeRow.code_hash == hash_token(code),
                    CodeRow.to_channel == to_channel,
                    CodeRow.used_at.is_(None),
                    CodeRow.expires_at > now,
                )
                .values(used_at=now)
                .returning(CodeRow.conversation_id)
            )
            return result.scalar_one_or_none()


async def _set_channel(session: AsyncSession, conversation_id: str, channel: str) -> None:
    await session.execute(
        update(ConversationRow)
        .where(ConversationRow.id == conversation_id, ConversationRow.channel != channel)
        .values(channel=channel)
    )

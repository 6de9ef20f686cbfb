"""Console users: argon2id password hashes, roles, and server-side sessions behind a cookie.

A session cookie holds a random token; the database keeps only its sha256 and an expiry,
so a stolen database does not yield sessions and signing out really ends one.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff.models import ConsoleSessionRow, UserRow, utcnow

_USER_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
MIN_PASSWORD_CHARS = 10
# argon2id with RFC 9106's second recommended parameter set (64 MiB, 3 passes)
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified when the user does not exist, so a wrong name costs as long as a wrong
    password."""
    return _hasher.hash(secrets.token_urlsafe(16))


class Role(StrEnum):
    AGENT = "agent"  # takes handed-off conversations
    SUPERVISOR = "supervisor"  # an agent who also watches the team
    KNOWLEDGE_OWNER = "knowledge_owner"  # labels failed messages, retrains the bot


# roles that take conversations in the agent console (they have an agent record too)
DESK_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR})


@dataclass(frozen=True, slots=True)
class User:
    id: str
    name: str
    role: Role


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_new_user(user_id: str, password: str) -> None:
    """Raise ValueError with a message a person can act on."""
    if not _USER_ID.match(user_id):
        raise ValueError("user id: lowercase letters, digits, '.', '_' or '-', at most 64")
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")


class Users:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], session_hours: float = 12
    ) -> None:
        self._sessions = sessions
        self._lifetime = timedelta(hours=session_hours)

    async def add(self, user_id: str, name: str, role: Role, password: str) -> User:
        """Create a user; IntegrityError if the id is taken."""
        check_new_user(user_id, password)
        password_hash = await asyncio.to_thread(_hasher.hash, password)
        async with self._sessions.begin() as session:
            session.add(
                UserRow(id=user_id, name=name, role=role.value, password_hash=password_hash)
            )
        return User(user_id, name, role)

    async def get(self, user_id: str) -> User | None:
        async with self._sessions() as session:
            row = await session.get(UserRow, user_id)
        return User(row.id, row.name, Role(row.role)) if row is not None else None

    async def all(self) -> list[User]:
        async with self._sessions() as session:
            rows = await session.scalars(select(UserRow).order_by(UserRow.id))
            return [User(row.id, row.name, Role(row.role)) for row in rows]

    async def authenticate(self, user_id: str, password: str) -> User | None:
        """The user if the password is theirs; None otherwise (same cost either way)."""
        async with self._sessions() as session:
            row = await session.get(UserRow, user_id.strip().lower())
        stored = row.password_hash if row is not None else _dummy_hash()
        try:
            await asyncio.to_thread(_hasher.verify, stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            await self._rehash(row.id, password)
        return User(row.id, row.name, Role(row.role))

    async def _rehash(self, user_id: str, password: str) -> None:
        password_hash = await asyncio.to_thread(_hasher.hash, password)
        async with self._sessions.begin() as session:
            row = await session.get(UserRow, user_id)
            if row is not None:
                row.password_hash = password_hash

    async def start_session(self, user: User) -> str:
        """A new session for ``user``; returns the cookie value (kept only as a hash)."""
        token = secrets.token_urlsafe(32)
        async with self._sessions.begin() as session:
            session.add(
                ConsoleSessionRow(
                    id_hash=_token_hash(token),
                    user_id=user.id,
                    expires_at=utcnow() + self._lifetime,
                )
            )
            # expired sessions of this user go as a new one starts
            await session.execute(
                delete(ConsoleSessionRow).where(
                    ConsoleSessionRow.user_id == user.id, ConsoleSessionRow.expires_at < utcnow()
                )
            )
        return token

    async def by_session(self, token: str) -> User | None:
        """The signed-in user, or None for an unknown, forged or expired session."""
        if not token:
            return None
        async with self._sessions() as session:
            found = (
                await session.execute(
                    select(UserRow, ConsoleSessionRow.expires_at)
                    .join(ConsoleSessionRow, ConsoleSessionRow.user_id == UserRow.id)
                    .where(ConsoleSessionRow.id_hash == _token_hash(token))
                )
            ).first()
        if found is None:
            return None
        row, expires_at = found
        if expires_at <= utcnow():
            return None
        return User(row.id, row.name, Role(row.role))

    async def end_session(self, token: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                delete(ConsoleSessionRow).where(ConsoleSessionRow.id_hash == _token_hash(token))
            )

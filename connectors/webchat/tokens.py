"""Conversation tokens for web chat: issued by the server, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets


def issue_token() -> tuple[str, str]:
    """A new bearer token and the hash to store (256 bits of randomness)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()

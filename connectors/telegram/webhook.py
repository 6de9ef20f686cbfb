"""The Telegram webhook: the secret token checked in constant time, then the update stored."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from connectors.errors import InvalidUpdate, WrongSecret
from connectors.runtime import ChannelsDep
from connectors.telegram import SECRET_HEADER
from connectors.telegram.updates import CHANNEL, read_update

MAX_BODY = 1 << 20  # updates are a few kilobytes; anything this large is not one


def secret_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison: the time taken says nothing about how much matched."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def create_router() -> APIRouter:
    router = APIRouter(tags=["telegram"])

    @router.post("/telegram/webhook", include_in_schema=False)
    async def webhook(request: Request, channels: ChannelsDep) -> Response:
        expected = channels.telegram_secret()
        if expected is None or not secret_matches(request.headers.get(SECRET_HEADER), expected):
            raise WrongSecret()
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise InvalidUpdate("The update is too large.")
        update_id, data = read_update(raw)
        await channels.receive(CHANNEL, str(update_id), data)
        # 200 for a redelivery too: Telegram stops retrying, and it was stored the first time
        return Response(status_code=200)

    return router

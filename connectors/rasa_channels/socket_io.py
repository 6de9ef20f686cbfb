"""Rasa's socketio channel: python-socketio mounted at ``/socket.io``, speaking what the
``socketio`` connector of Rasa 3.6 speaks.

- ``session_request`` ``{session_id?}`` → ``session_confirm`` with the session id (a new
  one when none is asked for), as a bare string; the socket joins the room of that id.
- ``user_uttered`` ``{message, session_id, metadata | customData}`` → the bot's replies as
  ``bot_uttered`` events (see ``wire.bot_uttered`` for their shapes).

Every bot and agent message of the session's conversation reaches its sockets as
``bot_uttered``: each socket follows its conversation's events on the bus, as the web
chat's websocket does, so a reply an agent writes in the console (or another gateway
replica writes) arrives the same way as the bot's. A socket that is not connected misses
what is said meanwhile, as with Rasa; the record keeps it.

One difference from Rasa: the session id names the conversation whether or not the front
end sets ``session_persistence``. A message without ``session_id`` belongs to the session
the socket confirmed, or to the socket itself when it never asked for one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import socketio
from fastapi import FastAPI
from starlette.requests import HTTPConnection

from connectors.rasa_channels.service import RasaChannels
from connectors.rasa_channels.settings import RasaChannelSettings
from connectors.rasa_channels.wire import (
    SOCKETIO_CHANNEL,
    UserUttered,
    bot_uttered,
    read_session_request,
    read_user_uttered,
)
from gateway.bus import Event
from gateway.errors import GatewayError, MessageTooLong, RateLimited, error_body
from gateway.limits import RateLimits, address_key, client_address

log = logging.getLogger(__name__)

OUTGOING = ("bot", "agent")


def outgoing_id(event: Event) -> int | None:
    """The id of the message in a conversation event if a socket.io customer must see it."""
    if event.get("type") != "message":
        return None
    message = event.get("message")
    if not isinstance(message, dict) or message.get("internal"):
        return None
    if message.get("sender") not in OUTGOING or message.get("channel") != SOCKETIO_CHANNEL:
        return None
    message_id = message.get("id")
    return message_id if isinstance(message_id, int) else None


def cors_origins(allowed: list[str]) -> str | list[str]:
    """The web chat's allowed origins as python-socketio takes them."""
    return "*" if "*" in allowed else [origin.rstrip("/") for origin in allowed]


@dataclass
class _Socket:
    session_id: str | None = None
    conversation_id: str | None = None
    forwarding: asyncio.Task[None] | None = None


class SocketChannel:
    """The socket.io server; reaches the running channels through ``app.state``."""

    def __init__(
        self, app: FastAPI, settings: RasaChannelSettings, allowed_origins: list[str]
    ) -> None:
        self._app = app
        self._settings = settings
        self.sio = socketio.AsyncServer(
            async_mode="asgi", cors_allowed_origins=cors_origins(allowed_origins)
        )
        self._sockets: dict[str, _Socket] = {}
        self._addresses: dict[str, str] = {}  # each socket's client (gateway.limits)
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)
        self.sio.on("session_request", self._session_request)
        self.sio.on(settings.socketio_user_message_evt, self._user_uttered)

    def asgi(self) -> socketio.ASGIApp:
        """The ASGI app to mount at the settings' path (it keeps the full path)."""
        return socketio.ASGIApp(self.sio, socketio_path=self._settings.socketio_path)

    def _channels(self) -> RasaChannels | None:
        return getattr(self._app.state, "rasa_channels", None)

    async def close(self) -> None:
        """Stop following conversations (the gateway is stopping)."""
        for socket in list(self._sockets.values()):
            await _stop(socket)
        self._sockets.clear()

    # -- events ---------------------------------------------------------------------------

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        # refused while the gateway starts or stops: the client retries
        if self._channels() is None:
            return False
        scope = environ.get("asgi.scope")
        address = client_address(HTTPConnection(scope)) if scope else "unknown"
        limits: RateLimits | None = getattr(self._app.state, "limits", None)
        if limits is not None and await limits.hit("sockets_per_address", address_key(address)):
            return False  # too many sockets from this address: socket.io's client retries
        self._addresses[sid] = address
        return True

    async def _disconnect(self, sid: str, *args: Any) -> None:
        self._addresses.pop(sid, None)
        socket = self._sockets.pop(sid, None)
        if socket is not None:
            await _stop(socket)

    async def _session_request(self, sid: str, data: Any = None) -> None:
        channels = self._channels()
        if channels is None:
            return
        session_id = read_session_request(data) or uuid.uuid4().hex
        socket = self._sockets.setdefault(sid, _Socket())
        if socket.session_id is not None and socket.session_id != session_id:
            await self.sio.leave_room(sid, socket.session_id)
        socket.session_id = session_id
        await self.sio.enter_room(sid, session_id)
        # a returning session: agent replies reach it before the customer writes again
        link = await channels.intake.links.find(SOCKETIO_CHANNEL, session_id)
        if link is not None:
            await self._follow(channels, sid, socket, link.conversation_id)
        else:
            await _stop(socket)
        await self.sio.emit("session_confirm", session_id, to=sid)

    async def _user_uttered(self, sid: str, data: Any = None) -> dict[str, Any] | None:
        """Returns an error for the client's acknowledgement callback, if it asked for one."""
        channels = self._channels()
        parsed = read_user_uttered(data)
        if channels is None or isinstance(parsed, str):
            reason = parsed if isinstance(parsed, str) else "the channel is not running"
            log.info("socket.io message from %s ignored: %s", sid, reason)
            return error_body("invalid_request", reason)
        try:
            refusal = await self._over_limit(sid, parsed)
            if refusal is not None:  # not stored: the ack says when to send it again
                body: dict[str, Any] = error_body(refusal.code, refusal.message)
                body["error"]["retry_after"] = refusal.retry_after
                return body
            await self._say(channels, sid, parsed)
        except MessageTooLong as exc:
            # a notice for this socket only, outside the record, as the other channels give
            await self.sio.emit(
                self._settings.socketio_bot_message_evt,
                {
                    "text": channels.intake.router.catalogue.text(
                        "channels.too_long", limit=exc.limit
                    )
                },
                to=sid,
            )
            return error_body(exc.code, exc.message)
        except GatewayError as exc:
            return error_body(exc.code, exc.message)
        return None

    async def _over_limit(self, sid: str, parsed: UserUttered) -> RateLimited | None:
        limits: RateLimits | None = getattr(self._app.state, "limits", None)
        socket = self._sockets.get(sid)
        if limits is None:
            return None
        address = address_key(self._addresses.get(sid, "unknown"))
        session = parsed.session_id or (socket.session_id if socket else None) or sid
        for name, key in (
            ("messages_per_address", address),
            ("messages_per_conversation", f"socketio:{session}"),
        ):
            refusal = await limits.hit(name, key)
            if refusal is not None:
                return RateLimited(refusal.what, refusal.retry_after)
        return None

    async def _say(self, channels: RasaChannels, sid: str, parsed: UserUttered) -> None:
        text = channels.check(parsed.message)
        socket = self._sockets.setdefault(sid, _Socket())
        session_id = parsed.session_id or socket.session_id or sid
        link = await channels.conversation(SOCKETIO_CHANNEL, session_id)
        if socket.session_id != session_id:
            if socket.session_id is not None:
                await self.sio.leave_room(sid, socket.session_id)
            socket.session_id = session_id
            await self.sio.enter_room(sid, session_id)
        # following before the message is routed: the bot's replies are published during it
        await self._follow(channels, sid, socket, link.conversation_id)
        await channels.say(link, text)

    # -- following a conversation ---------------------------------------------------------

    async def _follow(
        self, channels: RasaChannels, sid: str, socket: _Socket, conversation_id: str
    ) -> None:
        """Forward the conversation's bot and agent messages to this socket from now on."""
        task = socket.forwarding
        if socket.conversation_id == conversation_id and task is not None and not task.done():
            return
        await _stop(socket)
        subscribed = asyncio.Event()
        socket.conversation_id = conversation_id
        socket.forwarding = asyncio.create_task(
            self._forward(channels, sid, conversation_id, subscribed),
            name=f"rasa-socketio:{sid}",
        )
        waiting = asyncio.ensure_future(subscribed.wait())
        await asyncio.wait({waiting, socket.forwarding}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()

    async def _forward(
        self, channels: RasaChannels, sid: str, conversation_id: str, subscribed: asyncio.Event
    ) -> None:
        async with channels.bus.subscribe(conversation_id) as queue:
            subscribed.set()
            while True:
                message_id = outgoing_id(await queue.get())
                if message_id is None:
                    continue
                try:
                    message = await channels.message(message_id)
                    for part in bot_uttered(message) if message is not None else []:
                        await self.sio.emit(self._settings.socketio_bot_message_evt, part, to=sid)
                except Exception:
                    log.exception("sending message %s to socket %s failed", message_id, sid)


async def _stop(socket: _Socket) -> None:
    task, socket.forwarding, socket.conversation_id = socket.forwarding, None, None
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

"""The messaging channels of one gateway process: built from settings, started and stopped
with the app, reached by the routes through ``ChannelsDep``.

A delivery travels: webhook (verified) → ``receive`` stores it in the inbox (a redelivery
stops here) → processed in the background, in arrival order per chat or thread → the
conversation router. Replies travel: event log → outbound dispatcher → outbox → platform.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from fastapi import Depends
from starlette.requests import HTTPConnection

from connectors.errors import ChannelUnavailable
from connectors.inbox import Delivery, Inbox
from connectors.intake import Intake
from connectors.links import Links
from connectors.outbound import CURSOR, ChannelSender, Dispatcher
from connectors.outbox import Cursor, Outbox
from connectors.settings import SlackSettings, TelegramSettings
from gateway.bus import EventBus
from gateway.publisher import Publisher
from gateway.router import ConversationRouter
from handoff.store import ConversationStore

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.signature import SignatureVerifier
    from telegram import Bot

log = logging.getLogger(__name__)

SWEEP_SECONDS = 15.0  # how often deliveries left unfinished (a crash, a replica) are retried


class ChannelsNotConfigured(RuntimeError):
    pass


class Handler(Protocol):
    channel: str

    async def process(self, delivery: Delivery) -> None: ...


def order_key(channel: str, body: dict[str, Any]) -> str:
    """Deliveries with the same key are processed one after another, in arrival order."""
    if channel == "telegram":
        source = body.get("message") or (body.get("callback_query") or {}).get("message") or {}
        return f"telegram:{(source.get('chat') or {}).get('id')}"
    event = body.get("event") or {}
    where = event.get("channel") or (body.get("channel") or {}).get("id")
    return f"slack:{where}"


class _Serial:
    """Per-key chains of tasks: each waits for the previous one with the same key."""

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Task[None]] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def run(self, key: str, work: Any) -> None:
        previous = self._tails.get(key)

        async def chained() -> None:
            if previous is not None:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await previous
            await work()

        task = asyncio.create_task(chained())
        self._tails[key] = task
        self.tasks.add(task)

        def finished(done: asyncio.Task[None]) -> None:
            self.tasks.discard(done)
            if self._tails.get(key) is done:
                del self._tails[key]

        task.add_done_callback(finished)


class Channels:
    def __init__(
        self,
        store: ConversationStore,
        router: ConversationRouter,
        bus: EventBus,
        *,
        telegram: TelegramSettings,
        slack: SlackSettings,
        web_chat_url: str,
        team: str = "Support",
        greet_intent: str | None = None,
    ) -> None:
        sessions = store.sessions
        self.team = team  # the brand title agents' messages are signed with
        self.greet_intent = greet_intent  # what Telegram's /start says to the bot
        self.links = Links(sessions)
        self.inbox = Inbox(sessions)
        worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.outbox = Outbox(sessions, worker)
        senders: dict[str, ChannelSender] = {}
        self.dispatcher = Dispatcher(
            self.outbox, Cursor(sessions, CURSOR), store.events, self.links, bus, senders
        )
        self.intake = Intake(self.links, router, store, Publisher(bus), self.dispatcher)
        self.handlers: dict[str, Handler] = {}
        self.telegram_settings = telegram
        self.bot: Bot | None = None
        self.slack_app: AsyncApp | None = None
        self.slack_verifier: SignatureVerifier | None = None
        self._socket_mode: Any = None
        self._slack_settings = slack
        self._serial = _Serial()
        self._username: str | None = None
        self._sweeper: asyncio.Task[None] | None = None
        if telegram.enabled:
            self._build_telegram(telegram, senders, web_chat_url)
        if slack.enabled:
            self._build_slack(slack, senders)

    def _build_telegram(
        self, settings: TelegramSettings, senders: dict[str, ChannelSender], web_chat_url: str
    ) -> None:
        from telegram import Bot

        from connectors.telegram.handler import TelegramHandler
        from connectors.telegram.sender import TelegramSender

        if settings.bot_token is None:
            raise ChannelsNotConfigured("BATON_TELEGRAM_BOT_TOKEN is not set")
        self.bot = Bot(settings.bot_token.get_secret_value(), base_url=settings.bot_api_base())
        sender = TelegramSender(self.bot, self.team)
        senders[sender.channel] = sender
        self.handlers[sender.channel] = TelegramHandler(
            self.intake, sender, web_chat_url, self.greet_intent
        )

    def _build_slack(self, settings: SlackSettings, senders: dict[str, ChannelSender]) -> None:
        from slack_sdk.signature import SignatureVerifier
        from slack_sdk.web.async_client import AsyncWebClient

        from connectors.slack.app import build_app
        from connectors.slack.handler import SlackHandler
        from connectors.slack.sender import SlackSender

        if settings.bot_token is None or settings.signing_secret is None:
            raise ChannelsNotConfigured(
                "BATON_SLACK_BOT_TOKEN or BATON_SLACK_SIGNING_SECRET is not set"
            )
        client = AsyncWebClient(
            token=settings.bot_token.get_secret_value(), base_url=settings.api_url
        )
        secret = settings.signing_secret.get_secret_value()
        self.slack_app = build_app(client, secret, self.receive)
        self.slack_verifier = SignatureVerifier(secret)
        sender = SlackSender(client, self.team)
        senders[sender.channel] = sender
        self.handlers[sender.channel] = SlackHandler(self.intake, sender.locale)

    def telegram_secret(self) -> str | None:
        secret = self.telegram_settings.webhook_secret
        return secret.get_secret_value() if secret is not None and self.bot else None

    async def telegram_username(self) -> str:
        """The bot's @username for t.me links (asked from Telegram once when not set)."""
        if self.telegram_settings.bot_username:
            return self.telegram_settings.bot_username.lstrip("@")
        if self.bot is None:
            raise ChannelsNotConfigured("telegram")
        if self._username is None:
            self._username = (await self.bot.get_me()).username
        return str(self._username)

    async def start(self) -> None:
        if self.bot is not None:
            from telegram.error import InvalidToken, TelegramError

            try:
                await self.bot.initialize()  # getMe: the token works, and the bot's username
                self._username = self.bot.username
                log.info("telegram channel ready as @%s", self.bot.username)
            except InvalidToken as exc:
                raise ChannelsNotConfigured(
                    f"Telegram refused BATON_TELEGRAM_BOT_TOKEN: {exc}"
                ) from exc
            except TelegramError as exc:
                log.warning("Telegram not reachable at start (%s); will keep trying", exc)
        if self._slack_settings.socket_mode and self.slack_app is not None:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            app_token = self._slack_settings.app_token
            if app_token is None:
                raise ChannelsNotConfigured("BATON_SLACK_SOCKET_MODE needs BATON_SLACK_APP_TOKEN")
            self._socket_mode = AsyncSocketModeHandler(self.slack_app, app_token.get_secret_value())
            await self._socket_mode.connect_async()
            log.info("slack channel connected in Socket Mode")
        await self.dispatcher.start()
        self._sweeper = asyncio.create_task(self._sweep(), name="channel-inbox-sweep")

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self._serial.tasks:
            await asyncio.wait(self._serial.tasks, timeout=5)
        await self.dispatcher.close()
        if self._socket_mode is not None:
            await self._socket_mode.close_async()
        if self.bot is not None:
            with contextlib.suppress(Exception):
                await self.bot.shutdown()

    async def receive(self, channel: str, delivery_id: str, body: dict[str, Any]) -> bool:
        """Store a verified delivery and process it in the background; False: seen before."""
        inbox_id = await self.inbox.record(channel, delivery_id, body)
        if inbox_id is None:
            log.info("%s delivery %s received before: ignored", channel, delivery_id)
            return False
        self._serial.run(order_key(channel, body), lambda: self.process(inbox_id))
        return True

    async def process(self, inbox_id: int) -> None:
        delivery = await self.inbox.claim(inbox_id)
        if delivery is None:
            return  # done already, or another worker has it
        handler = self.handlers.get(delivery.channel)
        if handler is None:
            await self.inbox.release(inbox_id, f"channel {delivery.channel} is not set up here")
            return
        try:
            await handler.process(delivery)
        except Exception as exc:
            log.exception(
                "processing %s delivery %s failed", delivery.channel, delivery.delivery_id
            )
            await self.inbox.release(inbox_id, f"{type(exc).__name__}: {exc}")
            return
        await self.inbox.done(inbox_id)

    async def _sweep(self) -> None:
        """Deliveries stored but never finished (the process stopped, a replica died)."""
        while True:
            try:
                for inbox_id in await self.inbox.pending():
                    await self.process(inbox_id)
            except Exception:
                log.exception("inbox sweep failed")
            await asyncio.sleep(SWEEP_SECONDS)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Channels]:
        await self.start()
        try:
            yield self
        finally:
            await self.close()


def get_channels(connection: HTTPConnection) -> Channels:
    channels: Channels | None = getattr(connection.app.state, "channels", None)
    if channels is None:
        raise ChannelUnavailable()
    return channels


ChannelsDep = Annotated[Channels, Depends(get_channels)]

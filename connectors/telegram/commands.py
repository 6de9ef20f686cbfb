"""``baton telegram set-webhook`` and ``baton telegram poll`` (local development)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import httpx
from telegram import Bot
from telegram.error import TelegramError

from connectors.settings import TelegramSettings
from connectors.telegram import SECRET_HEADER

log = logging.getLogger(__name__)

# the update types the channel serves; Telegram sends no others
ALLOWED_UPDATES = ["message", "callback_query"]


class CommandFailed(RuntimeError):
    pass


def _bot(settings: TelegramSettings) -> tuple[Bot, str]:
    if settings.bot_token is None or settings.webhook_secret is None:
        raise CommandFailed("set BATON_TELEGRAM_BOT_TOKEN and BATON_TELEGRAM_WEBHOOK_SECRET first")
    bot = Bot(settings.bot_token.get_secret_value(), base_url=settings.bot_api_base())
    return bot, settings.webhook_secret.get_secret_value()


async def set_webhook(settings: TelegramSettings, say: Callable[[str], None] = print) -> None:
    """Tell Telegram where to post updates, with the secret it must send back."""
    if not settings.webhook_url:
        raise CommandFailed(
            "set BATON_TELEGRAM_WEBHOOK_URL to the public HTTPS address of "
            "/telegram/webhook (e.g. https://chat.example.com/telegram/webhook)"
        )
    bot, secret = _bot(settings)
    async with bot:
        try:
            await bot.set_webhook(
                url=settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            )
            info = await bot.get_webhook_info()
        except TelegramError as exc:
            raise CommandFailed(f"Telegram refused the webhook: {exc}") from exc
        say(f"==> @{bot.username} posts updates to {info.url}")
        if info.last_error_message:
            say(f"    Telegram's last delivery error: {info.last_error_message}")


async def poll(
    settings: TelegramSettings,
    gateway_url: str,
    say: Callable[[str], None] = print,
    stop: asyncio.Event | None = None,
) -> None:
    """Long polling for development: updates from getUpdates are handed to the local
    gateway's webhook exactly as Telegram would post them, and confirmed to Telegram
    (the next offset) only once the gateway has taken them, so none is lost."""
    bot, secret = _bot(settings)
    stop = stop or asyncio.Event()
    webhook = gateway_url.rstrip("/") + "/telegram/webhook"
    async with bot, httpx.AsyncClient(timeout=30) as http:
        await bot.delete_webhook()  # getUpdates refuses to work while a webhook is set
        say(f"==> polling Telegram for @{bot.username}; updates go to {webhook} (Ctrl-C stops)")
        offset = 0
        while not stop.is_set():
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=10, allowed_updates=ALLOWED_UPDATES
                )
            except TelegramError as exc:
                log.warning("getUpdates failed (%s); retrying", exc)
                await asyncio.sleep(2)
                continue
            for update in updates:
                body = update.to_json().encode()
                try:
                    response = await http.post(
                        webhook, content=body,
                        headers={SECRET_HEADER: secret, "Content-Type": "application/json"},
                    )  # fmt: skip
                except httpx.HTTPError as exc:
                    log.warning("the gateway is not reachable (%s); retrying", exc)
                    await asyncio.sleep(2)
                    break
                if response.status_code >= 500:
                    log.warning("the gateway answered %s; retrying", response.status_code)
                    await asyncio.sleep(2)
                    break
                if response.status_code != 200:
                    log.warning("the gateway refused update %s: %s", update.update_id,
                                response.text)  # fmt: skip
                offset = update.update_id + 1

"""Settings of the Telegram and Slack channels (BATON_TELEGRAM_*, BATON_SLACK_* variables).

A channel with none of its settings is not mounted; a channel with some but not all of
the ones it needs stops the gateway's start with a message naming what is missing.
"""

from __future__ import annotations

import re

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# what Telegram accepts as a webhook secret token
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class TelegramSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BATON_TELEGRAM_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None  # from @BotFather
    # sent by Telegram in X-Telegram-Bot-Api-Secret-Token with every webhook delivery
    webhook_secret: SecretStr | None = None
    # the public HTTPS URL Telegram posts updates to (used by `baton telegram set-webhook`)
    webhook_url: str | None = None
    # the Bot API server; tests point it at a local fake
    api_url: str = "https://api.telegram.org"
    # for t.me deep links; asked from Telegram (getMe) when unset
    bot_username: str | None = None
    # where `/web` sends the customer (the page with the chat widget); the gateway's own
    # demo page when unset
    web_chat_url: str | None = None

    @property
    def enabled(self) -> bool:
        return self.bot_token is not None

    @model_validator(mode="after")
    def _complete(self) -> TelegramSettings:
        if self.bot_token is None and self.webhook_secret is None:
            return self
        if self.bot_token is None:
            raise ValueError(
                "BATON_TELEGRAM_WEBHOOK_SECRET is set but BATON_TELEGRAM_BOT_TOKEN is not"
            )
        if self.webhook_secret is None:
            raise ValueError(
                "BATON_TELEGRAM_BOT_TOKEN is set but BATON_TELEGRAM_WEBHOOK_SECRET is not "
                "(1-256 characters of A-Z, a-z, 0-9, _ and -)"
            )
        if not _SECRET_TOKEN.match(self.webhook_secret.get_secret_value()):
            raise ValueError(
                "BATON_TELEGRAM_WEBHOOK_SECRET may only hold 1-256 characters of "
                "A-Z, a-z, 0-9, _ and -"
            )
        return self

    def bot_api_base(self) -> str:
        """python-telegram-bot's base_url: the token is appended to it."""
        return self.api_url.rstrip("/") + "/bot"


class SlackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BATON_SLACK_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None  # xoxb-…, from the app's "OAuth & Permissions"
    signing_secret: SecretStr | None = None  # from the app's "Basic Information"
    # the Web API; tests point it at a local fake
    api_url: str = "https://slack.com/api/"
    # Socket Mode for development: events over a websocket, no public URL needed (xapp-…)
    app_token: SecretStr | None = None
    # connect to Slack over Socket Mode instead of mounting /slack/events (needs the app token)
    socket_mode: bool = False

    @property
    def enabled(self) -> bool:
        return self.bot_token is not None

    @model_validator(mode="after")
    def _complete(self) -> SlackSettings:
        if self.bot_token is None:
            if self.signing_secret is not None or self.app_token is not None or self.socket_mode:
                raise ValueError("Slack settings are set but BATON_SLACK_BOT_TOKEN is not")
            return self
        if self.signing_secret is None:
            raise ValueError("BATON_SLACK_BOT_TOKEN is set but BATON_SLACK_SIGNING_SECRET is not")
        if self.socket_mode and self.app_token is None:
            raise ValueError("BATON_SLACK_SOCKET_MODE needs BATON_SLACK_APP_TOKEN (xapp-…)")
        return self

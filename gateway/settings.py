"""Settings of the gateway process (web chat, APIs, later the console), from BATON_* variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, HttpUrl
from pydantic_settings import BaseSettings, SettingsConfigDict

from analytics.settings import AnalyticsSettings
from baton import paths
from connectors.rasa_channels.settings import RasaChannelSettings
from connectors.settings import SlackSettings, TelegramSettings
from handoff.settings import HandoffSettings
from retraining.settings import ReviewSettings


class GatewaySettings(BaseSettings):
    """Read once by ``load_settings``; tests build their own instances."""

    model_config = SettingsConfigDict(env_prefix="BATON_", env_file=".env", extra="ignore")

    # the kind of deployment (nothing reads it yet)
    env: Literal["development", "test", "production"] = "development"
    # the assistant folder (a Rasa project with its baton.yml); default: the bundled demo
    project_dir: Path = Field(default_factory=paths.project_dir)
    # the address the gateway listens on (web chat, APIs, console)
    host: str = "127.0.0.1"
    # the gateway's port
    port: int = 8000
    # the conversation record (SQLAlchemy URL); postgresql://user@host/db for PostgreSQL;
    # default: an SQLite file in the assistant's own var/ place (never another assistant's)
    database_url: str = Field(default_factory=lambda: f"sqlite:///{paths.VAR / 'baton.db'}")
    # when set, events to websockets travel through a Redis stream (several gateway replicas)
    redis_url: str | None = None
    # where the gateway finds the Rasa server (`baton run` sets it)
    rasa_url: HttpUrl = HttpUrl("http://127.0.0.1:5005")
    # how long one bot turn may take before the customer is told the bot is having trouble
    rasa_timeout_seconds: float = Field(default=15.0, gt=0)
    # the longest customer message accepted (longer: 413 message_too_long)
    max_message_chars: int = Field(default=4000, gt=0)
    # origins allowed to open the web chat websocket; "*" allows any (the token authorises)
    webchat_allowed_origins: list[str] = ["*"]
    # the agent console: how long a sign-in lasts
    console_session_hours: float = Field(default=12, gt=0)
    # session cookies only over HTTPS (browsers treat http://localhost and 127.0.0.1 as secure)
    console_cookie_secure: bool = True
    # origins besides the console's own that may use its API with a session or open its websocket
    console_allowed_origins: list[str] = []
    # the team's canned responses (YAML); default: the assistant folder's canned.yml, if any
    console_canned_file: Path | None = None
    # AI assist: suggestions to agents while they own a conversation (loads MiniLM and the index)
    assist_enabled: bool = True
    # bring the database schema up to date when the gateway starts
    migrate_on_start: bool = True
    # the gateway's log level (DEBUG, INFO, WARNING, …)
    log_level: str = "INFO"
    # routing, triggers and hours of the human team (BATON_HANDOFF_* variables)
    handoff: HandoffSettings = Field(default_factory=HandoffSettings)
    # supervisors' figures and the end-of-conversation survey (BATON_ANALYTICS_* variables)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    # the Telegram channel (BATON_TELEGRAM_* variables); unset: not mounted
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    # the Slack channel (BATON_SLACK_* variables); unset: not mounted
    slack: SlackSettings = Field(default_factory=SlackSettings)
    # Rasa's REST and socket.io channel protocols (BATON_RASA_CHANNELS_* variables); on by default
    rasa_channels: RasaChannelSettings = Field(default_factory=RasaChannelSettings)
    # knowledge owners' review and retraining (BATON_REVIEW_* variables)
    review: ReviewSettings = Field(default_factory=ReviewSettings)


def load_settings() -> GatewaySettings:
    return GatewaySettings()

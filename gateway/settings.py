"""Settings of the gateway process (web chat, APIs, later the console), from BATON_* variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, HttpUrl
from pydantic_settings import BaseSettings, SettingsConfigDict

from analytics.settings import AnalyticsSettings
from baton import paths
from connectors.settings import SlackSettings, TelegramSettings
from handoff.settings import HandoffSettings
from retraining.settings import ReviewSettings


class GatewaySettings(BaseSettings):
    """Read once by ``load_settings``; tests build their own instances."""

    model_config = SettingsConfigDict(env_prefix="BATON_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    # the assistant folder (a Rasa project with its baton.yml); default: the bundled demo
    project_dir: Path = Field(default_factory=paths.project_dir)
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = "sqlite:///var/baton.db"
    # when set, events to websockets travel through a Redis stream (several gateway replicas)
    redis_url: str | None = None
    rasa_url: HttpUrl = HttpUrl("http://127.0.0.1:5005")
    rasa_timeout_seconds: float = Field(default=15.0, gt=0)
    max_message_chars: int = Field(default=4000, gt=0)
    # origins allowed to open the web chat websocket; "*" allows any (the token authorises)
    webchat_allowed_origins: list[str] = ["*"]
    # the agent console: how long a sign-in lasts; cookies only over HTTPS (browsers treat
    # http://localhost and 127.0.0.1 as secure); origins besides the console's own that may
    # call its API with a session cookie or open its websocket
    console_session_hours: float = Field(default=12, gt=0)
    console_cookie_secure: bool = True
    console_allowed_origins: list[str] = []
    # the team's canned responses (YAML); default: the assistant folder's canned.yml, if any
    console_canned_file: Path | None = None
    # AI assist: suggestions to agents while they own a conversation (loads MiniLM and the index)
    assist_enabled: bool = True
    migrate_on_start: bool = True
    log_level: str = "INFO"
    # routing, triggers and hours of the human team (BATON_HANDOFF_* variables)
    handoff: HandoffSettings = Field(default_factory=HandoffSettings)
    # supervisors' figures and the end-of-conversation survey (BATON_ANALYTICS_* variables)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    # messaging channels (BATON_TELEGRAM_*, BATON_SLACK_* variables); unset: not mounted
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    # knowledge owners' review and retraining (BATON_REVIEW_* variables)
    review: ReviewSettings = Field(default_factory=ReviewSettings)


def load_settings() -> GatewaySettings:
    return GatewaySettings()

"""Settings of the gateway process (web chat, APIs, later the console), from BATON_* variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, HttpUrl
from pydantic_settings import BaseSettings, SettingsConfigDict

from handoff.settings import HandoffSettings


class GatewaySettings(BaseSettings):
    """Read once by ``load_settings``; tests build their own instances."""

    model_config = SettingsConfigDict(env_prefix="BATON_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
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
    migrate_on_start: bool = True
    log_level: str = "INFO"
    # routing, triggers and hours of the human team (BATON_HANDOFF_* variables)
    handoff: HandoffSettings = Field(default_factory=HandoffSettings)


def load_settings() -> GatewaySettings:
    return GatewaySettings()

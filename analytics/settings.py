"""How the supervisors' figures are defined and the survey is run (BATON_ANALYTICS_* variables)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class AnalyticsSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BATON_ANALYTICS_", env_file=".env", extra="ignore"
    )

    # verified containment: the same customer writing again within this many hours after the
    # bot's conversation ended means the bot did not really solve it
    recontact_window_hours: float = Field(default=24, gt=0)
    # a bot conversation the customer has not confirmed ends after this much silence
    bot_idle_minutes: float = Field(default=30, gt=0)
    # a handoff no agent has taken counts as abandoned once the customer has been silent this
    # long (one that ends without any agent taking it counts at once)
    abandon_minutes: float = Field(default=30, gt=0)
    # the one-tap survey (CSAT, then customer effort) at the end of a conversation
    survey_enabled: bool = True
    survey_effort: bool = True  # ask the effort question after the CSAT answer
    # a customer message within this many hours may answer an open survey question
    survey_open_hours: float = Field(default=24, gt=0)
    # /metrics: when set, a scrape must send "Authorization: Bearer <token>"
    metrics_token: SecretStr | None = None

    @property
    def recontact_window(self) -> timedelta:
        return timedelta(hours=self.recontact_window_hours)

    @property
    def bot_idle(self) -> timedelta:
        return timedelta(minutes=self.bot_idle_minutes)

    @property
    def abandon_after(self) -> timedelta:
        return timedelta(minutes=self.abandon_minutes)

    @property
    def survey_open(self) -> timedelta:
        return timedelta(hours=self.survey_open_hours)

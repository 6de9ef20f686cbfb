"""Channel settings: unset means not mounted; half set stops the start, naming what is missing."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from connectors.settings import SlackSettings, TelegramSettings


def test_unset_channels_are_disabled() -> None:
    assert not TelegramSettings(_env_file=None).enabled  # type: ignore[call-arg]
    assert not SlackSettings(_env_file=None).enabled  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"bot_token": SecretStr("1:x")}, "BATON_TELEGRAM_WEBHOOK_SECRET is not"),
        ({"webhook_secret": SecretStr("abc")}, "BATON_TELEGRAM_BOT_TOKEN is not"),
        ({"bot_token": SecretStr("1:x"), "webhook_secret": SecretStr("no spaces!")},
         "may only hold"),
    ],
)  # fmt: skip
def test_half_configured_telegram_is_refused(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TelegramSettings(_env_file=None, **values)  # type: ignore[call-arg,arg-type]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"bot_token": SecretStr("xoxb-1")}, "BATON_SLACK_SIGNING_SECRET is not"),
        ({"signing_secret": SecretStr("s")}, "BATON_SLACK_BOT_TOKEN is not"),
        ({"bot_token": SecretStr("xoxb-1"), "signing_secret": SecretStr("s"), "socket_mode": True},
         "BATON_SLACK_APP_TOKEN"),
    ],
)  # fmt: skip
def test_half_configured_slack_is_refused(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SlackSettings(_env_file=None, **values)  # type: ignore[call-arg,arg-type]


def test_a_complete_telegram_setup_is_enabled() -> None:
    settings = TelegramSettings(
        _env_file=None,
        bot_token=SecretStr("1:x"),
        webhook_secret=SecretStr("a-B_9"),  # type: ignore[call-arg]
    )
    assert settings.enabled
    assert settings.bot_api_base() == "https://api.telegram.org/bot"

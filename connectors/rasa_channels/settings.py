"""Settings of Rasa's own channel protocols (BATON_RASA_CHANNELS_* variables).

Both are on by default, like the web chat: they need nothing configured, and a front end
written for Rasa's ``rest`` or ``socketio`` channel talks to Baton as it talked to Rasa.
"""

from __future__ import annotations

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class RasaChannelSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BATON_RASA_CHANNELS_", env_file=".env", extra="ignore"
    )

    # POST /webhooks/rest/webhook and GET /webhooks/rest/, as Rasa's `rest` channel
    rest_enabled: bool = True
    # socket.io, as Rasa's `socketio` channel; it accepts the web chat's origins
    # (BATON_WEBCHAT_ALLOWED_ORIGINS)
    socketio_enabled: bool = True
    # where the socket.io server is mounted (Rasa's credentials.yml: socketio_path)
    socketio_path: str = "/socket.io"
    # the event a front end sends a customer's message with (Rasa: user_message_evt)
    socketio_user_message_evt: str = "user_uttered"
    # the event the bot's and agents' messages are sent with (Rasa: bot_message_evt)
    socketio_bot_message_evt: str = "bot_uttered"

    @field_validator("socketio_path")
    @classmethod
    def _path(cls, value: str) -> str:
        path = "/" + value.strip("/")
        if path == "/":
            raise ValueError("BATON_RASA_CHANNELS_SOCKETIO_PATH must not be the root path")
        return path

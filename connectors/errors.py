"""Errors of the messaging channels, answered by the gateway's one error mapping."""

from __future__ import annotations

from connectors import texts
from gateway.errors import GatewayError


class ChannelError(GatewayError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or texts.ERRORS.get(self.code, self.code))


class InvalidUpdate(ChannelError):
    """A Telegram webhook body that is not an update (malformed JSON, no update_id)."""

    status, code = 400, "invalid_update"


class WrongSecret(ChannelError):
    """A Telegram webhook delivery without the secret token Telegram was given."""

    status, code = 403, "forbidden"


class InvalidSignature(ChannelError):
    """A Slack request whose signature is missing, wrong or older than five minutes."""

    status, code = 401, "invalid_signature"


class InvalidCode(ChannelError):
    status, code = 404, "invalid_code"


class ChannelUnavailable(ChannelError):
    status, code = 404, "channel_unavailable"

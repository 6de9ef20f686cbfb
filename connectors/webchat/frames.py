"""Frames the web chat client sends over the websocket, parsed by pure functions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from connectors.base import CleanStr, clean_json
from gateway.errors import GatewayError, InvalidFrame, InvalidJson


class InvalidEncoding(GatewayError):
    status, code = 400, "invalid_encoding"


class MessageFrame(BaseModel):
    type: Literal["message"]
    text: CleanStr
    payload: CleanStr | None = Field(default=None, max_length=1024)
    client_id: CleanStr | None = Field(default=None, min_length=1, max_length=64)


class PingFrame(BaseModel):
    type: Literal["ping"]


class TypingFrame(BaseModel):
    """The customer started (on) or stopped typing; shown to the agent who owns the chat."""

    type: Literal["typing"]
    on: bool


AnyFrame = MessageFrame | PingFrame | TypingFrame
ClientFrame = Annotated[AnyFrame, Field(discriminator="type")]
_frames: TypeAdapter[AnyFrame] = TypeAdapter(ClientFrame)


def parse_frame(raw: Mapping[str, Any]) -> AnyFrame:
    """Parse one ASGI websocket receive event into a client frame, or raise a gateway error."""
    data = raw.get("text")
    if data is None:
        try:
            data = (raw.get("bytes") or b"").decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidEncoding() from None
    try:
        # lone surrogates become U+FFFD here, before any text (or error message) uses them
        decoded = clean_json(json.loads(data))
    except (ValueError, RecursionError):  # RecursionError: nested deeper than JSON can go
        raise InvalidJson("The frame is not valid JSON.") from None
    try:
        return _frames.validate_python(decoded)
    except ValidationError as exc:
        detail = exc.errors()[0]
        where = ".".join(str(p) for p in detail.get("loc", ()))
        raise InvalidFrame(f"Invalid frame: {where} {detail.get('msg', '')}".strip()) from None

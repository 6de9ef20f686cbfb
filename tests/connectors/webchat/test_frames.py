from __future__ import annotations

import pytest

from connectors.webchat.frames import InvalidEncoding, MessageFrame, PingFrame, parse_frame
from gateway.errors import InvalidFrame, InvalidJson


def test_a_text_message_frame_parses() -> None:
    frame = parse_frame(
        {"type": "websocket.receive", "text": '{"type":"message","text":"hi","client_id":"a"}'}
    )
    assert frame == MessageFrame(type="message", text="hi", client_id="a")


def test_a_utf8_binary_frame_is_accepted_like_text() -> None:
    frame = parse_frame({"type": "websocket.receive", "bytes": b'{"type":"ping"}'})
    assert isinstance(frame, PingFrame)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ({"bytes": b"\xc3\x28"}, InvalidEncoding),
        ({"text": "{"}, InvalidJson),
        ({"text": '"just a string"'}, InvalidFrame),
        ({"text": '{"type":"message","text":"hi","client_id":""}'}, InvalidFrame),
        ({"text": '{"type":"message","text":"hi","client_id":"' + "x" * 65 + '"}'}, InvalidFrame),
        ({"text": '{"type":"message","text":5}'}, InvalidFrame),
    ],
)
def test_malformed_frames_raise_the_matching_error(
    raw: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        parse_frame(raw)

"""The web chat's parsers of outside input: websocket frames and REST bodies. Whatever a
client sends, the parser returns its typed value with text every store can hold, or
raises the gateway's own clear error (whose message can be sent back) — nothing else."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from connectors.webchat.api import ChosenLanguage, NewConversation, SendMessage
from connectors.webchat.frames import AnyFrame, parse_frame
from gateway.errors import GatewayError
from tests.fuzz.strategies import TEXT, json_text, jsonish, utf8_clean

FRAME_KEYS = st.sampled_from(["type", "text", "payload", "client_id", "on"])
FRAME_TYPES = st.one_of(st.sampled_from(["message", "ping", "typing"]), TEXT)
# shaped like frames (most of them nearly valid), to reach past the first check
FRAMES = st.one_of(
    jsonish(FRAME_KEYS),
    st.fixed_dictionaries(
        {"type": FRAME_TYPES},
        optional={
            "text": st.one_of(TEXT, jsonish()),
            "payload": st.one_of(st.none(), TEXT),
            "client_id": st.one_of(st.none(), TEXT),
            "on": st.one_of(st.booleans(), jsonish()),
        },
    ),
)


def _parsed_or_refused(raw: dict[str, Any]) -> AnyFrame | GatewayError:
    try:
        return parse_frame(raw)
    except GatewayError as exc:
        return exc


@given(FRAMES)
def test_a_text_frame_parses_to_clean_text_or_a_sendable_error(value: Any) -> None:
    result = _parsed_or_refused({"type": "websocket.receive", "text": json_text(value)})
    if isinstance(result, GatewayError):
        assert result.code and utf8_clean([result.code, result.message])
    else:
        assert utf8_clean(result)


@given(st.one_of(st.binary(max_size=200), FRAMES.map(lambda v: json_text(v).encode())))
def test_a_binary_frame_parses_to_clean_text_or_a_sendable_error(data: bytes) -> None:
    result = _parsed_or_refused({"type": "websocket.receive", "bytes": data})
    if isinstance(result, GatewayError):
        assert utf8_clean([result.code, result.message])
    else:
        assert utf8_clean(result)


@given(st.text(max_size=200))
def test_any_text_frame_at_all_is_a_frame_or_a_gateway_error(data: str) -> None:
    result = _parsed_or_refused({"type": "websocket.receive", "text": data})
    assert isinstance(result, GatewayError) or utf8_clean(result)


def test_a_frame_nested_deeper_than_json_allows_is_invalid_json() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    result = _parsed_or_refused({"type": "websocket.receive", "text": deep})
    assert isinstance(result, GatewayError) and result.code == "invalid_json"


BODY_KEYS = st.sampled_from(["text", "payload", "client_id", "language"])


@given(
    st.sampled_from([SendMessage, NewConversation, ChosenLanguage]),
    st.one_of(
        jsonish(BODY_KEYS),
        st.fixed_dictionaries(
            {"text": TEXT, "language": TEXT},
            optional={"payload": TEXT, "client_id": TEXT},
        ),
    ),
)
def test_a_rest_body_validates_to_clean_text_or_a_validation_error(
    model: type[BaseModel], body: Any
) -> None:
    try:
        parsed = model.model_validate(body)
    except ValidationError:
        return
    assert utf8_clean(parsed)

"""Hostile input as outside clients can send it: JSON-ish values whose strings may hold
lone surrogates, control characters and NUL, and JSON texts spelling them as escapes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# code points a JSON text may spell (``"\ud800"``) that no UTF-8 text can hold
LONE_SURROGATES = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])
CHARACTERS = st.one_of(st.characters(), LONE_SURROGATES, st.sampled_from(["\x00", "\n", "\u202e"]))
TEXT = st.text(CHARACTERS, max_size=40)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)


def jsonish(keys: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Any]:
    """Any JSON value; object keys drawn from ``keys`` (plausible names) or any text."""
    key = st.one_of(keys, TEXT) if keys is not None else TEXT
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(key, inner, max_size=5)
        ),
        max_leaves=20,
    )


def json_text(value: Any) -> str:
    """What a hostile client sends: surrogates as ``\\uXXXX`` escapes, the rest ASCII."""
    return json.dumps(value, ensure_ascii=True)


def utf8_clean(value: Any) -> bool:
    """Whether every string in ``value`` (dataclasses and models included) encodes as
    UTF-8, as a store, a log line and a JSON response need."""
    try:
        json.dumps(value, ensure_ascii=False, default=_fields).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _fields(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return repr(value)

"""``baton.yml`` as a team may write it, mangled: every document either loads as a
contract or is refused with a ContractError naming the file (never another exception,
which `baton check` and the gateway's start-up would show as a traceback)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from baton.contract import Contract, ContractError, read_contract
from tests.fuzz.strategies import TEXT, jsonish

DEMO = (Path(__file__).resolve().parents[2] / "bot" / "baton.yml").read_text(encoding="utf-8")
SECTIONS = st.sampled_from(
    ["name", "languages", "handoff", "identity", "conversation", "queues", "knowledge",
     "intents", "always_human_intents", "trigger_intent", "reasons", "priority", "slots",
     "form", "ending_intents", "greet_intent", "enabled", "help_centre"]
)  # fmt: skip
YAML_BITS = st.sampled_from(
    [": ", "\n", "  ", "- ", "[", "]", "{", "}", "&a ", "*a", "!!python/object:os.system ",
     "? ", "|", ">", "'", '"', "\\ud800", "no", "~", "1e999", "\t", "%YAML 1.1\n", "---\n"]
)  # fmt: skip


def _read(text: str | bytes) -> Contract | ContractError:
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "baton.yml"
        if isinstance(text, bytes):
            file.write_bytes(text)
        else:
            file.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            return read_contract(file)
        except ContractError as exc:
            assert exc.file == file and str(exc)
            return exc


@st.composite
def mutated_demo(draw: st.DrawFn) -> str:
    """The demo's baton.yml with a few splices: cut, duplicated or foreign pieces."""
    text = DEMO
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        piece = draw(st.one_of(YAML_BITS, TEXT, st.just(""), st.just(text[start:end] * 2)))
        text = text[:start] + piece + text[end:]
    return text


def _as_yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=False)


DOCUMENTS = st.one_of(
    jsonish(SECTIONS),
    st.dictionaries(SECTIONS, st.one_of(jsonish(SECTIONS), st.lists(TEXT, max_size=3)), max_size=6),
)


@given(mutated_demo())
def test_a_mangled_demo_contract_loads_or_is_a_contract_error(text: str) -> None:
    assert isinstance(_read(text), Contract | ContractError)


@given(DOCUMENTS)
def test_any_yaml_document_loads_or_is_a_contract_error(value: Any) -> None:
    assert isinstance(_read(_as_yaml(value)), Contract | ContractError)


@given(st.binary(max_size=200))
def test_any_bytes_load_or_are_a_contract_error(raw: bytes) -> None:
    assert isinstance(_read(raw), Contract | ContractError)


def test_the_demo_contract_itself_loads() -> None:
    assert isinstance(_read(DEMO), Contract)

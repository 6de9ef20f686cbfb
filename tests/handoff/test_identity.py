"""The identity in the record: Baton's fields and an assistant's custom ones, nothing else."""

from __future__ import annotations

from handoff.records import MAX_CUSTOM_FIELDS, MAX_VALUE_CHARS, as_identity


def test_baton_fields_and_custom_fields_are_kept_as_text() -> None:
    identity = as_identity(
        {"name": " Ola  Nordmann ", "order_number": 12345, "contract_number": "NO-88412"}
    )
    assert identity == {
        "name": "Ola Nordmann",
        "order_number": "12345",
        "contract_number": "NO-88412",
    }


def test_empty_values_odd_keys_and_floods_are_dropped() -> None:
    identity = as_identity(
        {
            "email": "",
            "phone": None,
            "Bad Key": "x",
            "<script>": "x",
            **{f"field_{n}": "v" for n in range(MAX_CUSTOM_FIELDS + 5)},
        }
    )
    assert "email" not in identity and "phone" not in identity
    assert all(key.startswith("field_") for key in identity)
    assert len(identity) == MAX_CUSTOM_FIELDS


def test_a_value_is_cut_at_the_limit() -> None:
    assert len(as_identity({"note": "x" * 5000})["note"]) == MAX_VALUE_CHARS  # type: ignore[typeddict-item]

"""The re-ask detector: requests for identity fields, not mentions of them."""

from __future__ import annotations

import pytest

from analytics.reask import asked_fields, reasked


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("Could you confirm your email address?", {"email"}),
        ("What's your order number?", {"order_number"}),
        ("Can I have your full name please", {"name"}),
        ("Please send me your phone number so I can call you.", {"phone"}),
        ("Hi! May I get your name and your e-mail?", {"name", "email"}),
        ("Let me know the order no. and I will check.", {"order_number"}),
        ("I can see your email is dana@example.com.", set()),
        ("Your order 12345 is on its way and arrives Friday.", set()),
        ("Thanks, I have updated your email.", set()),
        ("Is there anything else I can help with?", set()),
        ("Your name is on the invoice. Could you check the delivery date?", set()),
    ],
)
def test_asked_fields(text: str, fields: set[str]) -> None:
    assert asked_fields(text) == fields


def test_reask_only_counts_fields_the_identity_already_had() -> None:
    identity = {"name": "Dana", "order_number": "none"}  # type: ignore[typeddict-item]
    texts = ["What's your name?", "Could you give me your email?", "And the order number?"]
    assert reasked(identity, texts) == {"name", "order_number"}  # type: ignore[arg-type]

from __future__ import annotations

from retraining.evaluation import Parsed, compare


def test_the_comparison_counts_understood_contained_and_held_out_side_by_side() -> None:
    held_out = [("gift card please", "gift_cards"), ("voucher for my mum", "gift_cards")]
    old_held = [Parsed("nlu_fallback", 0.3), Parsed("discount_code", 0.7)]
    new_held = [Parsed("gift_cards", 0.9), Parsed("discount_code", 0.6)]
    replay = ["hi", "gift card?", "I want a human", "blorp"]
    old_replay = [
        Parsed("greet", 0.99),
        Parsed("nlu_fallback", 0.2),
        Parsed("request_human", 0.95),
        Parsed("nlu_fallback", 0.1),
    ]
    new_replay = [
        Parsed("greet", 0.99),
        Parsed("gift_cards", 0.88),
        Parsed("request_human", 0.95),
        Parsed("out_of_scope", 0.5),
    ]
    metrics = compare(
        held_out, old_held, new_held, replay, old_replay, new_replay, ["request_human"]
    )
    assert metrics["held_out"] == {"examples": 2, "old": 0, "new": 1}
    assert metrics["replay"] == {
        "messages": 4,
        "old": {"understood": 2, "contained": 1},
        "new": {"understood": 4, "contained": 3},
    }
    assert metrics["changed"] == 2
    assert metrics["changes"][0] == {
        "text": "gift card?",
        "old": "nlu_fallback",
        "new": "gift_cards",
    }

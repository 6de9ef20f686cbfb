"""How handoffs are routed and when they trigger (BATON_HANDOFF_* variables)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class HandoffSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BATON_HANDOFF_", env_file=".env", extra="ignore")

    # -- routing: which queue a handoff goes to, by the last recognised intent
    default_queue: str = "general"
    intent_queues: dict[str, str] = {
        "order_status": "orders",
        "cancel_order": "orders",
        "change_address": "orders",
        "delivery_options": "orders",
        "payment_problem": "billing",
        "refund_status": "billing",
        "returns": "billing",
        "discount_code": "billing",
        "product_question": "technical",
        "warranty": "technical",
        "stock_availability": "technical",
    }
    # -- priority: higher is served first
    reason_priority: dict[str, int] = {"complaint": 1, "negative_sentiment": 1}
    vip_emails: list[str] = []  # identified customers served before everyone else
    vip_priority: int = 2
    # -- triggers evaluated by the gateway after every bot turn
    # a customer turn counts as low-confidence when its intent is nlu_fallback (below the NLU's
    # own threshold, calibrated on the bot's training data) or its confidence is below this;
    # 0 leaves the judgement to the calibrated NLU
    low_confidence_threshold: float = Field(default=0.0, ge=0, le=1)
    low_confidence_turns: int = Field(default=2, ge=1)  # consecutive fallback/low-confidence turns
    always_human_intents: list[str] = ["complaint"]
    # a knowledge answer turned down this many times (the customer's next intent is one of these)
    knowledge_rejections: int = Field(default=2, ge=1)
    knowledge_rejection_intents: list[str] = ["deny"]
    sentiment_threshold: float = Field(default=-0.5, ge=-1, le=0)  # mean VADER compound
    sentiment_turns: int = Field(default=3, ge=1)  # over the last N customer messages
    # -- when humans answer; outside these hours a handoff becomes a ticket in the queue
    hours: str = "always"  # or e.g. "mon-fri 09:00-18:00"
    timezone: str = "Europe/Berlin"
    # -- waiting estimate: median of the last N assignment times in the queue
    wait_sample: int = Field(default=20, ge=1)
    default_wait_seconds: int = 120  # before any assignment has been observed


def load_handoff_settings() -> HandoffSettings:
    return HandoffSettings()

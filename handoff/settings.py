"""How handoffs are routed and when they trigger (BATON_HANDOFF_* variables)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from baton.contract import Contract


class HandoffSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BATON_HANDOFF_", env_file=".env", extra="ignore")

    # -- routing: which queue a handoff goes to, by the last recognised intent
    default_queue: str = "general"
    # the assistant's baton.yml fills these (queues, handoff.priority, handoff.always_human_intents,
    # conversation.deny_intents and the topicless intents): see HandoffSettings.for_contract
    intent_queues: dict[str, str] = {}
    # languages the assistant serves (baton.yml's languages): agents' languages route
    # conversations in these; one in another language (recorded, shown) goes to anyone
    languages: list[str] = []
    # -- priority: higher is served first
    reason_priority: dict[str, int] = {"negative_sentiment": 1}
    vip_emails: list[str] = []  # identified customers served before everyone else
    # the priority of a VIP customer's handoff
    vip_priority: int = 2
    # -- triggers evaluated by the gateway after every bot turn
    # a customer turn counts as low-confidence when its intent is nlu_fallback (below the NLU's
    # own threshold, calibrated on the bot's training data) or its confidence is below this;
    # 0 leaves the judgement to the calibrated NLU
    low_confidence_threshold: float = Field(default=0.0, ge=0, le=1)
    low_confidence_turns: int = Field(default=2, ge=1)  # consecutive fallback/low-confidence turns
    # intents a person always answers; from baton.yml's handoff.always_human_intents
    always_human_intents: list[str] = []
    # a knowledge answer turned down this many times (the customer's next intent is one of these)
    knowledge_rejections: int = Field(default=2, ge=1)
    # the "no" intents of a rejected answer; from baton.yml's conversation.deny_intents
    knowledge_rejection_intents: list[str] = []
    # intents that say nothing about which team should take a conversation
    topicless_intents: frozenset[str] = frozenset({"nlu_fallback"})
    sentiment_threshold: float = Field(default=-0.5, ge=-1, le=0)  # mean VADER compound
    sentiment_turns: int = Field(default=3, ge=1)  # over the last N customer messages
    # -- when humans answer; outside these hours a handoff becomes a ticket in the queue
    hours: str = "always"  # or e.g. "mon-fri 09:00-18:00"
    # the time zone of those hours (an IANA name)
    timezone: str = "Europe/Berlin"
    # -- waiting estimate: median of the last N assignment times in the queue
    wait_sample: int = Field(default=20, ge=1)
    default_wait_seconds: int = 120  # before any assignment has been observed

    def routing_language(self, language: str | None) -> str | None:
        """The language agents must speak to take a conversation in ``language``: None
        (anyone) when it is unknown or one the assistant does not serve."""
        if language is None or (self.languages and language not in self.languages):
            return None
        return language

    def for_contract(self, contract: Contract) -> HandoffSettings:
        """These settings with what the assistant's ``baton.yml`` says about its intents."""
        return self.model_copy(
            update={
                "default_queue": contract.handoff.default_queue,
                "languages": list(contract.languages),
                "intent_queues": dict(contract.queues),
                "reason_priority": {**self.reason_priority, **contract.handoff.priority},
                "always_human_intents": list(contract.handoff.always_human_intents),
                "knowledge_rejection_intents": list(contract.conversation.deny_intents),
                "topicless_intents": contract.topicless,
            }
        )


def load_handoff_settings() -> HandoffSettings:
    return HandoffSettings()

"""Settings of the review-and-retrain loop (BATON_REVIEW_* variables)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from baton import paths
from baton.contract import Contract


class ReviewSettings(BaseSettings):
    """Where labels, models and articles go, and how the inbox and the evaluation work."""

    model_config = SettingsConfigDict(env_prefix="BATON_REVIEW_", env_file=".env", extra="ignore")

    # the Rasa project labels are written into (as data/reviewed/<source>.yml) and trained
    # from; tests point it at a copy, the real bot/ is shared by everyone's model
    bot_dir: Path = paths.BOT
    # where new models are written (default: <bot_dir>/models)
    models_dir: Path | None = None
    # the help centre published article drafts go to
    help_centre_dir: Path = paths.BOT / "help_centre"
    # the knowledge index rebuilt after publishing (default: BATON_KNOWLEDGE_INDEX or
    # var/knowledge, as `baton index`), and the command that rebuilds it
    knowledge_index_dir: Path | None = None
    # the `baton` command that rebuilds the knowledge index
    baton_bin: Path = paths.VENV_BIN / "baton"
    # published articles link to <this>/<article id>; default: baton.yml's
    # knowledge.article_url_base
    article_url_base: str | None = None
    # per-run copies of the project, training logs and Rasa's component cache
    work_dir: Path = paths.VAR / "retrain"
    # the Rasa runtime's `rasa` command that trains and serves candidates
    rasa_bin: Path = paths.RASA_VENV_BIN / "rasa"
    # a customer message counts as failed below this NLU confidence (besides nlu_fallback,
    # handoff triggers and turned-down answers)
    low_confidence: float = Field(default=0.5, ge=0, le=1)
    # cosine similarity (MiniLM) at which a message joins a cluster
    cluster_similarity: float = Field(default=0.55, gt=0, le=1)
    # how many of the latest customer messages the inbox looks through
    inbox_scan: int = Field(default=5000, ge=1)
    # the evaluation replays this many of the latest real customer messages through both models
    replay_messages: int = Field(default=200, ge=0)
    # share of the reviewed examples kept out of training to evaluate on (a stable split)
    held_out_share: float = Field(default=0.2, ge=0, lt=1)
    # intents whose recognition still ends with a person (not contained): the assistant's
    # handoff.intents and handoff.always_human_intents (ReviewSettings.for_contract)
    handoff_intents: list[str] = []
    # intents that mean "out of scope": a message the bot declined with one is a failure
    # the knowledge owners see (baton.yml conversation.out_of_scope_intents)
    declined_intents: list[str] = []
    # the languages the assistant serves: a message in another one is a failure too
    # (baton.yml languages; empty: every language)
    languages: list[str] = []
    # the longest a training run may take before it is stopped
    train_timeout_seconds: float = Field(default=1800, gt=0)
    # starting the candidate's short-lived Rasa server for the evaluation
    evaluation_start_seconds: float = Field(default=240, gt=0)

    def for_contract(self, contract: Contract) -> ReviewSettings:
        """These settings with what the assistant's ``baton.yml`` says."""
        update: dict[str, object] = {}
        if not self.handoff_intents:
            update["handoff_intents"] = [
                *contract.handoff.intents,
                *contract.handoff.always_human_intents,
            ]
        if self.article_url_base is None:
            update["article_url_base"] = contract.knowledge.article_url_base
        if not self.declined_intents:
            update["declined_intents"] = list(contract.conversation.out_of_scope_intents)
        if not self.languages:
            update["languages"] = list(contract.languages)
        return self.model_copy(update=update)

    @property
    def models(self) -> Path:
        return self.models_dir or self.bot_dir / "models"


def load_review_settings() -> ReviewSettings:
    return ReviewSettings()

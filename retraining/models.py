"""Tables of the review-and-retrain loop (the schema itself lives in migration 0007)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base, UTCDateTime, utcnow


class ReviewLabelRow(Base):
    """What a knowledge owner decided about one failed customer message.

    The database is the source of truth: the YAML files under the bot project are
    regenerated from these rows, so a crash between the two loses nothing. One label per
    message (unique): of two owners labelling the same message at once exactly one wins.
    """

    __tablename__ = "review_labels"
    __table_args__ = (Index("ix_review_labels_intent", "intent"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    conversation_id: Mapped[str] = mapped_column(String(36))
    text: Mapped[str] = mapped_column(Text)
    # why the message is in the inbox: fallback | low_confidence | handoff | rejected_answer
    source: Mapped[str] = mapped_column(String(32))
    # intent (an existing or a new one) | out_of_scope | article (covered by a draft)
    action: Mapped[str] = mapped_column(String(16))
    intent: Mapped[str | None] = mapped_column(String(64))
    # the entities the NLU found in the text, kept as annotations in the training example
    entities: Mapped[list[Any] | None] = mapped_column(JSON)
    draft_id: Mapped[int | None] = mapped_column(Integer)
    labelled_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleDraftRow(Base):
    """A help-centre article drafted from an agent's resolution, reviewed before publishing."""

    __tablename__ = "article_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    conversation_id: Mapped[str | None] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    file: Mapped[str | None] = mapped_column(String(300))  # where it was published
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrainingRunRow(Base):
    """One retraining: train, evaluate, then wait for approval."""

    __tablename__ = "training_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # training | evaluating | ready | failed | interrupted
    state: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(200), default="")
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1
    message: Mapped[str | None] = mapped_column(Text)  # why it failed, in words
    labels: Mapped[int] = mapped_column(Integer, default=0)  # reviewed examples trained on
    held_out: Mapped[int] = mapped_column(Integer, default=0)  # reviewed examples kept back
    model_id: Mapped[int | None] = mapped_column(Integer)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ModelRow(Base):
    """A Rasa model file the loop knows: the one serving, the one before, candidates."""

    __tablename__ = "rasa_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file: Mapped[str] = mapped_column(String(500), unique=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    # Rasa's own fingerprint of the model (GET /status), once a server has loaded it
    fingerprint: Mapped[str | None] = mapped_column(String(200))
    # candidate | active | previous | retired | rejected
    state: Mapped[str] = mapped_column(String(16))
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    run_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deployed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

"""Tables of the supervisors' figures (schema in migration 0006)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base, UTCDateTime, utcnow


class SurveyRow(Base):
    """One survey question sent to a customer, and their answer (score 1-5) if any."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_conversation_id_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # csat | effort
    # what ended: the bot's conversation ("bot") or an agent's stay ("agent")
    after: Mapped[str] = mapped_column(String(16))
    handoff_id: Mapped[int | None] = mapped_column(Integer)  # the stay an agent resolved
    agent_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    question_id: Mapped[int | None] = mapped_column(Integer)  # the bot message that asked
    score: Mapped[int | None] = mapped_column(Integer)
    answer_id: Mapped[int | None] = mapped_column(Integer)  # the customer message that answered
    # open: waiting for an answer; answered; skipped: the customer wrote something else
    status: Mapped[str] = mapped_column(String(16), default="open")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

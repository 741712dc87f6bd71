"""Labelled examples from officers' corrections (migration 0012): each time an officer gives a
complaint another category, its text and the category it should have had are kept, with the
model version that had classified it, for ``aduan classifier examples`` and evaluations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class ClassificationExample(Base):
    __tablename__ = "classification_examples"
    __table_args__ = (Index("ix_classification_examples_created", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("complaints.id", ondelete="SET NULL"))
    # The text as the classifier read it (title and description), and the right category.
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    # What the complaint had before the correction, and the keyword set that had classified it
    # (None when the category came from the channel or a person, not from the classifier).
    previous_category: Mapped[str | None] = mapped_column(String(40))
    model_version: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20), server_default="officer")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

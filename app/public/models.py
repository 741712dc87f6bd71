"""The statistics tables (migration 0011). ``stats_deltas`` is written by the ``complaints_stats``
trigger; ``app.public.repository.compact`` folds it into ``stats_daily`` and ``stats_done``."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Identity,
    Integer,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.complaints.lifecycle import ComplaintStatus
from app.core.db import Base

# One column of stats_daily per status, in the lifecycle's order.
STATUS_COLUMNS = tuple(str(s) for s in ComplaintStatus)


class StatsDelta(Base):
    """+1/-1 of one complaint: kind ``c`` counts it on its creation day with its dimensions and
    status; kind ``d`` counts a resolution on its day, by time-to-done bucket and lateness."""

    __tablename__ = "stats_deltas"
    __table_args__ = (CheckConstraint("kind IN ('c', 'd')", name="kind"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    kind: Mapped[str] = mapped_column(String(1))
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str | None] = mapped_column(String(30))
    category: Mapped[str | None] = mapped_column(String(40))
    kota: Mapped[str | None] = mapped_column(String(20))
    kecamatan: Mapped[str | None] = mapped_column(String(20))
    kelurahan: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(20))
    bucket: Mapped[int | None] = mapped_column(SmallInteger)
    late: Mapped[bool | None] = mapped_column(Boolean)
    n: Mapped[int] = mapped_column(Integer)


class StatsDaily(Base):
    """Complaints created on ``day`` (Jakarta time) per dimension (``all``, ``channel``,
    ``category``, ``kota``, ``kecamatan``, ``kelurahan``) and key, by current status."""

    __tablename__ = "stats_daily"

    dim: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    received: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    coordination: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    dispatched: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    in_progress: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    pending_validation: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    resolved: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    rejected: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    duplicate: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class StatsDone(Base):
    """Resolutions on ``day`` by time-to-done bucket (``floor(4 * log2(1 + hours))``) and lateness."""

    __tablename__ = "stats_done"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    late: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))

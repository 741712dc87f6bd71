"""The administrative areas table. Alembic owns the schema (revision 0003); this mirrors it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    Index,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base

AREA_LEVELS = ("provinsi", "kota_kabupaten", "kecamatan", "kelurahan")


def _in(col: str, values: tuple[str, ...]) -> str:
    return f"{col} IN ({', '.join(repr(v) for v in values)})"


class Area(Base):
    """One administrative area (Kemendagri code). ``geometry`` is GeoJSON; the bbox columns let
    SQL prefilter by box without PostGIS. Point lookups never scan this table: the API keeps an
    STRtree of the polygons in memory (``app.intake.placement.Placer``)."""

    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint(_in("level", AREA_LEVELS), name="level"),
        Index("ix_areas_level_parent", "level", "parent_code", "code"),
    )

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    level: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(20))
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    min_lon: Mapped[float | None] = mapped_column(Double)
    min_lat: Mapped[float | None] = mapped_column(Double)
    max_lon: Mapped[float | None] = mapped_column(Double)
    max_lat: Mapped[float | None] = mapped_column(Double)
    # True when the source polygon was invalid and was repaired on import.
    repaired: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

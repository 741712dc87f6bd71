"""Tables of routing: administrative areas, units, officers, and the routing revision.

Alembic owns the schema (revision 0003); these mirror it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base

AREA_LEVELS = ("provinsi", "kota_kabupaten", "kecamatan", "kelurahan")
UNIT_KINDS = ("kelurahan", "kecamatan", "kota", "agency", "sudin", "triage")
OFFICER_ROLES = ("officer", "supervisor")


def _in(col: str, values: tuple[str, ...]) -> str:
    return f"{col} IN ({', '.join(repr(v) for v in values)})"


class Area(Base):
    """One administrative area (Kemendagri code). ``geometry`` is GeoJSON; the bbox columns let
    SQL prefilter by box without PostGIS. Point lookups never scan this table: the API keeps an
    STRtree of the polygons in memory (``app.routing.placement.Placer``)."""

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


class Unit(Base):
    """A unit that handles complaints: a kelurahan/kecamatan/kota office, an agency (OPD), an
    agency's kota sub-unit (Suku Dinas), or the triage desk."""

    __tablename__ = "units"
    __table_args__ = (CheckConstraint(_in("kind", UNIT_KINDS), name="kind"),)

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    # The OPD code (app.complaints.catalogue.AGENCIES) of an agency or a sudin.
    agency: Mapped[str | None] = mapped_column(String(60))
    kota_code: Mapped[str | None] = mapped_column(String(20))
    area_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    categories: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # The unit above this one (a Suku Dinas under its agency): a supervisor's key works in their
    # unit and every unit below it.
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("units.code", onupdate="CASCADE"), nullable=True, index=True
    )
    # Optimistic concurrency: PATCH needs If-Match with this.
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Officer(Base):
    __tablename__ = "officers"
    __table_args__ = (
        CheckConstraint(_in("role", OFFICER_ROLES), name="role"),
        CheckConstraint("capacity >= 0", name="capacity"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    name: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code", onupdate="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), server_default=text("'officer'"))
    # Empty means "all": an officer with no areas covers the unit's whole area.
    area_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    categories: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    capacity: Mapped[int] = mapped_column(Integer, server_default=text("20"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Round robin among equally loaded officers: least recently assigned first.
    last_assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Open complaints assigned to the officer, kept by a trigger on complaints (migration 0007).
    open_assignments: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RoutingRevision(Base):
    """One row whose ``revision`` changes (a fresh UUID) with every change to areas, units or
    keywords, in the same transaction. Each process compares it with the revision its in-memory
    state (area index, gazetteer, keywords, units) was loaded at, so an import or an edit made
    through one process is seen by every other one at its next intake."""

    __tablename__ = "routing_revision"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), server_default=text("gen_random_uuid()"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

"""Units and officers. Alembic owns the schema (revisions 0003, 0007, 0008); these mirror it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base

UNIT_KINDS = ("kelurahan", "kecamatan", "kota", "agency", "sudin", "triage")
OFFICER_ROLES = ("officer", "supervisor")


def _in(col: str, values: tuple[str, ...]) -> str:
    return f"{col} IN ({', '.join(repr(v) for v in values)})"


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

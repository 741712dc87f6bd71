"""The routing revision: one row that changes with every change of the routing state.

Areas (app.geo), units and officers (app.org) and keywords (app.classification) bump it in the
same transaction as their change; each process reloads its in-memory state when it moves.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Integer,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


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


async def bump_revision(conn: asyncpg.Connection) -> None:
    """Tell every process that areas, units or keywords changed (see ``RoutingRevision``)."""
    await conn.execute(
        "INSERT INTO routing_revision (id, revision, updated_at) VALUES (1, gen_random_uuid(), now()) "
        "ON CONFLICT (id) DO UPDATE SET revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at"
    )

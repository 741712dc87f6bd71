"""Tables of the complaint domain. Alembic owns the schema; these mirror it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.complaints.lifecycle import OPEN_LIST, ComplaintStatus
from app.core.db import Base

# The CHECK constraint lists the one status enum (app.complaints.lifecycle), in its order.
STATUSES = tuple(s.value for s in ComplaintStatus)
PRIVACIES = ("public", "anonymous", "secret")


def _in(col: str, values: tuple[str, ...]) -> str:
    return f"{col} IN ({', '.join(repr(v) for v in values)})"


_OPEN_SQL = f"({', '.join(repr(s) for s in OPEN_LIST)})"


class Category(Base):
    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    agency: Mapped[str] = mapped_column(String(60))
    sla_hours: Mapped[int] = mapped_column(Integer)
    response_hours: Mapped[int] = mapped_column(Integer, server_default=text("6"))
    keywords: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class Reporter(Base):
    __tablename__ = "reporters"

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320))
    nik: Mapped[str | None] = mapped_column(String(16))
    # Officers' corrections (PATCH /v1/reporters/{id}) need If-Match with this.
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ReporterIdentity(Base):
    """One way to recognise a reporter again: ``(phone, +62812...)``, ``(email, ...)``, ``(twitter, budi)``."""

    __tablename__ = "reporter_identities"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(320), primary_key=True)
    reporter_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("reporters.id", ondelete="CASCADE"), index=True
    )


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("privacy", PRIVACIES), name="privacy"),
        CheckConstraint(
            "lat IS NULL OR (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180)", name="coords"
        ),
        Index("ix_complaints_created", text("created_at DESC"), text("id DESC")),
        Index("ix_complaints_status_created", "status", text("created_at DESC"), text("id DESC")),
        Index("ix_complaints_channel_created", "channel", text("created_at DESC"), text("id DESC")),
        Index("ix_complaints_category_created", "category", text("created_at DESC"), text("id DESC")),
        Index(
            "ix_complaints_duplicate_of", "duplicate_of", postgresql_where=text("duplicate_of IS NOT NULL")
        ),
        # An app or partner key lists what it submitted without scanning (migration 0008).
        Index("ix_complaints_created_by_created", "created_by", text("created_at DESC"), text("id DESC")),
        # GET /v1/media/{name}: "is this file on a public complaint?" (attachments @> ...). Rows
        # without photos and non-public rows are left out, which keeps its cost on intake small.
        Index(
            "ix_complaints_public_attachments",
            "attachments",
            postgresql_using="gin",
            postgresql_ops={"attachments": "jsonb_path_ops"},
            postgresql_where=text("privacy = 'public' AND attachments <> '[]'::jsonb"),
        ),
        # GET /v1/complaints?q= (migration 0011).
        Index("ix_complaints_search", "search", postgresql_using="gin"),
        # GET /v1/complaints/nearby and the intake's duplicate check: open, non-secret complaints
        # by category and geohash cell.
        Index(
            "ix_complaints_nearby",
            "category",
            "cell",
            text("created_at DESC"),
            postgresql_where=text(f"status IN {_OPEN_SQL} AND privacy <> 'secret' AND cell IS NOT NULL"),
        ),
        # The public map's bbox: a GiST index on core PostgreSQL's point type.
        Index(
            "ix_complaints_map",
            text("point(lon, lat)"),
            postgresql_using="gist",
            postgresql_where=text("privacy <> 'secret' AND lat IS NOT NULL AND status <> 'duplicate'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    ticket: Mapped[str] = mapped_column(String(9), unique=True)
    channel: Mapped[str] = mapped_column(String(30))
    external_id: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    attachments: Mapped[list[Any]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    language: Mapped[str | None] = mapped_column(String(10))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default=text("'{}'::jsonb"))
    lat: Mapped[float | None] = mapped_column(Double)
    lon: Mapped[float | None] = mapped_column(Double)
    accuracy_m: Mapped[float | None] = mapped_column(Double)
    address: Mapped[str | None] = mapped_column(String(500))
    # A ~150 m grid cell of the point (geohash, 7 chars), kept for duplicate
    # clustering: a btree lookup of neighbouring cells, no extension needed.
    cell: Mapped[str | None] = mapped_column(String(12), index=True)
    area: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    kelurahan_code: Mapped[str | None] = mapped_column(String(20), index=True)
    kecamatan_code: Mapped[str | None] = mapped_column(String(20), index=True)
    kota_code: Mapped[str | None] = mapped_column(String(20), index=True)
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reporters.id"), index=True)
    privacy: Mapped[str] = mapped_column(String(10), server_default=text("'public'"))
    pii: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    flags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    status: Mapped[str] = mapped_column(String(20), server_default=text(f"'{ComplaintStatus.RECEIVED}'"))
    unit_code: Mapped[str | None] = mapped_column(String(60), index=True)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    response_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    ews_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_state: Mapped[str | None] = mapped_column(String(12))
    breached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duplicate_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("complaints.id"))
    # The API key (or "channel:<code>") that brought it in.
    created_by: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Citizens who support it instead of filing it again (complaint_supports): a public count.
    supports: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Full-text search in PostgreSQL's built-in Indonesian configuration (GET /v1/complaints?q=).
    search: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('indonesian'::regconfig, (((COALESCE(title, ''::character varying))::text "
            "|| ' '::text) || description) || ' '::text || (COALESCE(address, ''::character varying))::text)",
            persisted=True,
        ),
        nullable=True,
        deferred=True,
    )


class ComplaintSupport(Base):
    """One citizen's support of a complaint; ``supporter`` is a hash of the key and the app's
    user id (no personal data), so a citizen supports a complaint once."""

    __tablename__ = "complaint_supports"

    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    supporter: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ComplaintEvent(Base):
    """Append-only history of a complaint."""

    __tablename__ = "complaint_events"
    __table_args__ = (Index("ix_complaint_events_complaint", "complaint_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(200))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class IdempotencyKey(Base):
    """A client's ``Idempotency-Key`` and the answer it got (kept 24 h)."""

    __tablename__ = "idempotency_keys"

    principal: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[Any | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )

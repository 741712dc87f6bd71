"""Tables of the inbound pipeline: the raw archive, event keys, threads, SMS parts, used tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class InboundDelivery(Base):
    """Every verified delivery, raw, stored before it is parsed (one row per distinct body)."""

    __tablename__ = "inbound_deliveries"
    __table_args__ = (
        UniqueConstraint("channel", "body_sha256"),
        Index("ix_inbound_deliveries_status_received", "status", "received_at"),
        # The last delivery per channel (GET /v1/channels/health).
        Index("ix_inbound_deliveries_channel_received", "channel", "received_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    channel: Mapped[str] = mapped_column(String(30))
    endpoint: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(200))
    headers: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    query: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_sha256: Mapped[str] = mapped_column(String(64))
    # received | processed | failed | needs_fetch | buffered
    status: Mapped[str] = mapped_column(String(20), server_default=text("'received'"))
    error: Mapped[str | None] = mapped_column(Text)
    outcomes: Mapped[list[Any]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    deliveries: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InboundEvent(Base):
    """One source event (tweet, comment, SMS, LAPOR! event) seen once: the exactly-once key."""

    __tablename__ = "inbound_events"

    channel: Mapped[str] = mapped_column(String(30), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(500), primary_key=True)
    action: Mapped[str] = mapped_column(String(20))
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("complaints.id", ondelete="SET NULL"))
    delivery_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inbound_deliveries.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ComplaintThread(Base):
    """Ids that name a complaint's conversation on its channel (tweet ids, Message-IDs, wamids)."""

    __tablename__ = "complaint_threads"

    channel: Mapped[str] = mapped_column(String(30), primary_key=True)
    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )


class MessageFragment(Base):
    """A part of a concatenated SMS, kept until the set is complete (or times out)."""

    __tablename__ = "message_fragments"
    __table_args__ = (UniqueConstraint("group_key", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(30))
    group_key: Mapped[str] = mapped_column(String(200), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    draft: Mapped[dict[str, Any]] = mapped_column(JSONB)
    delivery_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inbound_deliveries.id", ondelete="SET NULL")
    )
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # set when the joined message was created (complete, or flushed after the timeout)
    joined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UsedToken(Base):
    """Signature tokens seen (Mailgun): a token is never accepted twice."""

    __tablename__ = "used_tokens"

    channel: Mapped[str] = mapped_column(String(30), primary_key=True)
    token: Mapped[str] = mapped_column(String(200), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)

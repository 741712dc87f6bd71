"""Tables of the outbound side (migration 0010). Alembic owns the schema; these mirror it.

- ``outbox``: one row per complaint event someone may be told about, written by
  ``app.complaints.history`` in the same statement as the event (so in the same transaction as the
  change). The dispatcher turns each row into messages and deletes it, in one transaction.
- ``outbound_messages``: one message to one recipient (the reporter on their channel, a partner's
  webhook, LAPOR!, or the officer-facing note for a channel without a return path), with its
  state: ``pending`` -> ``sending`` (leased) -> ``sent`` | ``dead``; ``skipped`` (opted out, no
  address) and ``recorded`` (officer-facing, nothing to send) are final at once.
- ``outbound_attempts``: every try, with the status code, error and time.
- ``webhook_subscriptions``: a key's partner webhook (url, events, secret).
- ``contact_optouts``: contacts who answered BERHENTI/STOP.
- ``complaint_feedback``: the reporter's rating and acceptance of a resolution.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base

MESSAGE_STATES = ("pending", "sending", "sent", "dead", "skipped", "recorded")
AUDIENCES = ("reporter", "partner", "lapor", "officer")


def _in(col: str, values: tuple[str, ...]) -> str:
    return f"{col} IN ({', '.join(repr(v) for v in values)})"


class Outbox(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    complaint_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    event_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    # The API key that made it (its id, or "bootstrap-admin"); it receives what that key may read.
    key_id: Mapped[str] = mapped_column(String(64), index=True)
    key_role: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(ARRAY(Text))
    # Needed to sign every delivery, so kept as given (whsec_...); never answered after creation.
    secret: Mapped[str] = mapped_column(String(200))
    include_personal_data: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    description: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboundMessage(Base):
    __tablename__ = "outbound_messages"
    __table_args__ = (
        CheckConstraint(_in("status", MESSAGE_STATES), name="status"),
        CheckConstraint(_in("audience", AUDIENCES), name="audience"),
        # What the dispatcher claims: due, not final (a lease moves next_attempt_at ahead).
        Index(
            "ix_outbound_messages_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('pending', 'sending')"),
        ),
        # One message per event, audience, complaint (a survivor's event reaches the reporters of the
        # complaints merged into it, each under its own complaint) and subscription, even if an
        # expansion ran twice (migration 0011 added complaint_id).
        Index(
            "uq_outbound_messages_event",
            "event_id",
            "audience",
            "complaint_id",
            text("COALESCE(subscription_id, '00000000-0000-0000-0000-000000000000'::uuid)"),
            unique=True,
        ),
        Index("ix_outbound_messages_complaint", "complaint_id", "seq"),
        Index("ix_outbound_messages_subscription", "subscription_id", text("created_at DESC")),
        Index("ix_outbound_messages_platform_sent", "platform", text("sent_at DESC")),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    # The order in which messages of one complaint go out.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=False), unique=True)
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    audience: Mapped[str] = mapped_column(String(20))
    platform: Mapped[str] = mapped_column(String(20))
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(40))
    # The recipient's address on the platform (Message.to, never a secret).
    recipient: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    # The rendered message: text, subject, extra (a webhook's body).
    content: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    status: Mapped[str] = mapped_column(String(12), server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    provider_id: Mapped[str | None] = mapped_column(String(500))
    # The dispatcher that holds (or last held) the lease.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboundAttempt(Base):
    __tablename__ = "outbound_attempts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    worker: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ContactOptout(Base):
    __tablename__ = "contact_optouts"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(320), primary_key=True)
    channel: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ComplaintFeedback(Base):
    __tablename__ = "complaint_feedback"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
        # One answer per resolution (a reopened and resolved again complaint may be rated again).
        Index("uq_complaint_feedback_resolution", "complaint_id", "resolved_at", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    resolved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    # app (POST .../feedback) or the channel the reporter answered on.
    source: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

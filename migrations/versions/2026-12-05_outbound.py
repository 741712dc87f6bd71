"""Outbound: the outbox, messages and their attempts, partner webhooks, opt-outs, feedback.

- ``outbox``: written by app.complaints.history in the statement that writes the event, so in the
  transaction of the change; the dispatcher expands each row into ``outbound_messages`` and
  deletes it in one transaction.
- ``outbound_messages`` (claimed by ``ix_outbound_messages_due`` with ``FOR UPDATE SKIP LOCKED``),
  ``outbound_attempts``, ``webhook_subscriptions``, ``contact_optouts``, ``complaint_feedback``.
- ``inbound_deliveries (channel, received_at)``: the last delivery per channel for
  ``GET /v1/channels/health``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 09:08:03.498414
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_optouts",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("kind", "value", name=op.f("pk_contact_optouts")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("complaint_id", sa.UUID(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("key_role", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("include_personal_data", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_index(
        op.f("ix_webhook_subscriptions_key_id"), "webhook_subscriptions", ["key_id"], unique=False
    )
    op.create_table(
        "complaint_feedback",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("complaint_id", sa.UUID(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "rating IS NULL OR rating BETWEEN 1 AND 5", name=op.f("ck_complaint_feedback_rating")
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_feedback_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_feedback")),
    )
    op.create_index(
        "uq_complaint_feedback_resolution", "complaint_feedback", ["complaint_id", "resolved_at"], unique=True
    )
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("complaint_id", sa.UUID(), nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("subscription_id", sa.UUID(), nullable=True),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column(
            "recipient",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "content",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=12), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("provider_id", sa.String(length=500), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "audience IN ('reporter', 'partner', 'lapor', 'officer')",
            name=op.f("ck_outbound_messages_audience"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'dead', 'skipped', 'recorded')",
            name=op.f("ck_outbound_messages_status"),
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_outbound_messages_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_outbound_messages_subscription_id_webhook_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
        sa.UniqueConstraint("seq", name=op.f("uq_outbound_messages_seq")),
    )
    op.create_index(
        "ix_outbound_messages_complaint", "outbound_messages", ["complaint_id", "seq"], unique=False
    )
    op.create_index(
        "ix_outbound_messages_due",
        "outbound_messages",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.create_index(
        "ix_outbound_messages_platform_sent",
        "outbound_messages",
        ["platform", sa.literal_column("sent_at DESC")],
        unique=False,
    )
    op.create_index(
        "ix_outbound_messages_subscription",
        "outbound_messages",
        ["subscription_id", sa.literal_column("created_at DESC")],
        unique=False,
    )
    op.create_index(
        "uq_outbound_messages_event",
        "outbound_messages",
        [
            "event_id",
            "audience",
            sa.literal_column("COALESCE(subscription_id, '00000000-0000-0000-0000-000000000000'::uuid)"),
        ],
        unique=True,
    )
    op.create_table(
        "outbound_attempts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("message_id", sa.UUID(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbound_messages.id"],
            name=op.f("fk_outbound_attempts_message_id_outbound_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_attempts")),
    )
    op.create_index(
        op.f("ix_outbound_attempts_message_id"), "outbound_attempts", ["message_id"], unique=False
    )
    op.create_index(
        "ix_inbound_deliveries_channel_received",
        "inbound_deliveries",
        ["channel", "received_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_deliveries_channel_received", table_name="inbound_deliveries")
    op.drop_index(op.f("ix_outbound_attempts_message_id"), table_name="outbound_attempts")
    op.drop_table("outbound_attempts")
    op.drop_index("uq_outbound_messages_event", table_name="outbound_messages")
    op.drop_index("ix_outbound_messages_subscription", table_name="outbound_messages")
    op.drop_index("ix_outbound_messages_platform_sent", table_name="outbound_messages")
    op.drop_index(
        "ix_outbound_messages_due",
        table_name="outbound_messages",
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.drop_index("ix_outbound_messages_complaint", table_name="outbound_messages")
    op.drop_table("outbound_messages")
    op.drop_index("uq_complaint_feedback_resolution", table_name="complaint_feedback")
    op.drop_table("complaint_feedback")
    op.drop_index(op.f("ix_webhook_subscriptions_key_id"), table_name="webhook_subscriptions")
    op.drop_table("webhook_subscriptions")
    op.drop_table("outbox")
    op.drop_table("contact_optouts")

"""Channels: the raw inbound archive, exactly-once event keys, threads, SMS parts, used tokens.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 06:54:46.797837
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inbound_deliveries',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('endpoint', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=200), nullable=True),
    sa.Column('headers', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('query', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), server_default=sa.text("'received'"), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('outcomes', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('context', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('deliveries', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_deliveries')),
    sa.UniqueConstraint('channel', 'body_sha256', name=op.f('uq_inbound_deliveries_channel_body_sha256'))
    )
    op.create_index('ix_inbound_deliveries_status_received', 'inbound_deliveries', ['status', 'received_at'], unique=False)
    op.create_table('used_tokens',
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('token', sa.String(length=200), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'token', name=op.f('pk_used_tokens'))
    )
    op.create_index(op.f('ix_used_tokens_used_at'), 'used_tokens', ['used_at'], unique=False)
    op.create_table('message_fragments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('group_key', sa.String(length=200), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('draft', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('delivery_id', sa.UUID(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['inbound_deliveries.id'], name=op.f('fk_message_fragments_delivery_id_inbound_deliveries'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_fragments')),
    sa.UniqueConstraint('group_key', 'seq', name=op.f('uq_message_fragments_group_key_seq'))
    )
    op.create_index(op.f('ix_message_fragments_group_key'), 'message_fragments', ['group_key'], unique=False)
    op.create_table('complaint_threads',
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('key', sa.String(length=500), nullable=False),
    sa.Column('complaint_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_threads_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('channel', 'key', name=op.f('pk_complaint_threads'))
    )
    op.create_index(op.f('ix_complaint_threads_complaint_id'), 'complaint_threads', ['complaint_id'], unique=False)
    op.create_table('inbound_events',
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('event_id', sa.String(length=500), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('complaint_id', sa.UUID(), nullable=True),
    sa.Column('delivery_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_inbound_events_complaint_id_complaints'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['delivery_id'], ['inbound_deliveries.id'], name=op.f('fk_inbound_events_delivery_id_inbound_deliveries'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('channel', 'event_id', name=op.f('pk_inbound_events'))
    )


def downgrade() -> None:
    op.drop_table('inbound_events')
    op.drop_index(op.f('ix_complaint_threads_complaint_id'), table_name='complaint_threads')
    op.drop_table('complaint_threads')
    op.drop_index(op.f('ix_message_fragments_group_key'), table_name='message_fragments')
    op.drop_table('message_fragments')
    op.drop_index(op.f('ix_used_tokens_used_at'), table_name='used_tokens')
    op.drop_table('used_tokens')
    op.drop_index('ix_inbound_deliveries_status_received', table_name='inbound_deliveries')
    op.drop_table('inbound_deliveries')

"""Core: API keys, the category catalogue (seeded), reporters, complaints and their history, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 06:45:18.882692
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The catalogue as it stood when this revision was written: a snapshot, so
# later edits of app code never change what this revision does.
CATEGORY_SEED = [
    ('roads', 'Jalan Rusak', 'Damaged roads', 'bina-marga', 168),
    ('drainage_flood', 'Saluran Air, Kali dan Banjir', 'Drains, rivers and floods', 'sda', 72),
    ('rubbish', 'Sampah', 'Rubbish', 'lingkungan-hidup', 72),
    ('trees', 'Pohon Tumbang dan Perantingan', 'Trees', 'pertamanan', 72),
    ('street_lights', 'Penerangan Jalan Umum', 'Street lights', 'bina-marga', 120),
    ('illegal_parking', 'Parkir Liar', 'Illegal parking', 'perhubungan', 48),
    ('street_vendors', 'Pedagang Kaki Lima', 'Street vendors', 'satpol-pp', 120),
    ('public_order', 'Ketertiban Umum', 'Public order', 'satpol-pp', 72),
    ('noise', 'Kebisingan', 'Noise', 'lingkungan-hidup', 72),
    ('fire_hazard', 'Bahaya Kebakaran', 'Fire hazards', 'gulkarmat', 24),
    ('tangled_cables', 'Kabel Semrawut', 'Tangled cables', 'bina-marga', 168),
    ('public_facilities', 'Fasilitas Umum', 'Public facilities', 'citata', 168),
    ('social_aid', 'Bantuan Sosial', 'Social aid', 'sosial', 168),
    ('social_welfare', 'Penyandang Masalah Kesejahteraan Sosial', 'Homeless and street people', 'sosial', 72),
    ('misconduct', 'Pelanggaran Aparatur', 'Official misconduct', 'inspektorat', 336),
    ('traffic', 'Lalu Lintas dan Angkutan Umum', 'Traffic and public transport', 'perhubungan', 72),
    ('building_violation', 'Pelanggaran Bangunan', 'Building violations', 'citata', 336),
    ('water_supply', 'Air Bersih', 'Water supply', 'pam-jaya', 72),
    ('health', 'Layanan Kesehatan', 'Health services', 'kesehatan', 168),
    ('education', 'Layanan Pendidikan', 'Education services', 'pendidikan', 168),
    ('permits', 'Perizinan', 'Permits', 'dpmptsp', 168),
    ('civil_registry', 'Administrasi Kependudukan', 'Civil registry (KTP, KK)', 'dukcapil', 168),
]


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('officer_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('admin','supervisor','officer','app','partner')", name=op.f('ck_api_keys_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    op.create_table('categories',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('agency', sa.String(length=60), nullable=False),
    sa.Column('sla_hours', sa.Integer(), nullable=False),
    sa.Column('response_hours', sa.Integer(), server_default=sa.text('6'), nullable=False),
    sa.Column('keywords', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_categories'))
    )
    op.create_table('idempotency_keys',
    sa.Column('principal', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('principal', 'key', name=op.f('pk_idempotency_keys'))
    )
    op.create_index(op.f('ix_idempotency_keys_created_at'), 'idempotency_keys', ['created_at'], unique=False)
    op.create_table('reporters',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('nik', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporters'))
    )
    op.create_table('complaints',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('ticket', sa.String(length=9), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('external_id', sa.String(length=500), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('attachments', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('accuracy_m', sa.Double(), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('cell', sa.String(length=12), nullable=True),
    sa.Column('area', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('kelurahan_code', sa.String(length=20), nullable=True),
    sa.Column('kecamatan_code', sa.String(length=20), nullable=True),
    sa.Column('kota_code', sa.String(length=20), nullable=True),
    sa.Column('reporter_id', sa.UUID(), nullable=True),
    sa.Column('privacy', sa.String(length=10), server_default=sa.text("'public'"), nullable=False),
    sa.Column('pii', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('flags', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('status', sa.String(length=20), server_default=sa.text("'received'"), nullable=False),
    sa.Column('unit_code', sa.String(length=60), nullable=True),
    sa.Column('assignee_id', sa.UUID(), nullable=True),
    sa.Column('response_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ews_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_state', sa.String(length=12), nullable=True),
    sa.Column('breached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duplicate_of', sa.UUID(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("privacy IN ('public', 'anonymous', 'secret')", name=op.f('ck_complaints_privacy')),
    sa.CheckConstraint("status IN ('received', 'coordination', 'dispatched', 'in_progress', 'pending_validation', 'resolved', 'rejected', 'duplicate')", name=op.f('ck_complaints_status')),
    sa.CheckConstraint('lat IS NULL OR (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180)', name=op.f('ck_complaints_coords')),
    sa.ForeignKeyConstraint(['category'], ['categories.code'], name=op.f('fk_complaints_category_categories')),
    sa.ForeignKeyConstraint(['duplicate_of'], ['complaints.id'], name=op.f('fk_complaints_duplicate_of_complaints')),
    sa.ForeignKeyConstraint(['reporter_id'], ['reporters.id'], name=op.f('fk_complaints_reporter_id_reporters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('channel', 'external_id', name=op.f('uq_complaints_channel_external_id')),
    sa.UniqueConstraint('ticket', name=op.f('uq_complaints_ticket'))
    )
    op.create_index(op.f('ix_complaints_assignee_id'), 'complaints', ['assignee_id'], unique=False)
    op.create_index('ix_complaints_category_created', 'complaints', ['category', sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index(op.f('ix_complaints_cell'), 'complaints', ['cell'], unique=False)
    op.create_index('ix_complaints_channel_created', 'complaints', ['channel', sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index('ix_complaints_created', 'complaints', [sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index(op.f('ix_complaints_due_at'), 'complaints', ['due_at'], unique=False)
    op.create_index(op.f('ix_complaints_kecamatan_code'), 'complaints', ['kecamatan_code'], unique=False)
    op.create_index(op.f('ix_complaints_kelurahan_code'), 'complaints', ['kelurahan_code'], unique=False)
    op.create_index(op.f('ix_complaints_kota_code'), 'complaints', ['kota_code'], unique=False)
    op.create_index(op.f('ix_complaints_reporter_id'), 'complaints', ['reporter_id'], unique=False)
    op.create_index('ix_complaints_status_created', 'complaints', ['status', sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index(op.f('ix_complaints_unit_code'), 'complaints', ['unit_code'], unique=False)
    op.create_table('reporter_identities',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=320), nullable=False),
    sa.Column('reporter_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['reporter_id'], ['reporters.id'], name=op.f('fk_reporter_identities_reporter_id_reporters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('kind', 'value', name=op.f('pk_reporter_identities'))
    )
    op.create_index(op.f('ix_reporter_identities_reporter_id'), 'reporter_identities', ['reporter_id'], unique=False)
    op.create_table('complaint_events',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('complaint_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('public', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_events_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_events'))
    )
    op.create_index('ix_complaint_events_complaint', 'complaint_events', ['complaint_id', 'id'], unique=False)

    categories = sa.table(
        'categories',
        sa.column('code', sa.String), sa.column('name', sa.String), sa.column('name_en', sa.String),
        sa.column('agency', sa.String), sa.column('sla_hours', sa.Integer),
    )
    op.bulk_insert(categories, [
        {'code': c, 'name': n, 'name_en': e, 'agency': a, 'sla_hours': h} for c, n, e, a, h in CATEGORY_SEED
    ])


def downgrade() -> None:
    op.drop_index('ix_complaint_events_complaint', table_name='complaint_events')
    op.drop_table('complaint_events')
    op.drop_index(op.f('ix_reporter_identities_reporter_id'), table_name='reporter_identities')
    op.drop_table('reporter_identities')
    op.drop_index(op.f('ix_complaints_unit_code'), table_name='complaints')
    op.drop_index('ix_complaints_status_created', table_name='complaints')
    op.drop_index(op.f('ix_complaints_reporter_id'), table_name='complaints')
    op.drop_index(op.f('ix_complaints_kota_code'), table_name='complaints')
    op.drop_index(op.f('ix_complaints_kelurahan_code'), table_name='complaints')
    op.drop_index(op.f('ix_complaints_kecamatan_code'), table_name='complaints')
    op.drop_index(op.f('ix_complaints_due_at'), table_name='complaints')
    op.drop_index('ix_complaints_created', table_name='complaints')
    op.drop_index('ix_complaints_channel_created', table_name='complaints')
    op.drop_index(op.f('ix_complaints_cell'), table_name='complaints')
    op.drop_index('ix_complaints_category_created', table_name='complaints')
    op.drop_index(op.f('ix_complaints_assignee_id'), table_name='complaints')
    op.drop_table('complaints')
    op.drop_table('reporters')
    op.drop_index(op.f('ix_idempotency_keys_created_at'), table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
    op.drop_table('categories')
    op.drop_table('api_keys')

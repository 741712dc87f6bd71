"""Routing: administrative areas, units, officers, the routing revision; keywords seeded into the catalogue.

The keywords are seeded from ``app/classification/data/keywords.json`` as shipped with the package
(``app.classification.keywords.load_keywords``), not from a copy frozen in this file. What this revision
writes is therefore fixed by the package version it runs from: the file's history in git is the
record of it. A database already past this revision keeps its keywords when the file changes
(they are then edited with ``PUT /v1/categories/{code}/keywords``); bringing existing databases
to new defaults takes a revision of its own.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 06:59:53.702314
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.classification.keywords import load_keywords

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('areas',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_code', sa.String(length=20), nullable=True),
    sa.Column('geometry', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('min_lon', sa.Double(), nullable=True),
    sa.Column('min_lat', sa.Double(), nullable=True),
    sa.Column('max_lon', sa.Double(), nullable=True),
    sa.Column('max_lat', sa.Double(), nullable=True),
    sa.Column('repaired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("level IN ('provinsi', 'kota_kabupaten', 'kecamatan', 'kelurahan')", name=op.f('ck_areas_level')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_areas'))
    )
    op.create_index('ix_areas_level_parent', 'areas', ['level', 'parent_code', 'code'], unique=False)
    op.create_table('routing_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_routing_revision_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_revision'))
    )
    op.create_table('units',
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('agency', sa.String(length=60), nullable=True),
    sa.Column('kota_code', sa.String(length=20), nullable=True),
    sa.Column('area_codes', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('categories', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('kelurahan', 'kecamatan', 'kota', 'agency', 'sudin', 'triage')", name=op.f('ck_units_kind')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_units'))
    )
    op.create_index(op.f('ix_units_kind'), 'units', ['kind'], unique=False)
    op.create_table('officers',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit_code', sa.String(length=60), nullable=False),
    sa.Column('role', sa.String(length=20), server_default=sa.text("'officer'"), nullable=False),
    sa.Column('area_codes', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('categories', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('capacity', sa.Integer(), server_default=sa.text('20'), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('last_assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('officer', 'supervisor')", name=op.f('ck_officers_role')),
    sa.CheckConstraint('capacity >= 0', name=op.f('ck_officers_capacity')),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_officers_unit_code_units'), onupdate='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officers'))
    )
    op.create_index(op.f('ix_officers_unit_code'), 'officers', ['unit_code'], unique=False)

    op.execute("INSERT INTO routing_revision (id) VALUES (1)")
    categories = sa.table('categories', sa.column('code', sa.String), sa.column('keywords', postgresql.JSONB))
    # The classifier's own table, read from the shipped file rather than copied, so the seed and
    # the code cannot drift apart (the docstring says what this means for reproducibility).
    for code, words in load_keywords().items():
        op.execute(categories.update().where(categories.c.code == code).values(keywords=words))


def downgrade() -> None:
    op.execute("UPDATE categories SET keywords = '[]'::jsonb")
    op.drop_index(op.f('ix_officers_unit_code'), table_name='officers')
    op.drop_table('officers')
    op.drop_index(op.f('ix_units_kind'), table_name='units')
    op.drop_table('units')
    op.drop_table('routing_revision')
    op.drop_index('ix_areas_level_parent', table_name='areas')
    op.drop_table('areas')

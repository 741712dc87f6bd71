"""Trust: key lifecycle and scope, unit hierarchy, versions on units and officers, the audit log.

- ``api_keys``: the unit a key works for (supervisor-made keys, app keys of a unit), who made it,
  when it was last used, when it expires, which key it replaced (rotation).
- ``units.parent_code``: a supervisor's key works in their unit and the units below it.
- ``units.version``, ``officers.version``, ``reporters.version``: PATCH needs ``If-Match`` (428 without, 412 stale).
- ``audit_log``: append-only (a trigger refuses UPDATE and DELETE) record of every officer and
  admin action and of every read of a reporter's personal data.
- ``complaints (created_by, created_at, id)``: an ``app`` or ``partner`` key lists what it
  submitted without scanning.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("unit_code", sa.String(length=60), nullable=True))
    op.add_column("api_keys", sa.Column("created_by", sa.String(length=64), nullable=True))
    op.add_column("api_keys", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_keys", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_keys", sa.Column("rotated_from", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_api_keys_unit_code_units"), "api_keys", "units", ["unit_code"], ["code"], onupdate="CASCADE"
    )
    op.create_index(op.f("ix_api_keys_unit_code"), "api_keys", ["unit_code"], unique=False)
    op.create_index(op.f("ix_api_keys_officer_id"), "api_keys", ["officer_id"], unique=False)

    op.add_column("units", sa.Column("parent_code", sa.String(length=60), nullable=True))
    op.add_column("units", sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.create_foreign_key(
        op.f("fk_units_parent_code_units"), "units", "units", ["parent_code"], ["code"], onupdate="CASCADE"
    )
    op.create_index(op.f("ix_units_parent_code"), "units", ["parent_code"], unique=False)
    # A Suku Dinas works under its agency (the demo seed and most deployments name the agency's
    # unit by the agency's code).
    op.execute(
        "UPDATE units s SET parent_code = a.code FROM units a "
        "WHERE s.kind = 'sudin' AND a.kind = 'agency' AND a.code = s.agency AND s.parent_code IS NULL"
    )
    op.add_column("officers", sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.add_column(
        "reporters", sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"), nullable=False
        ),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("actor_key_id", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("complaint_id", sa.UUID(), nullable=True),
        sa.Column("target_type", sa.String(length=30), nullable=True),
        sa.Column("target_id", sa.String(length=200), nullable=True),
        sa.Column(
            "data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_actor", "audit_log", ["actor_key_id", sa.literal_column("id DESC")])
    op.create_index(
        "ix_audit_log_complaint",
        "audit_log",
        ["complaint_id", sa.literal_column("id DESC")],
        postgresql_where=sa.text("complaint_id IS NOT NULL"),
    )
    op.create_index("ix_audit_log_action", "audit_log", ["action", sa.literal_column("id DESC")])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.execute(
        """
CREATE FUNCTION aduan_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
"""
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION aduan_audit_append_only()"
    )

    op.create_index(
        "ix_complaints_created_by_created",
        "complaints",
        ["created_by", sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_created_by_created", table_name="complaints")
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS aduan_audit_append_only()")
    op.drop_table("audit_log")
    op.drop_column("reporters", "version")
    op.drop_column("officers", "version")
    op.drop_index(op.f("ix_units_parent_code"), table_name="units")
    op.drop_constraint(op.f("fk_units_parent_code_units"), "units", type_="foreignkey")
    op.drop_column("units", "version")
    op.drop_column("units", "parent_code")
    op.drop_index(op.f("ix_api_keys_officer_id"), table_name="api_keys")
    op.drop_index(op.f("ix_api_keys_unit_code"), table_name="api_keys")
    op.drop_constraint(op.f("fk_api_keys_unit_code_units"), "api_keys", type_="foreignkey")
    for column in ("rotated_from", "expires_at", "last_used_at", "created_by", "unit_code"):
        op.drop_column("api_keys", column)

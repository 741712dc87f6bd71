"""Index complaints.duplicate_of: merging and deleting complaints must not scan the table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 08:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_complaints_duplicate_of"),
        "complaints",
        ["duplicate_of"],
        unique=False,
        postgresql_where="duplicate_of IS NOT NULL",
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_complaints_duplicate_of"), table_name="complaints")

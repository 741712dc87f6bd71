"""Labelled examples from officers' corrections of a complaint's category.

``classification_examples``: the text the classifier read, the category it should have had, the
one it had and the keyword set (model version) that had given it, who corrected it and when. Read
by ``aduan classifier examples`` (a CSV for ``aduan classifier eval``).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 17:10:30.149281
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "classification_examples",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("complaint_id", sa.UUID(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("previous_category", sa.String(length=40), nullable=True),
        sa.Column("model_version", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=20), server_default="officer", nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_classification_examples_complaint_id_complaints"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classification_examples")),
    )
    op.create_index(
        "ix_classification_examples_created", "classification_examples", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_classification_examples_created", table_name="classification_examples")
    op.drop_table("classification_examples")

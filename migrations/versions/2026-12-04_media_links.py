"""Media links: a shared signing key, and a fast "is this file on a public complaint?".

``service_secrets`` holds keys the service makes for itself when none is
configured (the media link key), so that every process of the service shares
them.  The partial GIN index answers ``GET /v1/media/{name}``'s question with
``attachments @> '[{"url": ...}]'`` on public complaints that have
attachments only: rows without photos (most of them) and non-public rows add
nothing to it, which keeps its cost on intake small.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_secrets",
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.execute(
        "CREATE INDEX ix_complaints_public_attachments ON complaints USING gin (attachments jsonb_path_ops) "
        "WHERE privacy = 'public' AND attachments <> '[]'::jsonb"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_complaints_public_attachments")
    op.drop_table("service_secrets")

"""Public face: supports, full-text search, the map and nearby indexes, incremental statistics.

- ``complaints.supports`` (the public count) and ``complaint_supports`` (one row per supporter,
  named by a hash: no personal data).
- ``complaints.search``: a stored ``tsvector`` in PostgreSQL's built-in ``indonesian``
  configuration (title, description, address), with a GIN index, for ``GET /v1/complaints?q=``.
- ``ix_complaints_nearby``: (category, geohash cell, newest first) of open, non-secret complaints, for
  ``GET /v1/complaints/nearby`` and the intake's duplicate check; ``ix_complaints_map``: a GiST
  index on the built-in ``point(lon, lat)`` of what the public map shows (core PostgreSQL, no
  extension), for ``GET /v1/public/complaints.geojson?bbox=``.
- Statistics kept as the data changes, never by scanning ``complaints``: the trigger
  ``complaints_stats`` writes a +1/-1 delta row into ``stats_deltas`` in the transaction of every
  insert, status move, re-categorisation, re-routing or privacy change (any writer, one place);
  ``app.public.stats.repository.compact`` folds the deltas into ``stats_daily`` (counts per
  day x dimension x key, one column per status) and ``stats_done`` (resolutions per day x
  time-to-done bucket x late). Reads add the few deltas not folded yet. Secret complaints are
  not counted. The day is Jakarta's (UTC+7, no daylight saving). Existing complaints are
  counted by this migration.
- ``uq_outbound_messages_event`` gains ``complaint_id``: a surviving complaint's event reaches the
  reporters of the complaints merged into it, each message under its own complaint.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "('coordination', 'dispatched', 'in_progress', 'pending_validation', 'received')"
STATUS_COLUMNS = (
    "received", "coordination", "dispatched", "in_progress", "pending_validation",
    "resolved", "rejected", "duplicate",
)  # fmt: skip

# The trigger. A count row: kind 'c', the complaint's creation day and dimensions, its status.
# A done row: kind 'd', the day it was resolved, the log-scale bucket of its time to done
# (floor(4 * log2(1 + hours)): each bucket 19 % wider than the last), late when after due_at.
TRIGGER_FUNCTION = """
CREATE FUNCTION complaints_stats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_counted boolean := TG_OP <> 'INSERT' AND OLD.privacy <> 'secret';
  new_counted boolean := TG_OP <> 'DELETE' AND NEW.privacy <> 'secret';
  old_done boolean := old_counted AND OLD.status = 'resolved' AND OLD.resolved_at IS NOT NULL;
  new_done boolean := new_counted AND NEW.status = 'resolved' AND NEW.resolved_at IS NOT NULL;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF (OLD.status, OLD.category, OLD.channel, OLD.kota_code, OLD.kecamatan_code, OLD.kelurahan_code,
        OLD.privacy, OLD.created_at)
       IS NOT DISTINCT FROM
       (NEW.status, NEW.category, NEW.channel, NEW.kota_code, NEW.kecamatan_code, NEW.kelurahan_code,
        NEW.privacy, NEW.created_at) THEN
      old_counted := false;
      new_counted := false;
    END IF;
    IF old_done AND new_done AND (OLD.resolved_at, OLD.due_at, OLD.created_at)
       IS NOT DISTINCT FROM (NEW.resolved_at, NEW.due_at, NEW.created_at) THEN
      old_done := false;
      new_done := false;
    END IF;
  END IF;
  IF old_counted THEN
    INSERT INTO stats_deltas (kind, day, channel, category, kota, kecamatan, kelurahan, status, n)
    VALUES ('c', ((OLD.created_at AT TIME ZONE 'UTC') + interval '7 hours')::date, OLD.channel,
            OLD.category, OLD.kota_code, OLD.kecamatan_code, OLD.kelurahan_code, OLD.status, -1);
  END IF;
  IF new_counted THEN
    INSERT INTO stats_deltas (kind, day, channel, category, kota, kecamatan, kelurahan, status, n)
    VALUES ('c', ((NEW.created_at AT TIME ZONE 'UTC') + interval '7 hours')::date, NEW.channel,
            NEW.category, NEW.kota_code, NEW.kecamatan_code, NEW.kelurahan_code, NEW.status, 1);
  END IF;
  IF old_done THEN
    INSERT INTO stats_deltas (kind, day, bucket, late, n)
    VALUES ('d', ((OLD.resolved_at AT TIME ZONE 'UTC') + interval '7 hours')::date,
            floor(4 * log(2, 1 + greatest(extract(epoch FROM OLD.resolved_at - OLD.created_at), 0) / 3600.0)),
            coalesce(OLD.resolved_at > OLD.due_at, false), -1);
  END IF;
  IF new_done THEN
    INSERT INTO stats_deltas (kind, day, bucket, late, n)
    VALUES ('d', ((NEW.resolved_at AT TIME ZONE 'UTC') + interval '7 hours')::date,
            floor(4 * log(2, 1 + greatest(extract(epoch FROM NEW.resolved_at - NEW.created_at), 0) / 3600.0)),
            coalesce(NEW.resolved_at > NEW.due_at, false), 1);
  END IF;
  RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.add_column("complaints", sa.Column("supports", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.add_column(
        "complaints",
        sa.Column(
            "search",
            sa.dialects.postgresql.TSVECTOR(),
            sa.Computed(
                "to_tsvector('indonesian'::regconfig, (((COALESCE(title, ''::character varying))::text "
                "|| ' '::text) || description) || ' '::text || (COALESCE(address, ''::character varying))::text)",
                persisted=True,
            ),
            nullable=True,
        ),
    )
    op.create_index("ix_complaints_search", "complaints", ["search"], postgresql_using="gin")
    op.create_index(
        "ix_complaints_nearby",
        "complaints",
        ["category", "cell", sa.text("created_at DESC")],
        postgresql_where=sa.text(f"status IN {OPEN} AND privacy <> 'secret' AND cell IS NOT NULL"),
    )
    op.create_index(
        "ix_complaints_map",
        "complaints",
        [sa.text("point(lon, lat)")],
        postgresql_using="gist",
        postgresql_where=sa.text("privacy <> 'secret' AND lat IS NOT NULL AND status <> 'duplicate'"),
    )
    op.create_table(
        "complaint_supports",
        sa.Column("complaint_id", sa.UUID(), nullable=False),
        sa.Column("supporter", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_complaint_supports_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("complaint_id", "supporter", name=op.f("pk_complaint_supports")),
    )
    op.create_table(
        "stats_deltas",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("kota", sa.String(length=20), nullable=True),
        sa.Column("kecamatan", sa.String(length=20), nullable=True),
        sa.Column("kelurahan", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("bucket", sa.SmallInteger(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('c', 'd')", name=op.f("ck_stats_deltas_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_deltas")),
    )
    op.create_table(
        "stats_daily",
        sa.Column("dim", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        *(sa.Column(s, sa.BigInteger(), server_default=sa.text("0"), nullable=False) for s in STATUS_COLUMNS),
        sa.PrimaryKeyConstraint("dim", "day", "key", name=op.f("pk_stats_daily")),
    )
    op.create_table(
        "stats_done",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("bucket", sa.SmallInteger(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("n", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("day", "bucket", "late", name=op.f("pk_stats_done")),
    )
    # A survivor's event also reaches the reporters of the complaints merged into it, each message
    # under its own complaint: one message per event, audience, complaint and subscription.
    op.drop_index("uq_outbound_messages_event", table_name="outbound_messages")
    op.create_index(
        "uq_outbound_messages_event",
        "outbound_messages",
        [
            "event_id",
            "audience",
            "complaint_id",
            sa.literal_column("COALESCE(subscription_id, '00000000-0000-0000-0000-000000000000'::uuid)"),
        ],
        unique=True,
    )
    op.execute(TRIGGER_FUNCTION)
    op.execute(
        "CREATE TRIGGER complaints_stats AFTER INSERT OR DELETE OR UPDATE OF status, category, channel, "
        "kota_code, kecamatan_code, kelurahan_code, privacy, created_at, resolved_at, due_at "
        "ON complaints FOR EACH ROW EXECUTE FUNCTION complaints_stats()"
    )
    # What is already there is counted once, as deltas (folded by the first compaction).
    op.execute(
        "INSERT INTO stats_deltas (kind, day, channel, category, kota, kecamatan, kelurahan, status, n) "
        "SELECT 'c', ((created_at AT TIME ZONE 'UTC') + interval '7 hours')::date, channel, category, "
        "kota_code, kecamatan_code, kelurahan_code, status, 1 FROM complaints WHERE privacy <> 'secret'"
    )
    op.execute(
        "INSERT INTO stats_deltas (kind, day, bucket, late, n) "
        "SELECT 'd', ((resolved_at AT TIME ZONE 'UTC') + interval '7 hours')::date, "
        "floor(4 * log(2, 1 + greatest(extract(epoch FROM resolved_at - created_at), 0) / 3600.0)), "
        "coalesce(resolved_at > due_at, false), 1 FROM complaints "
        "WHERE privacy <> 'secret' AND status = 'resolved' AND resolved_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("uq_outbound_messages_event", table_name="outbound_messages")
    op.execute("DELETE FROM outbound_messages m USING complaints c WHERE c.id = m.complaint_id AND c.status = 'duplicate' "
               "AND m.event_id NOT IN (SELECT id FROM complaint_events e WHERE e.complaint_id = m.complaint_id)")
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
    op.execute("DROP TRIGGER complaints_stats ON complaints")
    op.execute("DROP FUNCTION complaints_stats()")
    op.drop_table("stats_done")
    op.drop_table("stats_daily")
    op.drop_table("stats_deltas")
    op.drop_table("complaint_supports")
    op.drop_index("ix_complaints_map", table_name="complaints")
    op.drop_index("ix_complaints_nearby", table_name="complaints")
    op.drop_index("ix_complaints_search", table_name="complaints")
    op.drop_column("complaints", "search")
    op.drop_column("complaints", "supports")

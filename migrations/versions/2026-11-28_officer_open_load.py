"""Each officer's open load is kept in ``officers.open_assignments``; the pick reads it.

Until now ``aduan_pick_officer`` counted every candidate's open complaints at each pick (an
index scan and a heap visit per open complaint, and per closed one too as an officer's
history grows). Now a row trigger on ``complaints`` keeps the count: a complaint counts for
its assignee while its status is open (``app.complaints.lifecycle.OPEN_STATUSES``, listed in
``OPEN`` below; a test checks the two agree), whatever statement assigns, reassigns, closes,
reopens or deletes it. The pick still takes the unit's advisory lock first and reads the
counts in a snapshot taken after it: every increment happens in a transaction that either
held that lock (automatic and manual assignment) or reopens a complaint (which never waited
for capacity, before or now); decrements only make an officer look busier until they commit.

``aduan_pick_officer`` loses its ``p_open`` parameter (the statuses live in the trigger), and
takes no lock when no candidate has room in the latest committed state (a full unit's new
complaints no longer queue for its lock only to find everyone busy).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 11:55:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "('received', 'coordination', 'dispatched', 'in_progress', 'pending_validation')"

TRACK = f"""
CREATE FUNCTION aduan_track_open_load() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  was uuid;
  now_ uuid;
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.assignee_id IS NOT NULL AND OLD.status IN {OPEN} THEN
    was := OLD.assignee_id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.assignee_id IS NOT NULL AND NEW.status IN {OPEN} THEN
    now_ := NEW.assignee_id;
  END IF;
  IF was IS NOT DISTINCT FROM now_ THEN
    RETURN NULL;
  END IF;
  IF was IS NOT NULL THEN
    UPDATE officers SET open_assignments = open_assignments - 1 WHERE id = was;
  END IF;
  IF now_ IS NOT NULL THEN
    UPDATE officers SET open_assignments = open_assignments + 1 WHERE id = now_;
  END IF;
  RETURN NULL;
END
$$
"""

PICK = """
CREATE FUNCTION aduan_pick_officer(p_lock_key integer, p_unit text, p_area_codes text[], p_category text)
RETURNS TABLE (id uuid, name text, load bigint)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  -- Nobody with room, in the latest committed state: the complaint waits in the unit's queue,
  -- and no lock is taken. Loads only grow under the lock (or when a complaint is reopened), so
  -- an officer seen full here was full at this moment; one seen with room is checked again
  -- under the lock below.
  PERFORM 1 FROM officers o
  WHERE o.unit_code = p_unit AND o.active AND o.role = 'officer' AND o.open_assignments < o.capacity
    AND (cardinality(o.area_codes) = 0 OR o.area_codes && p_area_codes)
    AND (cardinality(o.categories) = 0 OR p_category IS NULL OR p_category = ANY (o.categories));
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(414243, p_lock_key);
  -- a fresh snapshot from here on: every assignment committed before the lock is counted
  RETURN QUERY
  SELECT o.id, o.name::text, o.open_assignments::bigint
  FROM officers o
  WHERE o.unit_code = p_unit AND o.active AND o.role = 'officer'
    AND (cardinality(o.area_codes) = 0 OR o.area_codes && p_area_codes)
    AND (cardinality(o.categories) = 0 OR p_category IS NULL OR p_category = ANY (o.categories))
    AND o.open_assignments < o.capacity
  ORDER BY o.open_assignments, o.last_assigned_at NULLS FIRST, o.id
  LIMIT 1;
END
$$
"""


def upgrade() -> None:
    op.execute("ALTER TABLE officers ADD COLUMN open_assignments integer NOT NULL DEFAULT 0")
    # Counted under a lock that keeps complaints from changing while the count is taken.
    op.execute("LOCK TABLE complaints IN SHARE MODE")
    op.execute(
        "UPDATE officers o SET open_assignments = "
        f"(SELECT count(*) FROM complaints c WHERE c.assignee_id = o.id AND c.status IN {OPEN})"
    )
    op.execute(TRACK)
    op.execute(
        "CREATE TRIGGER complaints_open_load_insert AFTER INSERT ON complaints FOR EACH ROW "
        "WHEN (NEW.assignee_id IS NOT NULL) EXECUTE FUNCTION aduan_track_open_load()"
    )
    op.execute(
        "CREATE TRIGGER complaints_open_load_update AFTER UPDATE OF assignee_id, status ON complaints "
        "FOR EACH ROW WHEN (OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR OLD.status IS DISTINCT FROM "
        "NEW.status) EXECUTE FUNCTION aduan_track_open_load()"
    )
    op.execute(
        "CREATE TRIGGER complaints_open_load_delete AFTER DELETE ON complaints FOR EACH ROW "
        "WHEN (OLD.assignee_id IS NOT NULL) EXECUTE FUNCTION aduan_track_open_load()"
    )
    op.execute("DROP FUNCTION aduan_pick_officer(integer, text, text[], text, text[])")
    op.execute(PICK)


def _previous_pick() -> str:
    """The 0005 definition of the pick, from that migration's file."""
    spec = importlib.util.spec_from_file_location(
        "aduan_migration_0005", Path(__file__).with_name("2026-11-28_pick_officer.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.PICK_OFFICER)


def downgrade() -> None:
    op.execute("DROP FUNCTION aduan_pick_officer(integer, text, text[], text)")
    op.execute(_previous_pick())
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER complaints_open_load_{name} ON complaints")
    op.execute("DROP FUNCTION aduan_track_open_load()")
    op.execute("ALTER TABLE officers DROP COLUMN open_assignments")

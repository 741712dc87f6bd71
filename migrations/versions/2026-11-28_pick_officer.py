"""The automatic assignment rule as a function that takes the unit's lock itself.

``aduan_pick_officer(lock_key, unit, area_codes, category, open_statuses)`` answers the officer
a complaint entering ``unit`` goes to (at most one row: id, name, open load), or nothing.

Why a function: counting officers' open load must happen after the unit's advisory lock is
granted, in a snapshot that sees every assignment committed by the lock's previous holder. A
statement's own snapshot is taken before it could wait for a lock; a VOLATILE PL/pgSQL
function takes a fresh snapshot for each query it runs. So the insert of a new complaint can
call this function in a CTE and pick its officer in the same statement, and the lock is held
from that moment to the commit only (not from the transaction's first statement).

A unit with no active officer taking the automatic stream needs no lock: there is nobody to
count. PL/pgSQL ships with PostgreSQL and is installed in every database by default (no
extension to create). The rule is ``app.assignment.service``'s (documented there).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 09:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 414243: app.assignment.service.LOCK_CLASS, the namespace of the project's advisory locks.
PICK_OFFICER = """
CREATE FUNCTION aduan_pick_officer(
  p_lock_key integer, p_unit text, p_area_codes text[], p_category text, p_open text[]
) RETURNS TABLE (id uuid, name text, load bigint)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM 1 FROM officers o WHERE o.unit_code = p_unit AND o.active AND o.role = 'officer';
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(414243, p_lock_key);
  -- a fresh snapshot from here on: every assignment committed before the lock is counted
  RETURN QUERY
  WITH cand AS (
    SELECT o.id, o.name, o.capacity, o.last_assigned_at,
           (SELECT count(*) FROM complaints x WHERE x.assignee_id = o.id AND x.status = ANY (p_open)) AS load
    FROM officers o
    WHERE o.unit_code = p_unit AND o.active AND o.role = 'officer'
      AND (cardinality(o.area_codes) = 0 OR o.area_codes && p_area_codes)
      AND (cardinality(o.categories) = 0 OR p_category IS NULL OR p_category = ANY (o.categories))
  )
  SELECT c.id, c.name::text, c.load FROM cand c WHERE c.load < c.capacity
  ORDER BY c.load, c.last_assigned_at NULLS FIRST, c.id
  LIMIT 1;
END
$$
"""


def upgrade() -> None:
    op.execute(PICK_OFFICER)


def downgrade() -> None:
    op.execute("DROP FUNCTION aduan_pick_officer(integer, text, text[], text, text[])")

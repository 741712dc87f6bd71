"""Officer changes that decide who takes a unit's automatic stream bump the routing revision.

The placement knows, from the routing state in memory, which units have an active officer in
the automatic stream (role ``officer``); a new complaint's insert calls ``aduan_pick_officer``
(the unit's lock and the load count) only for those. That knowledge is checked like the rest
of the routing state, by the revision the insert reads: so every statement that adds, removes,
moves, activates, deactivates or changes the role of an officer bumps the revision, whoever
runs it (the API, ``aduan seed demo``, or an operator's SQL). Capacity, areas and categories
are read by the pick function itself at the time of the pick and need no bump.

A statement-level trigger in PL/pgSQL (installed in every database; no extension).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 11:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same upsert as app.core.revision.bump_revision.
FUNCTION = """
CREATE FUNCTION aduan_officers_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO routing_revision (id, revision, updated_at) VALUES (1, gen_random_uuid(), now())
  ON CONFLICT (id) DO UPDATE SET revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at;
  RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute(FUNCTION)
    op.execute(
        "CREATE TRIGGER officers_bump_routing_revision "
        "AFTER INSERT OR DELETE OR UPDATE OF unit_code, active, role ON officers "
        "FOR EACH STATEMENT EXECUTE FUNCTION aduan_officers_changed()"
    )
    op.execute(
        "CREATE TRIGGER officers_truncate_bump_routing_revision "
        "AFTER TRUNCATE ON officers FOR EACH STATEMENT EXECUTE FUNCTION aduan_officers_changed()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER officers_truncate_bump_routing_revision ON officers")
    op.execute("DROP TRIGGER officers_bump_routing_revision ON officers")
    op.execute("DROP FUNCTION aduan_officers_changed()")

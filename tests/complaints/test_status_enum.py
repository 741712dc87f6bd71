"""One status list: ``lifecycle.ComplaintStatus``. Everything that names the statuses agrees with it.

The code derives from the enum (models, schemas, the lifecycle tables); the migrations are history
and keep their own text, so the database they build is compared with the enum here.
"""

from __future__ import annotations

import re

from app.complaints import lifecycle, models
from app.complaints.lifecycle import ComplaintStatus
from app.complaints.schemas import StatusCode, TransitionIn

ALL = [s.value for s in ComplaintStatus]
OPEN = {s.value for s in ComplaintStatus if lifecycle.STATUSES[s].open311 == "open"}


def _quoted(text: str) -> list[str]:
    return re.findall(r"'([a-z_]+)'", text)


async def test_the_migrated_status_check_lists_the_enum(db):
    definition = await db.fetchval(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'ck_complaints_status'"
    )
    assert definition is not None
    assert _quoted(definition) == ALL


async def test_the_open_load_trigger_of_migration_0007_counts_the_open_statuses(db):
    source = await db.fetchval("SELECT prosrc FROM pg_proc WHERE proname = 'aduan_track_open_load'")
    lists = re.findall(r"status IN \(([^)]*)\)", source)
    assert len(lists) == 2, source
    for listed in lists:
        assert set(_quoted(listed)) == OPEN == set(lifecycle.OPEN_STATUSES)


def test_the_lifecycle_tables_cover_the_enum_in_its_order():
    assert list(lifecycle.STATUSES) == ALL
    assert all(s.code == code for code, s in lifecycle.STATUSES.items())
    assert set(lifecycle.TRANSITIONS) == set(ALL)
    assert all(targets <= set(ALL) for targets in lifecycle.TRANSITIONS.values())
    assert lifecycle.OPEN_LIST == sorted(OPEN)
    assert all(type(s) is str for s in lifecycle.OPEN_LIST)
    for status in ALL:
        assert all(type(s) is str for s in lifecycle.allowed_next(status))


def test_models_and_schemas_derive_from_the_enum():
    assert list(models.STATUSES) == ALL
    [check] = [
        c
        for c in models.Complaint.__table__.constraints
        if str(getattr(c, "sqltext", "")).startswith("status")
    ]
    assert _quoted(str(check.sqltext)) == ALL
    assert StatusCode is ComplaintStatus
    schema = TransitionIn.model_json_schema()
    assert schema["$defs"][schema["properties"]["status"]["$ref"].rsplit("/", 1)[-1]]["enum"] == ALL


def test_the_sla_clock_runs_on_open_statuses():
    from app.sla.sweeper import CLOCK_STATUSES

    assert set(CLOCK_STATUSES) <= OPEN

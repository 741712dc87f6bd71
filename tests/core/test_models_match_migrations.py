"""The SQLAlchemy models describe exactly the schema the migrations build.

A fresh database is migrated to head, then compared with ``app.models.metadata`` twice:

- by Alembic's autogenerate (what ``alembic check`` runs against a deployed database):
  tables, columns, types and lengths, nullability, server defaults, indexes (columns, order,
  uniqueness), unique constraints and foreign keys (ondelete, onupdate);
- by PostgreSQL's own rendering of what autogenerate does not compare: CHECK constraints, and
  an index's method, operator classes and partial ``WHERE``. The models are created in a
  scratch schema of the same database and each constraint and index is read back with
  ``pg_get_constraintdef`` / ``pg_get_indexdef`` on both sides, so they compare as text.

The migrations define the real schema: a difference is a model to fix. Triggers and functions
(migrations 0005 to 0008) exist in no model and are compared by neither.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from pprint import pformat
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import migrate
from app.models import metadata
from tests.conftest import _create_database, _drop_database

DATABASE = "aduan_models_match"
SCRATCH = "models_from_metadata"


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # Alembic's bookkeeping table and the scratch schema's copies are no model's business.
    if type_ == "table" and (name == "alembic_version" or getattr(obj, "schema", None) == SCRATCH):
        return False
    return True


def _autogenerate_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "target_metadata": metadata,
            "compare_type": True,
            # Alembic compares the two defaults as text first and evaluates both on the server
            # only when they differ ('public' against 'public'::character varying): function
            # defaults spelled alike (now(), gen_random_uuid()) are never evaluated. A callable
            # here would crash on the identity column of audit_log (alembic 1.20).
            "compare_server_default": True,
            "include_object": _include_object,
        },
    )
    return compare_metadata(context, metadata)


def _shown(value: Any) -> str:
    # A server default is a DefaultClause around the SQL text: show the text.
    arg = getattr(value, "arg", value)
    return repr(getattr(arg, "text", arg))


def _describe(entry: Any) -> str:
    """One autogenerate difference as a line a reader can act on."""
    if isinstance(entry, list):  # modify_* on one column: a list of tuples
        return "; ".join(_describe(e) for e in entry)
    op, *rest = entry
    if op.startswith("modify_"):
        _schema, table, column, _info, old, new = rest
        return f"{op} {table}.{column}: database {_shown(old)}, models {_shown(new)}"
    obj = rest[0]
    table = getattr(obj, "table", None)
    where = f" on {table.name}" if table is not None else ""
    columns = getattr(obj, "expressions", None) or getattr(obj, "columns", None) or []
    shown = ", ".join(str(c) for c in columns)
    return f"{op} {getattr(obj, 'name', obj)}{where} ({shown})"


def _catalogue(connection: Connection, schema: str) -> dict[tuple[str, str, str], str]:
    """Every constraint and index of ``schema`` as PostgreSQL spells it, schema names left out."""
    rows = connection.execute(
        text(
            "SELECT 'constraint', rel.relname, con.conname, pg_get_constraintdef(con.oid) "
            "FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid "
            "JOIN pg_namespace ns ON ns.oid = rel.relnamespace WHERE ns.nspname = :schema "
            "UNION ALL "
            "SELECT 'index', rel.relname, idx.relname, pg_get_indexdef(idx.oid) "
            "FROM pg_index x JOIN pg_class idx ON idx.oid = x.indexrelid "
            "JOIN pg_class rel ON rel.oid = x.indrelid "
            "JOIN pg_namespace ns ON ns.oid = rel.relnamespace WHERE ns.nspname = :schema"
        ),
        {"schema": schema},
    )
    unqualify = re.compile(rf"\b(?:{re.escape(schema)}|public)\.")
    return {
        (kind, table, name): unqualify.sub("", definition)
        for kind, table, name, definition in rows
        if table != "alembic_version"
    }


def _catalogue_diff(connection: Connection) -> dict[str, Any]:
    database = _catalogue(connection, "public")
    connection.execute(text(f'CREATE SCHEMA "{SCRATCH}"'))
    metadata.create_all(connection.execution_options(schema_translate_map={None: SCRATCH}))
    models = _catalogue(connection, SCRATCH)
    return {
        "only in the database": sorted(set(database) - set(models)),
        "only in the models": sorted(set(models) - set(database)),
        "different": {
            key: {"database": database[key], "models": models[key]}
            for key in sorted(set(database) & set(models))
            if database[key] != models[key]
        },
    }


ROOT = Path(__file__).resolve().parents[2]


def _alembic_check(url: str) -> subprocess.CompletedProcess[str]:
    """``alembic check`` itself, as an operator runs it (alembic.ini, migrations/env.py)."""
    return subprocess.run(
        [sys.executable, "-m", "alembic", "check"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_models_match_the_migrated_schema(pg_server: str) -> None:
    url = await _create_database(pg_server, DATABASE)
    try:
        await asyncio.to_thread(migrate, url)
        check = await asyncio.to_thread(_alembic_check, url)
        assert check.returncode == 0, f"alembic check: {check.stdout}{check.stderr}"
        assert "No new upgrade operations detected" in check.stdout + check.stderr
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                diff = await conn.run_sync(_autogenerate_diff)
                catalogue = await conn.run_sync(_catalogue_diff)
                await conn.rollback()  # the scratch schema goes with it
        finally:
            await engine.dispose()
    finally:
        await _drop_database(pg_server, DATABASE)
    assert diff == [], "autogenerate finds the models differ from the migrated schema:\n" + "\n".join(
        _describe(entry) for entry in diff
    )
    assert not any(catalogue.values()), "constraints or indexes differ:\n" + pformat(catalogue, width=110)

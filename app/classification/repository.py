"""The classification's database work: the keywords of each category (``categories.keywords``,
seeded from ``data/keywords.json`` by migration 0003) and the check that category codes exist.

Functions take a connection (and, for writes, a transaction) the caller owns. A keyword change
bumps the routing revision (``app.core.revision``) in the same transaction, so each process
recompiles its keyword model at its next intake.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from app.classification.classifier import compile_keywords
from app.core.errors import NotFound, Unprocessable
from app.core.http import json_text
from app.core.revision import bump_revision


class CategoryNotFound(NotFound):
    slug = "category-not-found"
    title = "Category not found"


async def check_categories(
    conn: asyncpg.Connection, codes: list[str] | None, field: str = "categories"
) -> None:
    """422 naming the codes of ``codes`` that are no category (units and officers list the
    categories they take)."""
    if not codes:
        return
    known = {
        r["code"] for r in await conn.fetch("SELECT code FROM categories WHERE code = ANY($1::text[])", codes)
    }
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Unprocessable(
            f"{field}: unknown category codes {', '.join(unknown)} (GET /v1/categories)",
            errors=[{"field": field, "detail": f"unknown: {', '.join(unknown)}"}],
        )


async def get_keywords(conn: asyncpg.Connection, code: str) -> list[str]:
    """The keyword entries of category ``code``; 404 for no such category."""
    row = await conn.fetchrow("SELECT keywords FROM categories WHERE code = $1", code)
    if row is None:
        raise CategoryNotFound(f"no category {code!r} (GET /v1/categories)")
    return list(row["keywords"] or [])


async def set_keywords(conn: asyncpg.Connection, code: str, keywords: list[str]) -> list[str]:
    """Replace the keyword entries of category ``code`` (422 for an entry the classifier cannot
    compile, 404 for no such category); answer them as stored."""
    try:
        compile_keywords({code: keywords})
    except ValueError as exc:
        raise Unprocessable(f"keywords: {exc}", errors=[{"field": "keywords", "detail": str(exc)}]) from None
    row = await conn.fetchrow(
        "UPDATE categories SET keywords = $2::jsonb WHERE code = $1 RETURNING keywords",
        code,
        json_text(keywords),
    )
    if row is None:
        raise CategoryNotFound(f"no category {code!r} (GET /v1/categories)")
    await bump_revision(conn)
    return list(row["keywords"])


# --------------------------------------------------------------------------- officers' corrections


async def active_category(conn: asyncpg.Connection, code: str) -> bool:
    return await conn.fetchval("SELECT 1 FROM categories WHERE code = $1 AND active", code) is not None


async def set_category(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, category: str, now: datetime, returning: str
) -> asyncpg.Record:
    """The complaint's new category (the ``needs_triage`` flag goes with a category); answers
    ``returning`` of the row."""
    row = await conn.fetchrow(
        "UPDATE complaints SET category = $2, flags = array_remove(flags, 'needs_triage'), "
        f"version = version + 1, updated_at = $3 WHERE id = $1 RETURNING {returning}",
        complaint_id,
        category,
        now,
    )
    assert row is not None  # the caller holds the row's lock
    return row


async def add_example(
    conn: asyncpg.Connection,
    *,
    complaint_id: uuid.UUID,
    text: str,
    category: str,
    previous_category: str | None,
    model_version: str | None,
    created_by: str,
) -> int:
    example_id: int = await conn.fetchval(
        "INSERT INTO classification_examples (complaint_id, text, category, previous_category, "
        "model_version, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        complaint_id,
        text,
        category,
        previous_category,
        model_version,
        created_by,
    )
    return example_id


async def examples(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every labelled example, oldest first."""
    return await conn.fetch(
        "SELECT id, complaint_id, text, category, previous_category, model_version, created_at "
        "FROM classification_examples ORDER BY id"
    )

"""The classification's database work: the keywords of each category (``categories.keywords``,
seeded from ``data/keywords.json`` by migration 0003) and the check that category codes exist.

Functions take a connection (and, for writes, a transaction) the caller owns. A keyword change
bumps the routing revision (``app.core.revision``) in the same transaction, so each process
recompiles its keyword model at its next intake.
"""

from __future__ import annotations

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

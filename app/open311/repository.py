"""The SQL of the GeoReport facade: reads of the complaints, categories, areas and inbound
deliveries Aduan already keeps (no second copy of anything)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from app.channels.adapters.open311 import ENDPOINT

# One service request as the public may see it: never a secret complaint, no reporter, a
# photo only of a public complaint, the last note an officer made public.
_REQUEST = """
SELECT c.id, c.ticket, c.status, c.category, cat.name AS category_name, cat.agency, cat.sla_hours,
       c.description, c.area, u.name AS unit_name, c.lat, c.lon, c.address, c.privacy,
       c.created_at, c.updated_at, c.resolved_at, c.ews_at, c.due_at,
       CASE WHEN c.privacy = 'public' THEN c.attachments::text END AS attachments,
       (SELECT e.note FROM complaint_events e
         WHERE e.complaint_id = c.id AND e.public AND e.note IS NOT NULL
           AND e.kind IN ('status_changed', 'reopened', 'merged', 'comment')
         ORDER BY e.id DESC LIMIT 1) AS last_note
FROM complaints c LEFT JOIN categories cat ON cat.code = c.category
LEFT JOIN units u ON u.code = c.unit_code
WHERE c.privacy <> 'secret'
"""


async def requests_by_ticket(conn: asyncpg.Connection, tickets: list[str]) -> list[asyncpg.Record]:
    """The public complaints among ``tickets``, newest first (unknown and secret ones: none)."""
    return await conn.fetch(
        _REQUEST + " AND c.ticket = ANY($1::text[]) ORDER BY c.created_at DESC, c.id DESC", tickets
    )


async def requests_between(
    conn: asyncpg.Connection,
    *,
    start: datetime,
    end: datetime,
    statuses: list[str] | None,
    categories: list[str] | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    """Public complaints requested in ``[start, end)``, newest first, one page (on
    ``ix_complaints_created``, or the status or category one when those narrow it)."""
    sql = _REQUEST + " AND c.created_at >= $1 AND c.created_at < $2"
    params: list[object] = [start, end]
    if statuses is not None:
        params.append(statuses)
        sql += f" AND c.status = ANY(${len(params)}::text[])"
    if categories is not None:
        params.append(categories)
        sql += f" AND c.category = ANY(${len(params)}::text[])"
    params += [limit, offset]
    sql += f" ORDER BY c.created_at DESC, c.id DESC LIMIT ${len(params) - 1} OFFSET ${len(params)}"
    return await conn.fetch(sql, *params)


async def services(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """The active categories: the service list."""
    return await conn.fetch(
        "SELECT code, name, agency, sla_hours, keywords FROM categories WHERE active ORDER BY code"
    )


async def service(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT code, name, agency, sla_hours, keywords FROM categories WHERE active AND code = $1", code
    )


async def area_exists(conn: asyncpg.Connection, code: str) -> bool:
    return await conn.fetchval("SELECT 1 FROM areas WHERE code = $1", code) is not None


async def token(conn: asyncpg.Connection, delivery_id: uuid.UUID) -> asyncpg.Record | None:
    """An Open311 request's stored delivery: its status and outcomes."""
    return await conn.fetchrow(
        "SELECT id, status, outcomes FROM inbound_deliveries WHERE id = $1 AND endpoint = $2",
        delivery_id,
        ENDPOINT,
    )


async def public_ticket(conn: asyncpg.Connection, complaint_id: uuid.UUID) -> str | None:
    """The ticket of a complaint the public may follow (None for a secret one)."""
    ticket: str | None = await conn.fetchval(
        "SELECT ticket FROM complaints WHERE id = $1 AND privacy <> 'secret'", complaint_id
    )
    return ticket

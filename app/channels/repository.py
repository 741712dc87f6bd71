"""The SQL of the inbound review (``GET /v1/inbound``, ``POST /v1/inbound/{id}/retry``): reads of
the raw delivery archive. Archiving a delivery and recording its outcomes are the delivery
pipeline's (``app.intake.deliveries``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

# The first 500 bytes of the body, as bytes: the raw body is whatever the platform sent, so
# it is decoded (leniently) in Python, never by the database, which refuses such text.
_LIST_COLUMNS = (
    "id, channel, endpoint, status, error, content_type, length(body) AS size, "
    "substring(body from 1 for 500) AS head, outcomes, deliveries, attempts, received_at, processed_at"
)


async def list_deliveries(
    conn: asyncpg.Connection,
    *,
    status: str,
    channel: str | None,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Deliveries in ``status`` (and ``channel``), newest first, at most ``limit``, after the
    cursor's ``(received_at, id)``."""
    params: list[Any] = [status]
    where = "status = $1"
    if channel:
        params.append(channel)
        where += f" AND channel = ${len(params)}"
    if before is not None:
        params += list(before)
        where += f" AND (received_at, id) < (${len(params) - 1}, ${len(params)})"
    params.append(limit)
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT {_LIST_COLUMNS} FROM inbound_deliveries WHERE {where} "
        f"ORDER BY received_at DESC, id DESC LIMIT ${len(params)}",
        *params,
    )
    return rows


async def delivery(conn: asyncpg.Connection, delivery_id: uuid.UUID) -> asyncpg.Record | None:
    """A stored delivery, whole (what ``app.intake.deliveries.delivery_from_row`` rebuilds)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM inbound_deliveries WHERE id = $1", delivery_id
    )
    return row

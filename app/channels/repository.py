"""The SQL of the inbound review (``GET /v1/inbound``, ``POST /v1/inbound/{id}/retry``): reads of
the raw delivery archive; and of the Instagram mentions fetched later (``app.channels.graph``). Archiving a delivery and recording its outcomes are the delivery
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


async def mentions_to_fetch(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Stored Instagram mentions still waiting for their text, oldest first, whole rows."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT * FROM inbound_deliveries WHERE channel = 'governor_social' AND status = 'needs_fetch' "
        "ORDER BY received_at LIMIT $1",
        limit,
    )
    return rows


async def name_event_complaint(
    conn: asyncpg.Connection, channel: str, event_id: str, complaint_id: uuid.UUID
) -> None:
    """A later redelivery of the event names the complaint it became."""
    await conn.execute(
        "UPDATE inbound_events SET complaint_id = $3 WHERE channel = $1 AND event_id = $2",
        channel,
        event_id,
        complaint_id,
    )


async def mark_processed(conn: asyncpg.Connection, delivery_id: uuid.UUID, outcomes: str) -> None:
    """The delivery's deferred outcomes are applied; ``outcomes``: their JSON, appended."""
    await conn.execute(
        "UPDATE inbound_deliveries SET status = 'processed', outcomes = outcomes || $2::jsonb, "
        "processed_at = now() WHERE id = $1",
        delivery_id,
        outcomes,
    )

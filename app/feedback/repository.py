"""SQL of the feedback: one answer per resolution (``complaint_feedback``)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg


async def add_feedback(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    *,
    resolved_at: datetime,
    rating: int | None,
    comment: str | None,
    accepted: bool | None,
    source: str,
    actor: str,
) -> asyncpg.Record | None:
    """The stored answer; None when this resolution was answered already."""
    return await conn.fetchrow(
        "INSERT INTO complaint_feedback (complaint_id, resolved_at, rating, comment, accepted, source, actor) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING "
        "RETURNING id, complaint_id, resolved_at, rating, comment, accepted, source, created_at",
        complaint_id,
        resolved_at,
        rating,
        comment,
        accepted,
        source,
        actor,
    )

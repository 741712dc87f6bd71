"""Where a new complaint goes and when it is due: the hooks intake calls.

The core only needs SLA hours per category; routing (areas, units, officers)
extends ``Placer`` in ``app.routing.service``.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from app.channels.base import ComplaintDraft


class Placer:
    """Computes the placement of a draft; called inside the intake transaction."""

    def __init__(self) -> None:
        self.sla_hours: dict[str, int] = {}

    async def load(self, conn: asyncpg.Connection) -> None:
        rows = await conn.fetch("SELECT code, sla_hours FROM categories")
        self.sla_hours = {r["code"]: r["sla_hours"] for r in rows}

    async def place(self, conn: asyncpg.Connection, draft: ComplaintDraft) -> dict[str, Any]:
        return {"sla_hours": self.sla_hours.get(draft.category or "", 168)}

    async def after_create(
        self, conn: asyncpg.Connection, row: asyncpg.Record, draft: ComplaintDraft
    ) -> asyncpg.Record | None:
        """Route and assign the new complaint; return the updated row (or None if unchanged)."""
        return None

    async def after_transition(self, conn: asyncpg.Connection, row: asyncpg.Record) -> None:
        return None

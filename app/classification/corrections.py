"""An officer corrects a complaint's category, and the classifier gets a labelled example.

``PUT /v1/complaints/{id}/category``: staff who may read the complaint (app.auth.policy), at the
version they read, while it is open. The category changes (the ``needs_triage`` flag goes), an
internal ``category_changed`` event and a ``complaint.category`` audit entry record who and why,
and ``classification_examples`` keeps the text with the category it should have had, the one it
had and the keyword set that had classified it (``metadata.classification.version``).

What does not change: the unit handling it and its SLA clocks. The citizen has waited since the
complaint came; a correction does not restart the clock, and handing it to another unit is the
assignment's and the lifecycle's job (``coordination`` hands it to the owning agency).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

from app.auth import audit
from app.classification import repository
from app.complaints import history, lifecycle
from app.complaints import service as complaints
from app.complaints.repository import RETURNING
from app.core.errors import Conflict, Unprocessable
from app.core.preconditions import check_version
from app.core.security import Principal


class ComplaintClosed(Conflict):
    slug, title = "complaint-closed", "The complaint is closed"


async def correct_category(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    *,
    category: str,
    note: str | None,
    principal: Principal,
    if_match: int,
    now: datetime | None = None,
) -> asyncpg.Record:
    now = now or datetime.now(UTC)
    row = await complaints.visible_complaint(conn, complaint_id, principal, for_update=True)
    check_version(if_match, row["version"])
    if row["status"] not in lifecycle.OPEN_STATUSES:
        raise ComplaintClosed(f"a {row['status']} complaint keeps its category")
    if not await repository.active_category(conn, category):
        raise Unprocessable(
            f"category: {category!r} is not a category in service (GET /v1/categories)",
            errors=[{"field": "category", "detail": "unknown or inactive"}],
        )
    previous = row["category"]
    if category == previous:
        raise Unprocessable(
            f"category: the complaint is {category} already",
            errors=[{"field": "category", "detail": "unchanged"}],
        )
    classified = (row["metadata"] or {}).get("classification") or {}
    updated = await repository.set_category(conn, complaint_id, category, now, RETURNING)
    text = " ".join(t for t in (row["title"], row["description"]) if t)
    example = await repository.add_example(
        conn,
        complaint_id=complaint_id,
        text=text,
        category=category,
        previous_category=previous,
        model_version=classified.get("version"),
        created_by=principal.actor,
    )
    data = {"from": previous, "to": category, "example": example, "model_version": classified.get("version")}
    await history.append(
        conn, complaint_id, "category_changed", principal.actor, note=note, public=False, data=data
    )
    await audit.record(
        conn, principal, "complaint.category", complaint_id=complaint_id, target_type="complaint",
        target_id=complaint_id, data={**data, "version": updated["version"]},
    )  # fmt: skip
    return updated

"""The audit log: every officer and admin action, and every read of a reporter's personal data.

A CSV export of complaints is recorded as ``complaints.export``.

Rows are written in the same transaction as the action they record (an action that rolls back
leaves no audit row, one that commits always has one) and can never be changed: a trigger
refuses UPDATE and DELETE (migration 0008). ``record`` is the one way in (its statement is in
``app.auth.repository``); ``GET /v1/audit`` (admin) reads them.

Actions (``action``):

| action | when |
|---|---|
| `complaint.transition` | a status change (reopen by an app key included) |
| `complaint.assign` | an assignment or a hand-over to another unit |
| `complaint.ews` | an estimated completion date set |
| `complaint.comment` | a comment |
| `complaint.category` | an officer corrected the category (from, to, the labelled example kept) |
| `reporter.read` | a complaint answered with its reporter's personal data |
| `reporter.update` | an officer corrected a reporter (old and new values in `data`) |
| `api_key.create`, `api_key.revoke`, `api_key.rotate` | key lifecycle |
| `unit.create`, `unit.update`, `unit.deactivate` | units |
| `officer.create`, `officer.update`, `officer.deactivate` | officers |
| `category.keywords` | classifier keywords replaced |
| `areas.import` | areas imported |
| `inbound.retry` | a stored delivery re-run |
| `sla.sweep` | a sweep run by hand |
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from app.auth import repository
from app.core.security import Principal


async def record(
    conn: asyncpg.Connection,
    principal: Principal,
    action: str,
    *,
    complaint_id: uuid.UUID | None = None,
    target_type: str | None = None,
    target_id: Any = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one entry (in the caller's transaction, if any)."""
    await repository.insert_audit(
        conn,
        actor=principal.actor[:300],
        actor_key_id=principal.id,
        actor_role=principal.role,
        action=action,
        complaint_id=complaint_id,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id)[:200],
        data=data or {},
    )

"""``PATCH /v1/reporters/{id}``: an officer corrects a reporter's record, audited.

Intake never rewrites a person (a submitter is not verified: see the reporter CTEs of
``app.intake.repository``); this is the one way a name, phone, email or NIK changes. It is staff
only, for a reporter of a complaint the officer may read (app.auth.policy), never an anonymous
reporter below admin, with ``If-Match`` (the reporter's ``version``), and it writes a
``reporter.update`` audit entry with the old and new values (``service.correct_reporter``).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from app.complaints import service
from app.complaints.schemas import ReporterPatch, ReporterRecord
from app.core.deps import DbDep
from app.core.errors import problems
from app.core.preconditions import IfMatch, expected_version
from app.core.routes import JsonRoute
from app.core.security import Officer

__all__ = ["ReporterPatch", "router"]

router = APIRouter(prefix="/v1/reporters", tags=["reporters"], route_class=JsonRoute)


@router.patch(
    "/{reporter_id}",
    operation_id="updateReporter",
    summary="Correct a reporter's name, phone, email or NIK (staff, audited; If-Match required)",
    description=(
        "Intake never rewrites a person; officers correct one here. Staff may correct the reporter of a "
        "complaint they may read (an anonymous reporter: admins only). `If-Match` with the reporter's "
        "`version` is required (428 without, 412 stale). A phone or email another reporter already has is "
        "409. The old and new values and the `reason` go to the audit log."
    ),
    response_model=ReporterRecord,
    responses=problems(400, 401, 403, 404, 409, 412, 415, 422, 428, 503),
)
async def update_reporter(
    reporter_id: uuid.UUID,
    body: ReporterPatch,
    principal: Officer,
    db: DbDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    expected = expected_version(if_match)
    fields = service.reporter_changes(body)
    async with db.transaction() as conn:
        row = await service.correct_reporter(
            conn, reporter_id, fields, reason=body.reason, principal=principal, if_match=expected
        )
    response.headers["ETag"] = f'"{row["version"]}"'
    return dict(row)

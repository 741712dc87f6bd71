"""``POST /v1/complaints/{id}/feedback``: the reporter's app rates and accepts (or rejects) a
resolution.

Who may: the ``app`` (or ``partner``) key that submitted the complaint; any other complaint is 404,
exactly as one that does not exist; staff keys get 403 (officers do not rate their own work).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.complaints import service as complaints
from app.complaints.deps import TransitionHooksDep
from app.core.deps import DbDep
from app.core.errors import problems
from app.core.preconditions import IfMatch, check_version, expected_version
from app.core.routes import JsonRoute
from app.core.security import Principal, require
from app.feedback import service
from app.feedback.schemas import FeedbackIn, FeedbackOut

router = APIRouter(prefix="/v1/complaints", tags=["feedback"], route_class=JsonRoute)

Owner = Annotated[Principal, Depends(require("app", "partner"))]


@router.post(
    "/{complaint_id}/feedback",
    operation_id="giveFeedback",
    summary="Rate a resolved complaint, and accept or reject the resolution (the key that submitted it)",
    description=(
        "Once a complaint is `resolved`, the app key that submitted it answers once per resolution: a rating "
        "1-5, a comment, and `accepted`. `accepted: false` reopens the complaint (`in_progress`, with a public "
        "`reopened` event) if it was resolved no more than 7 days ago (409 after). Not resolved: 409 "
        "`complaint-not-done`; a second answer to the same resolution: 409 `feedback-given`. `If-Match` is "
        "optional here: when sent, a stale version is 412. Citizens on other channels answer by replying YA or "
        "TIDAK to the message that asks them."
    ),
    status_code=201,
    responses=problems(400, 401, 403, 404, 409, 412, 415, 422, 503),
)
async def give_feedback(
    complaint_id: uuid.UUID,
    body: FeedbackIn,
    principal: Owner,
    db: DbDep,
    hooks: TransitionHooksDep,
    response: Response,
    if_match: IfMatch = None,
) -> FeedbackOut:
    async with db.transaction() as conn:
        row = await complaints.visible_complaint(conn, complaint_id, principal, for_update=True)
        if if_match is not None:
            check_version(expected_version(if_match), row["version"])
        feedback, updated = await service.answer_resolution(
            conn, row, rating=body.rating, comment=body.comment, accepted=body.accepted, source="app",
            actor=principal.actor, hooks=hooks,
        )  # fmt: skip
    response.headers["ETag"] = f'"{updated["version"]}"'
    return FeedbackOut.model_validate(service.feedback_view(feedback, updated))

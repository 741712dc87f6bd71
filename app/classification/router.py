"""The classification API: what the keyword classifier and the gazetteer make of a text (any
key), and each category's keywords (read by officer roles, replaced by supervisors). The SQL is
``app.classification.repository``'s; ``/v1/classify`` reads the in-memory routing state
(``app.classification.deps.ClassifierState``), the same intake uses."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from app.auth import audit
from app.classification import corrections, repository
from app.classification.deps import ClassifierStateDep
from app.classification.schemas import (
    CategoryCorrectionIn,
    ClassifyArea,
    ClassifyIn,
    ClassifyOut,
    KeywordsIn,
    KeywordsOut,
)
from app.complaints import service as complaints
from app.complaints.schemas import ComplaintOut
from app.core.deps import Conn, DbDep, RoutingCacheDep, SignerDep, reload_routing
from app.core.errors import ServiceUnavailable, problems
from app.core.preconditions import IfMatch, expected_version
from app.core.routes import JsonRoute
from app.core.security import AnyKey, Officer, Supervisor

router = APIRouter(route_class=JsonRoute)


@router.post(
    "/v1/classify",
    tags=["routing"],
    operation_id="classifyText",
    summary="Suggest a category and find area names in a text (any key)",
    description=(
        "The same keyword classifier and gazetteer intake uses. `category` is null when the confidence is "
        "below the threshold; `scores` and `matched` explain the decision."
    ),
    response_model=ClassifyOut,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "category": "drainage_flood",
                        "confidence": 0.9502,
                        "areas": [
                            {
                                "code": "31.71.06.1003",
                                "level": "kelurahan",
                                "name": "Cikini",
                                "ambiguous": False,
                            }
                        ],
                        "scores": {"drainage_flood": 6.0},
                        "matched": {"drainage_flood": ["got mampet:3", "banjir:3"]},
                    }
                }
            }
        },
        **problems(400, 401, 403, 415, 422, 503),
    },
)
async def classify(principal: AnyKey, body: ClassifyIn, conn: Conn, state: ClassifierStateDep) -> ClassifyOut:
    if state is None:
        raise ServiceUnavailable("the keyword model is not loaded yet")
    await state.ensure_fresh(conn)
    result = state.classify(body.text)
    areas = [ClassifyArea.model_validate(a) for a in state.areas_in_text(body.text)]
    if result is None:
        return ClassifyOut(
            category=None,
            confidence=0.0,
            areas=areas,
            scores={},
            matched={},
            model_version=state.model_version,
        )
    return ClassifyOut(
        category=result.category,
        confidence=result.confidence,
        areas=areas,
        scores=result.scores,
        matched=result.matched,
        model_version=state.model_version,
    )


@router.get(
    "/v1/categories/{code}/keywords",
    tags=["categories"],
    operation_id="getCategoryKeywords",
    summary="The classifier keywords of a category (officer roles)",
    response_model=KeywordsOut,
    responses=problems(401, 403, 404, 503),
)
async def get_keywords(code: str, principal: Officer, conn: Conn) -> KeywordsOut:
    return KeywordsOut(category=code, keywords=await repository.get_keywords(conn, code))


@router.put(
    "/v1/categories/{code}/keywords",
    tags=["categories"],
    operation_id="setCategoryKeywords",
    summary="Replace the classifier keywords of a category (admin, supervisor)",
    description='Each entry is `"phrase"` or `"phrase:weight"`; takes effect for the next complaint.',
    response_model=KeywordsOut,
    responses=problems(400, 401, 403, 404, 415, 422, 503),
)
async def set_keywords(
    code: str, principal: Supervisor, body: KeywordsIn, db: DbDep, cache: RoutingCacheDep
) -> KeywordsOut:
    async with db.transaction() as conn:
        keywords = await repository.set_keywords(conn, code, body.keywords)
        await audit.record(
            conn, principal, "category.keywords", target_type="category", target_id=code,
            data={"keywords": body.keywords},
        )  # fmt: skip
    await reload_routing(cache, db)
    return KeywordsOut(category=code, keywords=keywords)


@router.put(
    "/v1/complaints/{complaint_id}/category",
    tags=["complaints"],
    operation_id="correctComplaintCategory",
    summary="Correct a complaint's category (officer roles); the classifier keeps it as a labelled example",
    description=(
        "Staff who may read the complaint, while it is open (409 once closed); `If-Match` with its version "
        "(428 without, 412 stale). The unit and the SLA clocks stay. An internal `category_changed` event and "
        "a `complaint.category` audit entry record it; the text with the right category, the one it had and "
        "the classifier's version are kept for `aduan classifier examples`."
    ),
    response_model=ComplaintOut,
    responses=problems(400, 401, 403, 404, 409, 412, 415, 422, 428, 503),
)
async def correct_category(
    complaint_id: uuid.UUID,
    body: CategoryCorrectionIn,
    principal: Officer,
    db: DbDep,
    signer: SignerDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    expected = expected_version(if_match)
    async with db.transaction() as conn:
        row = await corrections.correct_category(
            conn, complaint_id, category=body.category, note=body.note, principal=principal, if_match=expected
        )
        view = await complaints.full_view(conn, row, principal, signer)
    response.headers["ETag"] = f'"{row["version"]}"'
    return view

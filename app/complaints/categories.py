"""``GET /v1/categories``: the public service catalogue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.complaints import service
from app.complaints.schemas import CategoryList
from app.core.deps import Conn
from app.core.errors import problems
from app.core.routes import JsonRoute

router = APIRouter(prefix="/v1/categories", tags=["categories"], route_class=JsonRoute)


@router.get(
    "",
    operation_id="listCategories",
    summary="The service catalogue: codes, Indonesian names, owning agency, SLA hours (public)",
    response_model=CategoryList,
    responses=problems(503),
)
async def list_categories(conn: Conn) -> dict[str, Any]:
    return {"items": await service.categories(conn), "next_cursor": None}

"""``GET /v1/track/{ticket}``: the public view, with no personal data.

No name, phone, email, NIK or handle; text is PII-masked; an anonymous
report's point is rounded to ~110 m; internal notes never appear; a secret
complaint is 404, exactly like an unknown ticket.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from app.complaints import service
from app.complaints.schemas import TrackOut
from app.complaints.tickets import normalise_ticket
from app.core.deps import Conn
from app.core.errors import NotFound, problems
from app.core.http import json_response
from app.core.routes import JsonRoute

router = APIRouter(prefix="/v1/track", tags=["public tracking"], route_class=JsonRoute)


class TicketNotFound(NotFound):
    slug = "ticket-not-found"
    title = "No such ticket"


@router.get(
    "/{ticket}",
    operation_id="trackComplaint",
    summary="Follow a complaint by its ticket (public, no personal data)",
    description="Case-insensitive; `k7m2q9xd` and `K7M2-Q9XD` are the same ticket. Green (`resolved`) when done.",
    response_model=TrackOut,
    responses=problems(404, 503),
)
async def track(ticket: str, conn: Conn) -> Response:
    code = normalise_ticket(ticket)
    if code is None:
        raise TicketNotFound(f"{ticket!r} is not a ticket code (like K7M2-Q9XD)")
    view = await service.track(conn, code)
    if view is None:
        raise TicketNotFound(f"no complaint with ticket {code}")
    # A measured hot path (public, unauthenticated): the view, its timeline rendered by PostgreSQL
    # (repository.TRACK_SQL), is answered as orjson writes it, not re-validated field by field;
    # tests/complaints/test_tracking.py holds it valid against TrackOut.
    return json_response(view, headers={"Cache-Control": "public, max-age=15"})

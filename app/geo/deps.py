"""The areas API's collaborators as FastAPI dependencies: the in-memory area state the point
lookup reads, and the area file an import sends as its body.

The area state is the routing state each process keeps (``app.intake.placement.Placer``); this
package sees it through ``AreaState``, the part the lookup uses, so it never imports the intake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Protocol

import asyncpg
from fastapi import Depends, Request

from app.core.errors import UnsupportedMediaType
from app.geo.areas import AreaHit, AreaIndex


class AreaState(Protocol):
    """The point lookup's view of the routing state: the index built from the stored
    boundaries (None before any is imported), kept fresh against the routing revision."""

    @property
    def index(self) -> AreaIndex | None: ...

    async def ensure_fresh(self, conn: asyncpg.Connection) -> None: ...

    def area_from_hit(self, hit: AreaHit, source: str) -> dict[str, Any]: ...


async def get_area_state(request: Request) -> AreaState | None:
    """None until the service's lifespan has set the routing state up."""
    state: AreaState | None = request.app.state.placer
    return state


AreaStateDep = Annotated[AreaState | None, Depends(get_area_state)]

CSV_TYPES = frozenset({"text/csv", "application/csv"})
GEOJSON_TYPES = frozenset({"application/geo+json", "application/json"})


@dataclass(frozen=True, slots=True)
class AreaFile:
    """An import's body: the file as sent, and whether it is the CSV hierarchy (else GeoJSON)."""

    data: bytes
    csv: bool


async def area_file(request: Request) -> AreaFile:
    """The raw body of ``POST /v1/areas/import``: a file, not a JSON document to validate, so it
    is read as bytes (its size limit is ``app.core.http.BodyLimitMiddleware``'s). 415 for a
    content type that is neither."""
    ctype = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if ctype in CSV_TYPES:
        csv = True
    elif ctype in GEOJSON_TYPES:
        csv = False
    else:
        raise UnsupportedMediaType(
            f"send application/geo+json (boundaries) or text/csv (hierarchy), not {ctype or 'no content type'}"
        )
    return AreaFile(await request.body(), csv)


AreaFileDep = Annotated[AreaFile, Depends(area_file)]

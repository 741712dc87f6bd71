"""The public pages: ``/`` (the map and the counts), ``/track/{ticket}`` (one complaint) and
``/stats`` (the dashboard), with their vendored scripts and styles under ``/static/web/``.

They read the same service functions as the JSON endpoints (``/v1/track/{ticket}``,
``/v1/stats``), so a page never says something the API does not; the map's points and boundaries
are fetched by the page's script from ``/v1/public/...``.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import Scope

from app.complaints import service as complaints
from app.complaints.lifecycle import OPEN_STATUSES, STATUSES
from app.complaints.tickets import normalise_ticket
from app.core.deps import Conn, SettingsDep
from app.core.errors import Unprocessable
from app.public import service as public
from app.web import format as fmt

HERE = Path(__file__).parent
STATIC = HERE / "static"
STATIC_PREFIX = "/static/web"
# The statics are addressed by their content (?v=<hash>), so a browser may keep them a year.
STATIC_CACHE = "public, max-age=31536000, immutable"
TRACK_CACHE = "public, max-age=15"
PAGE_CACHE = "public, max-age=60"
# The dimensions the dashboard shows as tables (and charts).
STATS_TABLES = (
    ("channel", "Menurut kanal"),
    ("status", "Menurut status"),
    ("category", "Menurut kategori"),
    ("kota", "Menurut kota/kabupaten"),
)
# The status filter of the map: the two groups, then every status by its label.
STATUS_FILTERS: tuple[tuple[str, str], ...] = (
    ("open", "Belum selesai"),
    ("closed", "Sudah ditutup"),
    *((str(code), s.label) for code, s in STATUSES.items()),
)

# A public step without a status of its own and without a public note.
EVENT_LABELS = {
    "created": "Aduan diterima",
    "routed": "Diteruskan ke unit yang berwenang",
    "comment": "Tanggapan petugas",
    "follow_up": "Tambahan dari pelapor",
    "reopened": "Aduan dibuka kembali",
    "merged": "Digabung dengan aduan lain",
}

router = APIRouter(include_in_schema=False)


@cache
def static_url(path: str) -> str:
    """``/static/web/<path>?v=<content hash>``: a changed file gets a new address."""
    digest = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]
    return f"{STATIC_PREFIX}/{path}?v={digest}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = static_url
    env.filters.update(
        day=fmt.day,
        moment=fmt.moment,
        iso=fmt.iso,
        number=fmt.number,
        percent=fmt.percent,
        hours=fmt.hours,
        status_colour=lambda code: STATUSES[code].colour if code in STATUSES else "grey",
        event_label=lambda kind: EVENT_LABELS.get(str(kind), "Pembaruan"),
    )
    return env


templates = Jinja2Templates(env=_environment())


def _page(request: Request, name: str, context: dict[str, Any], *, status: int = 200, cache: str) -> Response:
    return templates.TemplateResponse(
        request, name, context, status_code=status, headers={"Cache-Control": cache}
    )


class _Statics(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = STATIC_CACHE
        return response


def install(app: FastAPI) -> None:
    """The pages and their statics (gzipped: the map and chart libraries are most of a page's
    bytes, and the phones that open them are often on slow mobile data)."""
    app.include_router(router)
    app.mount(STATIC_PREFIX, GZipMiddleware(_Statics(directory=STATIC), minimum_size=1024), name="web-static")


# --------------------------------------------------------------------------- the map


def _day_or_none(value: str | None) -> date | None:
    try:
        return public.parse_day(value, "since")
    except Unprocessable:
        return None


@router.get("/")
async def home(
    request: Request,
    conn: Conn,
    settings: SettingsDep,
    category: str | None = None,
    status: str | None = None,
    since: str | None = None,
) -> Response:
    categories = await complaints.categories(conn)
    counts = await public.stats(conn, group_by="status")
    since_day = _day_or_none(since)
    filters = {
        "category": category if category in {c["code"] for c in categories} else "",
        "status": status if status in {code for code, _ in STATUS_FILTERS} else "",
        "since": since_day.isoformat() if since_day else "",
    }
    return _page(
        request,
        "map.html",
        {
            "page": "map",
            "categories": categories,
            "statuses": STATUS_FILTERS,
            "filters": filters,
            "counts": counts,
            "tiles_url": settings.map_tiles_url,
            "tiles_attribution": settings.map_tiles_attribution,
        },
        cache=PAGE_CACHE,
    )


# --------------------------------------------------------------------------- tracking


@router.get("/track")
async def track_form(ticket: str = "") -> Response:
    """The ticket form's target (a GET form cannot put the code in the path)."""
    code = normalise_ticket(ticket)
    target = f"/track/{quote(code or ticket.strip()[:40], safe='')}" if ticket.strip() else "/"
    return RedirectResponse(target, status_code=303)


@router.get("/track/{ticket}")
async def track_page(request: Request, ticket: str, conn: Conn) -> Response:
    code = normalise_ticket(ticket)
    view = await complaints.track(conn, code) if code else None
    if view is None:
        return _page(request, "not_found.html", {"ticket": ticket[:40]}, status=404, cache="no-cache")
    if code != ticket:  # one address per complaint: k7m2q9xd -> K7M2-Q9XD
        return RedirectResponse(f"/track/{code}", status_code=301)
    status = view.get("status")
    return _page(
        request,
        "track.html",
        {
            "c": view,
            "is_open": status in OPEN_STATUSES,
            "supports": view.get("supports"),
            "expected_at": view.get("expected_at"),
            "photos": [p for p in view.get("photos") or [] if isinstance(p, dict) and p.get("url")],
        },
        cache=TRACK_CACHE,
    )


# --------------------------------------------------------------------------- the dashboard


@router.get("/stats")
async def stats_page(
    request: Request, conn: Conn, since: str | None = None, until: str | None = None
) -> Response:
    error = None
    try:
        since_day = public.parse_day(since, "since")
        until_day = public.parse_day(until, "until")
        tables = [
            (title, await public.stats(conn, group_by=group_by, since=since_day, until=until_day))
            for group_by, title in STATS_TABLES
        ]
    except Unprocessable as exc:
        error = exc.detail
        since_day = until_day = None
        tables = [(title, await public.stats(conn, group_by=group_by)) for group_by, title in STATS_TABLES]
    summary = tables[0][1]
    return _page(
        request,
        "stats.html",
        {
            "page": "stats",
            "tables": tables,
            "s": summary,
            "error": error,
            "since": since_day,
            "until": until_day,
        },
        status=422 if error else 200,
        cache=PAGE_CACHE,
    )

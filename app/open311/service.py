"""Open311 GeoReport v2 mapped onto Aduan's own model.

- A *service* is a category of the catalogue (``categories``): ``service_code`` its code,
  ``service_name`` its Indonesian name, ``group`` the owning agency's name, ``keywords`` the
  first of its classification keywords; the description and the attributes of its definition
  come from ``data/services.json``. Every service is ``realtime``: a request gets its id at once.
- A *service request* is a complaint, by its ticket (``service_request_id`` = ``K7M2-Q9XD``),
  with exactly what the public tracking page shows (``app.complaints.service``): never a
  secret complaint, no reporter, PII-masked text, an anonymous report's point rounded, a photo
  only of a public complaint. ``status`` is the lifecycle's Open311 mapping (``Status.open311``).
- ``POST requests`` is the ``jaki`` channel's ``open311`` endpoint: checked here, archived as an
  inbound delivery, mapped by ``app.channels.adapters.open311`` and taken in by the same
  pipeline as every channel. When the complaint cannot be made at once (the delivery is kept,
  its outcome failed), the answer is a ``token`` (the delivery's id); ``tokens/{token}`` gives
  the ``service_request_id`` once an admin's retry has made it.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import asyncpg

from app.channels.adapters import open311 as adapter
from app.complaints import lifecycle
from app.complaints import service as complaints
from app.complaints.catalogue import AGENCIES
from app.complaints.tickets import normalise_ticket
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import AppError, Forbidden, NotFound
from app.core.pii import mask_pii
from app.core.security import Principal, authenticate_key
from app.intake.deliveries import Pipeline, archive
from app.intake.drafts import Delivery
from app.open311 import repository
from app.public.service import WIB

DATA = Path(__file__).parent / "data" / "services.json"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ["text/xml", "application/json"]
# GET requests: the specification's defaults ("a span of 90 days or first 1000 requests").
MAX_SPAN = timedelta(days=90)
PAGE_SIZE = 1000
MAX_PAGE = 10_000
MAX_IDS = 1000
# Roles whose keys may POST requests: a citizen-facing app, a partner's system.
SUBMITTERS = frozenset({"app", "partner"})
KEYWORDS_SHOWN = 8


class Open311Invalid(AppError):
    """A request GeoReport answers with 400 (one error per field that is wrong)."""

    status, slug, title = 400, "open311-invalid", "The GeoReport request is not valid"


class Open311NotFound(NotFound):
    slug = "open311-not-found"


# --------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True, slots=True)
class Catalogue:
    changeset: str
    descriptions: dict[str, str]
    attributes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    services = data["services"]
    return Catalogue(
        changeset=data["changeset"],
        descriptions={code: s["description"] for code, s in services.items()},
        attributes={
            code: sorted(s["attributes"], key=lambda a: a["order"])
            for code, s in services.items()
            if s.get("attributes")
        },
    )


def check_jurisdiction(value: str | None, settings: Settings) -> None:
    """One jurisdiction is served: an empty or absent ``jurisdiction_id`` is it (GeoReport's
    "optional" rule), and so is its own id; any other is 404."""
    if value is None or not value.strip():
        return
    if value.strip().lower() != settings.open311_jurisdiction.lower():
        raise Open311NotFound(
            f"jurisdiction_id {value.strip()[:100]!r} was not found; this endpoint serves "
            f"{settings.open311_jurisdiction!r}"
        )


def _keywords(raw: Any) -> str:
    """The first classification keywords of a category, weights dropped (``"jalan rusak:3"``)."""
    out: list[str] = []
    for item in raw if isinstance(raw, list) else []:
        word = re.sub(r":\d+(\.\d+)?$", "", str(item)).strip()
        if word and word not in out:
            out.append(word)
        if len(out) == KEYWORDS_SHOWN:
            break
    return ", ".join(out)


def service_view(row: asyncpg.Record) -> dict[str, Any]:
    cat = catalogue()
    return {
        "service_code": row["code"],
        "service_name": row["name"],
        "description": cat.descriptions.get(row["code"], row["name"]),
        "metadata": row["code"] in cat.attributes,
        "type": "realtime",
        "keywords": _keywords(row["keywords"]),
        "group": AGENCIES.get(row["agency"], row["agency"]),
    }


async def service_list(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [service_view(r) for r in await repository.services(conn)]


def attribute_view(a: dict[str, Any]) -> dict[str, Any]:
    view = {
        "variable": a.get("variable", True),
        "code": a["code"],
        "datatype": a["datatype"],
        "required": a["required"],
        "datatype_description": a.get("datatype_description"),
        "order": a["order"],
        "description": a["description"],
    }
    if a["datatype"] in ("singlevaluelist", "multivaluelist"):
        view["values"] = [{"key": v["key"], "name": v["name"]} for v in a["values"]]
    return view


async def service_definition(conn: asyncpg.Connection, code: str) -> dict[str, Any]:
    row = await repository.service(conn, code)
    if row is None:
        raise Open311NotFound(f"service_code {code[:60]!r} was not found")
    return {
        "service_code": row["code"],
        "attributes": [attribute_view(a) for a in catalogue().attributes.get(row["code"], [])],
    }


def discovery(settings: Settings, base_url: str) -> dict[str, Any]:
    changeset = catalogue().changeset
    return {
        "changeset": changeset,
        "contact": settings.open311_contact,
        "key_service": settings.open311_key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url.rstrip("/") + "/open311/v2",
                "changeset": changeset,
                "type": "production",
                "formats": FORMATS,
            }
        ],
    }


# --------------------------------------------------------------------------- requests (read)


def w3(value: datetime | None) -> str | None:
    """A time in the W3C profile of ISO 8601, in Jakarta's offset (``2026-12-05T09:30:00+07:00``)."""
    return value.astimezone(WIB).isoformat(timespec="seconds") if value is not None else None


def service_notice(row: asyncpg.Record) -> str | None:
    hours = row["sla_hours"]
    if hours is None:
        return None
    target = f"{hours // 24} hari" if hours % 24 == 0 else f"{hours} jam"
    return f"Target penyelesaian {target} sejak laporan diterima."


def _address(row: asyncpg.Record) -> str | None:
    """From the most specific to the most general: the street address of a public complaint
    (masked like the tracking page's), then kelurahan, kecamatan and kota."""
    area = row["area"]
    parts = [
        mask_pii(row["address"]) if row["address"] and row["privacy"] == "public" else None,
        complaints.area_name(area, "kelurahan"),
        complaints.area_name(area, "kecamatan"),
        complaints.area_name(area, "kota"),
    ]
    return ", ".join(p for p in parts if p) or None


def request_view(row: asyncpg.Record, base_url: str) -> dict[str, Any]:
    status = row["status"]
    state = lifecycle.STATUSES[status]
    location = complaints.public_location(row)
    photos = complaints.public_photos(row["attachments"])
    media = photos[0]["url"] if photos else None
    if media is not None and media.startswith("/"):
        media = base_url.rstrip("/") + media
    note = mask_pii(row["last_note"]) if row["last_note"] else None
    closed = state.open311 == "closed"
    area = row["area"] or {}
    return {
        "service_request_id": row["ticket"],
        "status": state.open311,
        "status_notes": f"{state.label}: {note}" if note else state.label,
        "service_name": row["category_name"],
        "service_code": row["category"],
        "description": mask_pii(row["description"]),
        # The unit handling it (never the officer), else the agency owning the category.
        "agency_responsible": row["unit_name"] or (AGENCIES.get(row["agency"]) if row["agency"] else None),
        "service_notice": service_notice(row),
        "requested_datetime": w3(row["created_at"]),
        "updated_datetime": w3((row["resolved_at"] or row["updated_at"]) if closed else row["updated_at"]),
        # The date the unit announced (EWS), else the SLA's due date, while it is open.
        "expected_datetime": None if closed else w3(row["ews_at"] or row["due_at"]),
        "address": _address(row),
        "address_id": (area.get("kelurahan") or {}).get("code"),
        "lat": location["lat"] if location else None,
        "long": location["lon"] if location else None,
        "media_url": media,
    }


def _bad(field: str, detail: str) -> Open311Invalid:
    return Open311Invalid(f"{field}: {detail}", errors=[{"field": field, "detail": detail}])


def parse_when(value: str, name: str) -> datetime:
    """A W3C date-time (``2026-12-01T00:00:00Z``); without an offset it is Jakarta's time, and a
    bare date is its midnight there."""
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _bad(name, f"{value[:40]!r} is not a W3C date-time like 2026-12-01T00:00:00Z") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=WIB)
    if not 1970 <= when.year <= 9000:
        raise _bad(name, "a date between the years 1970 and 9000")
    return when


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise _bad(name, f"{value[:20]!r} is not a whole number") from None
    if not low <= number <= high:
        raise _bad(name, f"between {low} and {high}")
    return number


@dataclass(slots=True)
class RequestQuery:
    service_request_id: str | None = None
    service_code: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    status: str | None = None
    page: str | None = None
    page_size: str | None = None


@dataclass(slots=True)
class RequestPage:
    items: list[dict[str, Any]]
    page: int
    page_size: int
    more: bool


async def list_requests(
    conn: asyncpg.Connection, query: RequestQuery, base_url: str, *, now: datetime | None = None
) -> RequestPage:
    """``GET requests``. ``service_request_id`` (comma separated) overrides every other filter;
    else the window is ``start_date``..``end_date`` (at most 90 days; the last 90 days when
    neither is given, 90 days from or to the one given), ``status`` open/closed and
    ``service_code`` comma separated, newest first, ``page_size`` (1-1000, default 1000) per
    ``page`` (from 1): the paging extension Chicago, Boston and San Francisco use."""
    page = _int(query.page, "page", 1, 1, MAX_PAGE)
    page_size = _int(query.page_size, "page_size", PAGE_SIZE, 1, PAGE_SIZE)
    if query.service_request_id is not None and query.service_request_id.strip():
        ids = _csv(query.service_request_id)
        if len(ids) > MAX_IDS:
            raise _bad("service_request_id", f"at most {MAX_IDS} ids")
        tickets = sorted({t for t in (normalise_ticket(i) for i in ids) if t})
        rows = await repository.requests_by_ticket(conn, tickets) if tickets else []
        return RequestPage([request_view(r, base_url) for r in rows], 1, len(rows), False)
    now = now or datetime.now(UTC)
    start = parse_when(query.start_date, "start_date") if query.start_date else None
    end = parse_when(query.end_date, "end_date") if query.end_date else None
    if start is None and end is None:
        end, start = now, now - MAX_SPAN
    elif start is None:
        assert end is not None
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise _bad("end_date", "before start_date")
    if end - start > MAX_SPAN:
        raise _bad("end_date", "start_date and end_date may not span more than 90 days")
    statuses: list[str] | None = None
    if query.status is not None and query.status.strip():
        wanted = {s.lower() for s in _csv(query.status)}
        unknown = wanted - {"open", "closed"}
        if unknown:
            raise _bad("status", f"{sorted(unknown)[0][:20]!r} is not open or closed")
        statuses = sorted(str(c) for c, s in lifecycle.STATUSES.items() if s.open311 in wanted)
    categories = _csv(query.service_code) or None
    rows = await repository.requests_between(
        conn,
        start=start,
        end=end,
        statuses=statuses,
        categories=categories,
        limit=page_size + 1,
        offset=(page - 1) * page_size,
    )
    return RequestPage(
        [request_view(r, base_url) for r in rows[:page_size]], page, page_size, len(rows) > page_size
    )


async def get_request(conn: asyncpg.Connection, raw_id: str, base_url: str) -> dict[str, Any]:
    ticket = normalise_ticket(raw_id)
    rows = await repository.requests_by_ticket(conn, [ticket]) if ticket else []
    if not rows:
        raise Open311NotFound(f"service_request_id {raw_id[:40]!r} was not found")
    return request_view(rows[0], base_url)


# --------------------------------------------------------------------------- tokens


async def token_view(conn: asyncpg.Connection, token: str) -> dict[str, Any]:
    """``tokens/{token}``: the request's id once its complaint exists, else ``null``."""
    try:
        delivery_id = uuid.UUID(token)
    except ValueError:
        raise Open311NotFound(f"token {token[:60]!r} was not found") from None
    row = await repository.token(conn, delivery_id)
    if row is None:
        raise Open311NotFound(f"token {token[:60]!r} was not found")
    ticket = None
    for outcome in row["outcomes"] or []:
        if isinstance(outcome, dict) and outcome.get("action") in ("created", "duplicate"):
            cid = outcome.get("complaint_id")
            if cid:
                ticket = await repository.public_ticket(conn, uuid.UUID(str(cid)))
                break
    return {"service_request_id": ticket, "token": str(row["id"])}


# --------------------------------------------------------------------------- requests (write)

_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,30}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
LIMITS = {
    "description": 4000,  # the specification's limit
    "address_string": 500,
    "first_name": 100,
    "last_name": 100,
    "email": 254,
    "phone": 30,
    "device_id": 200,
    "account_id": 200,
    "media_url": 2000,
    "service_code": 40,
    "address_id": 20,
    "jurisdiction_id": 200,
}
ATTRIBUTE_TEXT = {"string": 500, "text": 4000}


@dataclass(slots=True)
class Submitted:
    """What ``POST requests`` answers: ``status_code`` 201 (created), 200 (the same request
    again) or 202 (kept, not yet a complaint: ``token``)."""

    status_code: int
    body: dict[str, Any]


async def authenticate(
    db: Database, settings: Settings, api_key: str | None, bearer: str | None
) -> Principal:
    """The key of a POST: ``api_key`` (form or query, as GeoReport sends it) or a Bearer header.
    Missing, unknown or revoked: 403 as GeoReport says; a key of another role: 403."""
    key = (api_key or "").strip() or (bearer or "").strip()
    if not key:
        raise Forbidden("api_key is required to create a service request")
    principal = await authenticate_key(key, db, settings)
    if principal.role not in SUBMITTERS:
        raise Forbidden(
            f"a {principal.role} key may not create service requests; use a key of role app or partner"
        )
    return principal


def _check_attributes(code: str, attributes: dict[str, str | list[str]]) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    defined = {a["code"]: a for a in catalogue().attributes.get(code, []) if a.get("variable", True)}
    for name in attributes:
        if name not in defined:
            errors.append(
                {"field": f"attribute[{name[:40]}]", "detail": f"not an attribute of service {code}"}
            )
    for name, a in defined.items():
        value = attributes.get(name)
        values = value if isinstance(value, list) else [value] if value is not None else []
        values = [v.strip() for v in values if v.strip()]
        where = f"attribute[{name}]"
        if not values:
            if a["required"]:
                errors.append({"field": where, "detail": "required by this service's definition"})
            continue
        kind = a["datatype"]
        if kind != "multivaluelist" and len(values) > 1:
            errors.append({"field": where, "detail": "takes one value"})
            continue
        keys = {str(v["key"]) for v in a.get("values", [])}
        for v in values:
            if kind in ("singlevaluelist", "multivaluelist") and v not in keys:
                errors.append(
                    {"field": where, "detail": f"{v[:40]!r} is not one of {', '.join(sorted(keys))}"}
                )
            elif kind == "number":
                try:
                    number = float(v)
                except ValueError:
                    number = float("nan")
                if number != number or abs(number) > 1e12:
                    errors.append({"field": where, "detail": f"{v[:40]!r} is not a number"})
            elif kind == "datetime":
                try:
                    datetime.fromisoformat(v)
                except ValueError:
                    errors.append({"field": where, "detail": f"{v[:40]!r} is not an ISO 8601 date-time"})
            elif kind in ATTRIBUTE_TEXT and len(v) > ATTRIBUTE_TEXT[kind]:
                errors.append({"field": where, "detail": f"at most {ATTRIBUTE_TEXT[kind]} characters"})
            elif kind == "string" and ("\n" in v or "\r" in v):
                errors.append({"field": where, "detail": "one line (a text attribute takes several)"})
    return errors


def _check_fields(fields: dict[str, str]) -> list[dict[str, str]]:
    errors = []
    for name, limit in LIMITS.items():
        value = fields.get(name)
        if value is not None and len(value) > limit:
            errors.append({"field": name, "detail": f"at most {limit} characters"})
    email, phone, media = fields.get("email"), fields.get("phone"), fields.get("media_url")
    if email is not None and not _EMAIL.match(email):
        errors.append({"field": "email", "detail": "not an email address"})
    if phone is not None and not _PHONE.match(phone):
        errors.append({"field": "phone", "detail": "not a phone number"})
    if media is not None:
        parts = urlsplit(media)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append({"field": "media_url", "detail": "an http or https URL"})
    return errors


def external_id(
    principal: Principal, pairs: list[tuple[str, str]], idempotency_key: str | None, now: datetime
) -> str:
    """The request's idempotency key: the client's ``Idempotency-Key``, else the same fields
    from the same key on the same (UTC) day. A client that retries a POST whose answer it lost
    gets the first request's id back instead of a second complaint."""
    if idempotency_key:
        seed = f"{principal.id}:idem:{idempotency_key}"
    else:
        seed = f"{principal.id}:{now.date().isoformat()}:{urlencode(sorted(pairs))}"
    return "o311:" + hashlib.sha256(seed.encode()).hexdigest()[:40]


async def submit(
    db: Database,
    pipeline: Pipeline,
    settings: Settings,
    principal: Principal,
    pairs: list[tuple[str, str]],
    *,
    headers: dict[str, str],
    url: str,
    idempotency_key: str | None,
    now: datetime | None = None,
) -> Submitted:
    """``POST requests``: check everything, then archive and take in (nothing is stored for a
    request that is refused). ``pairs``: the form and query fields, ``api_key`` removed."""
    pairs = [(k, v) for k, v in pairs if k != adapter.EXTERNAL_ID_FIELD]
    if any("\x00" in k or "\x00" in v for k, v in pairs):
        raise _bad("body", "a field holds a NUL character")
    fields, attributes = adapter.split_fields(pairs)
    check_jurisdiction(fields.get("jurisdiction_id"), settings)
    code = fields.get("service_code")
    if not code:
        raise _bad("service_code", "was not provided")
    errors = _check_fields(fields)
    try:
        lat = adapter.coordinate(fields, "lat", 90)
        lon = adapter.coordinate(fields, "long", 180)
    except Exception as exc:  # AdapterError: a clear message
        errors.append({"field": "lat/long", "detail": str(exc)})
        lat = lon = None
    else:
        if (lat is None) != (lon is None):
            errors.append({"field": "lat/long", "detail": "send both lat and long"})
    if lat is None and not fields.get("address_string") and not fields.get("address_id"):
        errors.append(
            {
                "field": "location",
                "detail": "a location is required: lat and long, address_string or address_id",
            }
        )
    async with db.raw() as conn:
        service = await repository.service(conn, code[:40])
        if service is None:
            raise Open311NotFound(f"service_code {code[:40]!r} was not found")
        address_id = fields.get("address_id")
        if (
            address_id
            and len(address_id) <= LIMITS["address_id"]
            and not await repository.area_exists(conn, address_id)
        ):
            errors.append(
                {"field": "address_id", "detail": f"{address_id!r} is not a known area code (GET /v1/areas)"}
            )
    errors += _check_attributes(service["code"], attributes)
    if errors:
        raise Open311Invalid("; ".join(f"{e['field']}: {e['detail']}" for e in errors[:5]), errors=errors)
    now = now or datetime.now(UTC)
    ext = external_id(principal, pairs, idempotency_key, now)
    stored = [*pairs, (adapter.EXTERNAL_ID_FIELD, ext)]
    delivery = Delivery(
        body=urlencode(stored).encode(),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
        url=url,
        context={
            "api_key_name": principal.name,
            "api_key_id": principal.id,
            "api_key_role": principal.role,
            "service_name": service["name"],
        },
    )
    async with db.raw() as conn:
        delivery_id = await archive(
            conn, channel=adapter.CHANNEL, endpoint=adapter.ENDPOINT, delivery=delivery
        )
        results = await pipeline.run(delivery_id, adapter.CHANNEL, adapter.ADAPTER, delivery, conn=conn)
    result = results[0] if results else {"action": "failed"}
    answer: dict[str, Any] = {}
    if result.get("action") in ("created", "duplicate") and result.get("ticket"):
        answer["service_request_id"] = result["ticket"]
        status_code = 201 if result["action"] == "created" else 200
    else:
        answer["token"] = str(delivery_id)
        status_code = 202
    answer["service_notice"] = service_notice(service)
    answer["account_id"] = fields.get("account_id")
    return Submitted(status_code, answer)

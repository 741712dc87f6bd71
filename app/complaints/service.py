"""The rules of complaints: who sees what, how one moves through the lifecycle, comments,
reporter corrections, and the views the API answers.

Visibility is app.auth.policy's (this module asks it, never decides itself); every status move is
checked by ``lifecycle.check_transition``; every change writes its history through
``app.complaints.history`` and its audit entry through ``app.auth.audit``. The SQL is
``app.complaints.repository``'s. Functions take a connection the caller opened (and, for writes,
a transaction the caller owns): services never commit; the request commits.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson

from app.auth import audit, policy
from app.complaints import export, history, lifecycle, repository

# Importable from here as before (their home is the repository now).
from app.complaints.repository import COLUMNS, RETURNING, ListFilter  # noqa: F401
from app.complaints.schemas import ComplaintFilters, ReporterPatch
from app.core import pagination
from app.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.core.media_links import MediaSigner, signed_attachments
from app.core.pii import mask_pii
from app.core.preconditions import check_version
from app.core.security import Principal


class ComplaintNotFound(NotFound):
    slug = "complaint-not-found"
    title = "Complaint not found"


class ReporterNotFound(NotFound):
    slug, title = "reporter-not-found", "Reporter not found"


# Cursors of lists ordered by (created_at, id) descending: app.core.pagination.
encode_cursor = pagination.encode_time_id
decode_cursor = pagination.decode_time_id

# --------------------------------------------------------------------------- read


def complaint_view(row: asyncpg.Record | dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """The officer view of a complaint (without reporter and events)."""
    status = row["status"]
    location = None
    if row["lat"] is not None:
        location = {
            "lat": row["lat"],
            "lon": row["lon"],
            "accuracy_m": row["accuracy_m"],
            "address": row["address"],
        }
    return {
        "id": row["id"],
        "ticket": row["ticket"],
        "channel": row["channel"],
        "external_id": row["external_id"],
        "title": row["title"],
        "description": row["description"],
        "category": row["category"],
        "attachments": row["attachments"],
        "language": row["language"],
        "metadata": row["metadata"],
        "location": location,
        "area": row["area"],
        "privacy": row["privacy"],
        "pii": row["pii"],
        "flags": row["flags"],
        "status": status,
        "status_label": lifecycle.label(status),
        "status_colour": lifecycle.colour(status),
        "unit": row["unit_code"],
        "assignee": row["assignee_id"],
        "due_at": row["due_at"],
        "response_due_at": row["response_due_at"],
        "ews_at": row["ews_at"],
        "sla_state": row["sla_state"],
        "duplicate_of": row["duplicate_of"],
        "version": row["version"],
        "created_at": row["created_at"],
        "received_at": row["received_at"],
        "updated_at": row["updated_at"],
        "allowed_transitions": lifecycle.allowed_next(
            status, resolved_at=row["resolved_at"], now=now or datetime.now(UTC)
        ),
    }


async def fetch_complaint(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    """The complaint whoever asks (no visibility check: ``visible_complaint`` is the caller's)."""
    return await repository.fetch(conn, complaint_id, for_update=for_update)


async def visible_complaint(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> asyncpg.Record:
    """The complaint, when this key may read it (app.auth.policy); else ``ComplaintNotFound``."""
    row = await repository.fetch(conn, complaint_id, for_update=for_update)
    if row is None or not policy.can_read(principal, row):
        # A complaint one may not see is indistinguishable from none (app.auth.policy).
        raise ComplaintNotFound(f"no complaint {complaint_id}")
    return row


async def reporter_view(conn: asyncpg.Connection, reporter_id: uuid.UUID | None) -> dict[str, Any] | None:
    if reporter_id is None:
        return None
    rows = await repository.reporter_rows(conn, reporter_id)
    if not rows:
        return None
    first = rows[0]
    handles = {
        r["kind"]: r["value"]
        for r in rows
        if r["kind"] is not None and r["kind"] not in ("phone", "email", "nik")
    }
    return {
        "id": first["id"],
        "name": first["name"],
        "phone": first["phone"],
        "email": first["email"],
        "nik": first["nik"],
        "handles": handles,
        "version": first["version"],
    }


async def events_view(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, *, public_only: bool = False
) -> list[dict[str, Any]]:
    return [dict(r) for r in await repository.events(conn, complaint_id, public_only=public_only)]


async def full_view(
    conn: asyncpg.Connection, row: asyncpg.Record, principal: Principal, signer: MediaSigner | None = None
) -> dict[str, Any]:
    """One complaint as this key may see it (app.auth.policy): staff get the reporter (not an
    anonymous one below admin; each answer that carries a reporter's personal data is an audited
    read) and the whole history; app and partner keys the public history only. Photos of a
    secret or anonymous complaint come as short-lived signed links (``signer``,
    app.core.media_links): the plain ``/v1/media/...`` URL of such a photo answers 404."""
    view = complaint_view(row)
    if signer is not None and view["attachments"]:
        view["attachments"] = signed_attachments(view["attachments"], signer, row["privacy"])
    staff = policy.sees_internal(principal)
    reporter = None
    if policy.sees_reporter(principal, row):
        reporter = await reporter_view(conn, row["reporter_id"])
        if reporter is not None:
            await audit.record(
                conn, principal, "reporter.read", complaint_id=row["id"], target_type="reporter",
                target_id=reporter["id"],
            )  # fmt: skip
    view["reporter"] = reporter
    view["events"] = await events_view(conn, row["id"], public_only=not staff)
    return view


# --------------------------------------------------------------------------- lifecycle


async def transition(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    *,
    status: str,
    note: str | None,
    public: bool,
    principal: Principal,
    if_match: int,
    duplicate_of: uuid.UUID | None = None,
    now: datetime | None = None,
) -> asyncpg.Record:
    """Move a complaint to ``status``; the row lock makes racing moves serial.

    Of two racing requests carrying the same ``If-Match``, the second sees the
    bumped version and gets 412.
    """
    now = now or datetime.now(UTC)
    row = await visible_complaint(conn, complaint_id, principal, for_update=True)
    check_version(if_match, row["version"])
    if not policy.sees_internal(principal):
        public = True  # a reporter's own move (a reopen) belongs to the public history
    current: str = row["status"]
    lifecycle.check_transition(current, status, resolved_at=row["resolved_at"], now=now, role=principal.role)
    if status == lifecycle.ComplaintStatus.DUPLICATE:
        if duplicate_of is None:
            raise Unprocessable(
                "duplicate_of: name the complaint this one duplicates",
                errors=[{"field": "duplicate_of", "detail": "required with status=duplicate"}],
            )
        target = None if duplicate_of == complaint_id else await repository.fetch(conn, duplicate_of)
        if target is None or not policy.can_read(principal, target):
            raise Unprocessable(
                "duplicate_of: no such other complaint",
                errors=[{"field": "duplicate_of", "detail": "unknown complaint"}],
            )
    updated = await repository.set_status(
        conn, complaint_id, status=status, now=now, duplicate_of=duplicate_of
    )
    if status == lifecycle.ComplaintStatus.DUPLICATE:
        kind = "merged"
    elif current == lifecycle.ComplaintStatus.RESOLVED:
        kind = "reopened"
    else:
        kind = "status_changed"
    await history.append(
        conn,
        complaint_id,
        kind,
        principal.actor,
        note=note,
        public=public,
        from_status=current,
        to_status=str(status),
        data={"duplicate_of": str(duplicate_of)} if duplicate_of else None,
    )
    await audit.record(
        conn,
        principal,
        "complaint.transition",
        complaint_id=complaint_id,
        target_type="complaint",
        target_id=complaint_id,
        data={"from": current, "to": str(status), "version": updated["version"], "public": public,
              **({"duplicate_of": str(duplicate_of)} if duplicate_of else {})},
    )  # fmt: skip
    return updated


async def add_comment(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, *, note: str, public: bool, principal: Principal
) -> dict[str, Any]:
    await visible_complaint(conn, complaint_id, principal, for_update=True)
    await repository.touch(conn, complaint_id)
    event = await history.append(conn, complaint_id, "comment", principal.actor, note=note, public=public)
    await audit.record(
        conn, principal, "complaint.comment", complaint_id=complaint_id, target_type="complaint_event",
        target_id=event["id"], data={"public": public},
    )  # fmt: skip
    return event


# --------------------------------------------------------------------------- listing


def _check_window(value: datetime | None, name: str) -> None:
    if value is None:
        return
    if value.tzinfo is None:
        raise Unprocessable(
            f"{name}: give a UTC offset", errors=[{"field": name, "detail": "naive datetime"}]
        )
    if not 1900 <= value.year <= 9000:
        raise Unprocessable(
            f"{name}: a date between the years 1900 and 9000",
            errors=[{"field": name, "detail": "out of range"}],
        )


async def list_complaints(
    conn: asyncpg.Connection,
    principal: Principal,
    filters: ComplaintFilters,
    *,
    limit: int,
    cursor: str | None,
) -> bytes:
    """One page of ``GET /v1/complaints`` as JSON bytes (rendered by PostgreSQL): the complaints
    meeting ``filters`` that this key may read (app.auth.policy), newest first."""
    flt = _visible_filter(principal, filters)
    return await repository.list_complaints_json(conn, flt, limit=limit, cursor=cursor)


def _visible_filter(principal: Principal, filters: ComplaintFilters) -> ListFilter:
    """The WHERE clause of the list: ``filters`` and what this key may read (app.auth.policy)."""
    _check_window(filters.created_from, "created_from")
    _check_window(filters.created_to, "created_to")
    flt = repository.complaint_filter(filters)
    policy.read_clause(principal, flt.add)
    return flt


class ExportTooLarge(Unprocessable):
    slug, title = "export-too-large", "The export would hold too many rows"


def check_export(principal: Principal) -> None:
    """The CSV export is for staff keys (officer, supervisor, admin); app and partner keys list
    what they submitted as JSON."""
    if principal.role not in policy.STAFF_ROLES:
        raise Forbidden(
            f"role {principal.role!r} may not export complaints; needs one of: "
            + ", ".join(sorted(policy.STAFF_ROLES))
        )


async def prepare_export(
    conn: asyncpg.Connection,
    principal: Principal,
    filters: ComplaintFilters,
    *,
    limit: int | None,
    cursor: str | None,
) -> tuple[ListFilter, int]:
    """Everything of ``GET /v1/complaints`` as CSV before the first byte: the key may export
    (``check_export``), the filters are valid, the export is within ``export.EXPORT_MAX_ROWS``
    (without ``limit``: counted, and refused with 422 when over), and it is audited
    (``complaints.export``, with the filters; the row count is known only when the stream ends,
    so app.complaints.export logs it). Answers the clause and the row limit for
    ``export.stream_csv``."""
    check_export(principal)
    flt = _visible_filter(principal, filters)
    if limit is None:
        limit = export.EXPORT_MAX_ROWS
        n = await repository.count_up_to(conn, flt, cursor=cursor, at_most=limit + 1)
        if n > limit:
            raise ExportTooLarge(
                f"the export would hold more than {limit} rows; narrow the filters (created_from, "
                f"created_to, status ...) or give limit= (at most {limit})",
                errors=[{"field": "limit", "detail": f"more than {limit} rows match"}],
                max_rows=limit,
            )
        given = None
    else:
        given = limit
    await audit.record(
        conn,
        principal,
        "complaints.export",
        target_type="complaints",
        data={
            "format": "csv",
            "filters": {k: v for k, v in dataclasses.asdict(filters).items() if v is not None},
            "limit": given,
            "cursor": cursor is not None,
        },
    )
    return flt, limit


# --------------------------------------------------------------------------- reporters


def reporter_changes(patch: ReporterPatch) -> dict[str, Any]:
    """The fields a correction names (``null`` clears one); 422 when it names none."""
    fields = {k: v for k, v in patch.model_dump(exclude_unset=True).items() if k != "reason"}
    if not fields:
        raise Unprocessable(
            "name those fields to correct", errors=[{"field": "body", "detail": "nothing to change"}]
        )
    return fields


async def _readable_reporter(
    conn: asyncpg.Connection, reporter_id: uuid.UUID, principal: Principal
) -> asyncpg.Record:
    """The reporter, row-locked, when the caller may read one of their complaints and see who
    reported it (an anonymous reporter: admins only); else ``ReporterNotFound``."""
    admin = principal.role == "admin"
    scope = repository.reporter_filter(reporter_id, include_anonymous=admin)
    policy.read_clause(principal, scope.add)
    visible = admin or await repository.any_complaint(conn, scope)
    row = await repository.lock_reporter(conn, reporter_id)
    if row is None or not visible:
        raise ReporterNotFound(f"no reporter {reporter_id}")
    return row


async def correct_reporter(
    conn: asyncpg.Connection,
    reporter_id: uuid.UUID,
    fields: dict[str, Any],
    *,
    reason: str,
    principal: Principal,
    if_match: int,
) -> asyncpg.Record:
    """An officer's correction of a reporter (``fields`` from ``reporter_changes``), audited with
    the old and new values. A phone, email or NIK moves with it in ``reporter_identities``; one
    that another reporter has is 409 (merge them instead)."""
    current = await _readable_reporter(conn, reporter_id, principal)
    check_version(if_match, current["version"])
    for kind in ("phone", "email", "nik"):
        if kind not in fields or fields[kind] == current[kind]:
            continue
        if current[kind] is not None:
            await repository.release_identity(conn, reporter_id, kind, current[kind])
        if fields[kind] is not None and not await repository.claim_identity(
            conn, reporter_id, kind, fields[kind]
        ):
            raise Conflict(f"{kind}: another reporter has it; merge them instead of copying it")
    row = await repository.update_reporter(conn, reporter_id, fields)
    await audit.record(
        conn,
        principal,
        "reporter.update",
        target_type="reporter",
        target_id=reporter_id,
        data={"reason": reason, "old": {k: current[k] for k in fields}, "new": fields},
    )
    return row


# --------------------------------------------------------------------------- catalogue


async def categories(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """The active categories of the service catalogue, by code."""
    return [dict(r) for r in await repository.active_categories(conn)]


# --------------------------------------------------------------------------- public tracking


def area_name(area: dict[str, Any] | None, level: str) -> str | None:
    name: str | None = ((area or {}).get(level) or {}).get("name")
    return name


def public_location(row: Any) -> dict[str, float] | None:
    """The point the public sees: an anonymous report's rounded to ~110 m, so that it does not
    lead to the reporter's door (tracking page, map, nearby)."""
    if row["lat"] is None:
        return None
    if row["privacy"] == "public":
        return {"lat": row["lat"], "lon": row["lon"]}
    return {"lat": round(row["lat"], 3), "lon": round(row["lon"], 3)}


async def track(conn: asyncpg.Connection, ticket: str) -> dict[str, Any] | None:
    row = await repository.track_row(conn, ticket)
    if row is None:
        return None
    events = orjson.loads(row["timeline"])
    location = public_location(row)
    timeline = []
    for e in events:
        st = e["to_status"]
        timeline.append(
            {
                "at": e["at"],
                "kind": e["kind"],
                "status": st,
                "status_label": lifecycle.label(st) if st else None,
                "note": mask_pii(e["note"]) if e["note"] else None,
            }
        )
    status = row["status"]
    area = row["area"]
    return {
        "ticket": row["ticket"],
        "status": status,
        "status_label": lifecycle.label(status),
        "colour": lifecycle.colour(status),
        "category": row["category"],
        "category_name": row["category_name"],
        "title": mask_pii(row["title"]) if row["title"] else None,
        "description": mask_pii(row["description"]),
        "kelurahan": area_name(area, "kelurahan"),
        "kecamatan": area_name(area, "kecamatan"),
        "kota": area_name(area, "kota"),
        # The unit handling it, never the officer: citizens see the office, not a person.
        "unit": row["unit_name"],
        "location": location,
        "address": mask_pii(row["address"]) if row["address"] and row["privacy"] == "public" else None,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "timeline": timeline,
        "supports": row["supports"],
        # The date the unit announced (EWS), else the SLA's due date, while it is open.
        "expected_at": (row["ews_at"] or row["due_at"]) if status in lifecycle.OPEN_STATUSES else None,
        "resolved_at": row["resolved_at"],
        "photos": public_photos(row["attachments"]),
    }


def public_photos(attachments_json: str | None) -> list[dict[str, Any]]:
    """The images of a public complaint (``attachments_json`` is None for any other): URL and
    caption, PII-masked; nothing else of the attachment (file names can carry names)."""
    if not attachments_json:
        return []
    photos = []
    for a in orjson.loads(attachments_json):
        url = a.get("url") if isinstance(a, dict) else None
        if not isinstance(url, str) or not url.startswith(("/v1/media/", "https://")):
            continue
        media_type = str(a.get("media_type") or "")
        if media_type and not media_type.startswith("image/"):
            continue
        caption = a.get("caption")
        photos.append({"url": url, "caption": mask_pii(caption) if isinstance(caption, str) else None})
    return photos

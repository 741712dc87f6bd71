"""The rules of complaints: create, read, move through the lifecycle, comment.

Hot paths (create, read by id, list, track) are plain SQL on the raw asyncpg
connection (prepared and cached by asyncpg). Functions here take a connection
the caller opened (and, for writes, a transaction the caller owns): services
never commit; the request commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson

from app.auth import audit, policy
from app.complaints import lifecycle
from app.core import pagination
from app.core.errors import NotFound, Unprocessable
from app.core.http import json_text
from app.core.media_links import signed_attachments
from app.core.pii import mask_pii
from app.core.preconditions import check_version
from app.core.security import Principal

COLUMNS = (
    "c.id, c.ticket, c.channel, c.external_id, c.title, c.description, c.category, c.attachments, c.language, "
    "c.metadata, c.lat, c.lon, c.accuracy_m, c.address, c.area, c.privacy, c.pii, c.flags, c.status, "
    "c.unit_code, c.assignee_id, c.due_at, c.response_due_at, c.ews_at, c.sla_state, c.duplicate_of, "
    "c.version, c.created_at, c.received_at, c.updated_at, c.resolved_at, c.reporter_id, c.created_by"
)
RETURNING = COLUMNS.replace("c.", "")


class ComplaintNotFound(NotFound):
    slug = "complaint-not-found"
    title = "Complaint not found"


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


async def fetch_complaint(conn: asyncpg.Connection, complaint_id: uuid.UUID, *, for_update: bool = False):
    sql = f"SELECT {COLUMNS} FROM complaints c WHERE c.id = $1" + (" FOR UPDATE" if for_update else "")
    return await conn.fetchrow(sql, complaint_id)


async def visible_complaint(conn: asyncpg.Connection, complaint_id: uuid.UUID, principal: Principal, **kw):
    row = await fetch_complaint(conn, complaint_id, **kw)
    if row is None or not policy.can_read(principal, row):
        # A complaint one may not see is indistinguishable from none (app.auth.policy).
        raise ComplaintNotFound(f"no complaint {complaint_id}")
    return row


async def reporter_view(conn: asyncpg.Connection, reporter_id: uuid.UUID | None) -> dict[str, Any] | None:
    if reporter_id is None:
        return None
    rows = await conn.fetch(
        "SELECT r.id, r.name, r.phone, r.email, r.nik, r.version, i.kind, i.value FROM reporters r "
        "LEFT JOIN reporter_identities i ON i.reporter_id = r.id WHERE r.id = $1",
        reporter_id,
    )
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
    rows = await conn.fetch(
        "SELECT id, kind, actor, from_status, to_status, note, public, data, created_at "
        "FROM complaint_events WHERE complaint_id = $1 AND (public OR NOT $2) ORDER BY id",
        complaint_id,
        public_only,
    )
    return [dict(r) for r in rows]


async def full_view(
    conn: asyncpg.Connection, row: asyncpg.Record, principal: Principal, signer: Any = None
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


async def append_event(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    kind: str,
    actor: str,
    *,
    note: str | None = None,
    public: bool = False,
    from_status: str | None = None,
    to_status: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO complaint_events (complaint_id, kind, actor, from_status, to_status, note, public, data) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
        complaint_id,
        kind,
        actor,
        from_status,
        to_status,
        note,
        public,
        json_text(data or {}),
    )


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
    current = row["status"]
    lifecycle.check_transition(current, status, resolved_at=row["resolved_at"], now=now, role=principal.role)
    if status == "duplicate":
        if duplicate_of is None:
            raise Unprocessable(
                "duplicate_of: name the complaint this one duplicates",
                errors=[{"field": "duplicate_of", "detail": "required with status=duplicate"}],
            )
        target = None if duplicate_of == complaint_id else await fetch_complaint(conn, duplicate_of)
        if target is None or not policy.can_read(principal, target):
            raise Unprocessable(
                "duplicate_of: no such other complaint",
                errors=[{"field": "duplicate_of", "detail": "unknown complaint"}],
            )
    updated = await conn.fetchrow(
        f"UPDATE complaints SET status = $2::text, version = version + 1, updated_at = $3, "
        f"resolved_at = CASE WHEN $2::text = 'resolved' THEN $3 ELSE resolved_at END, "
        f"duplicate_of = COALESCE($4, duplicate_of) WHERE id = $1 RETURNING {RETURNING}",
        complaint_id,
        status,
        now,
        duplicate_of,
    )
    kind = "merged" if status == "duplicate" else ("reopened" if current == "resolved" else "status_changed")
    await append_event(
        conn,
        complaint_id,
        kind,
        principal.actor,
        note=note,
        public=public,
        from_status=current,
        to_status=status,
        data={"duplicate_of": str(duplicate_of)} if duplicate_of else None,
    )
    await audit.record(
        conn,
        principal,
        "complaint.transition",
        complaint_id=complaint_id,
        target_type="complaint",
        target_id=complaint_id,
        data={"from": current, "to": status, "version": updated["version"], "public": public,
              **({"duplicate_of": str(duplicate_of)} if duplicate_of else {})},
    )  # fmt: skip
    return updated


async def add_comment(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, *, note: str, public: bool, principal: Principal
) -> dict[str, Any]:
    await visible_complaint(conn, complaint_id, principal, for_update=True)
    await conn.execute("UPDATE complaints SET updated_at = now() WHERE id = $1", complaint_id)
    row = await conn.fetchrow(
        "INSERT INTO complaint_events (complaint_id, kind, actor, note, public) VALUES ($1, 'comment', $2, $3, $4) "
        "RETURNING id, kind, actor, from_status, to_status, note, public, data, created_at",
        complaint_id,
        principal.actor,
        note,
        public,
    )
    await audit.record(
        conn, principal, "complaint.comment", complaint_id=complaint_id, target_type="complaint_event",
        target_id=row["id"], data={"public": public},
    )  # fmt: skip
    return dict(row)


# --------------------------------------------------------------------------- listing


# Cursors of lists ordered by (created_at, id) descending: app.core.pagination.
encode_cursor = pagination.encode_time_id
decode_cursor = pagination.decode_time_id


class ListFilter:
    """Builds the WHERE clause of ``GET /v1/complaints`` with numbered parameters."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *values: Any) -> None:
        # clause uses {} placeholders, one per value
        nums = []
        for v in values:
            self.params.append(v)
            nums.append(f"${len(self.params)}")
        self.clauses.append(clause.format(*nums))

    def any_of(self, column: str, values: Iterable[str] | None) -> None:
        vals = [v for v in (values or []) if v]
        if len(vals) == 1:
            self.add(f"{column} = {{}}", vals[0])
        elif vals:
            self.add(f"{column} = ANY({{}}::text[])", vals)


def _sql_text_case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"CASE {column} {whens} END"


def _allowed_sql() -> str:
    """``lifecycle.allowed_next`` as SQL, generated from the one transition table."""
    whens = []
    for status in lifecycle.STATUSES:
        always = lifecycle.allowed_next(status, resolved_at=datetime.now(UTC), now=datetime.now(UTC))
        if status == "resolved":
            window = f"{int(lifecycle.REOPEN_WINDOW.total_seconds())} seconds"
            whens.append(
                f"WHEN 'resolved' THEN CASE WHEN c.resolved_at >= now() - interval '{window}' "
                f"THEN '{orjson.dumps(always).decode()}'::json ELSE '[]'::json END"
            )
        else:
            whens.append(f"WHEN '{status}' THEN '{orjson.dumps(always).decode()}'::json")
    return f"CASE c.status {' '.join(whens)} END"


# The list view built by PostgreSQL: the same document as ``complaint_view`` (a
# test holds them equal), without decoding 50 rows into Python and back.
VIEW_JSON_SQL = f"""json_build_object(
  'id', c.id, 'ticket', c.ticket, 'channel', c.channel, 'external_id', c.external_id, 'title', c.title,
  'description', c.description, 'category', c.category, 'attachments', c.attachments, 'language', c.language,
  'metadata', c.metadata,
  'location', CASE WHEN c.lat IS NULL THEN NULL ELSE
     json_build_object('lat', c.lat, 'lon', c.lon, 'accuracy_m', c.accuracy_m, 'address', c.address) END,
  'area', c.area, 'privacy', c.privacy, 'pii', c.pii, 'flags', to_json(c.flags), 'status', c.status,
  'status_label', {_sql_text_case("c.status", {k: v.label for k, v in lifecycle.STATUSES.items()})},
  'status_colour', {_sql_text_case("c.status", {k: v.colour for k, v in lifecycle.STATUSES.items()})},
  'unit', c.unit_code, 'assignee', c.assignee_id, 'due_at', c.due_at, 'response_due_at', c.response_due_at,
  'ews_at', c.ews_at, 'sla_state', c.sla_state, 'duplicate_of', c.duplicate_of, 'version', c.version,
  'created_at', c.created_at, 'received_at', c.received_at, 'updated_at', c.updated_at,
  'allowed_transitions', {_allowed_sql()})::text"""


async def list_complaints_json(
    conn: asyncpg.Connection, flt: ListFilter, *, limit: int, cursor: str | None
) -> bytes:
    """``{"items": [...], "next_cursor": ...}`` as bytes, the items rendered by PostgreSQL."""
    if cursor:
        ts, cid = decode_cursor(cursor)
        flt.add("(c.created_at, c.id) < ({}, {})", ts, cid)
    where = (" WHERE " + " AND ".join(flt.clauses)) if flt.clauses else ""
    flt.params.append(limit + 1)
    sql = (
        f"SELECT {VIEW_JSON_SQL} AS doc, c.created_at, c.id FROM complaints c{where} "
        f"ORDER BY c.created_at DESC, c.id DESC LIMIT ${len(flt.params)}"
    )
    rows = await conn.fetch(sql, *flt.params)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1]["created_at"], rows[-1]["id"])
    items = ",".join(r["doc"] for r in rows)
    return b'{"items":[' + items.encode() + b'],"next_cursor":' + orjson.dumps(next_cursor) + b"}"


# --------------------------------------------------------------------------- public tracking

# One round trip: the complaint and its public timeline.
TRACK_SQL = """
SELECT c.id, c.ticket, c.status, c.category, cat.name AS category_name, c.title, c.description, c.area,
       c.unit_code, u.name AS unit_name, c.lat, c.lon, c.address, c.privacy, c.created_at, c.updated_at,
       (SELECT coalesce(json_agg(json_build_object(
                  'kind', e.kind, 'to_status', e.to_status,
                  'note', CASE WHEN e.public THEN e.note END, 'at', e.created_at) ORDER BY e.id), '[]')::text
          FROM complaint_events e
         WHERE e.complaint_id = c.id AND (e.public OR e.kind IN ('status_changed', 'reopened', 'merged'))
           AND e.kind IN ('created', 'status_changed', 'reopened', 'merged', 'comment', 'follow_up', 'routed')
       ) AS timeline
FROM complaints c LEFT JOIN categories cat ON cat.code = c.category
LEFT JOIN units u ON u.code = c.unit_code
WHERE c.ticket = $1 AND c.privacy <> 'secret'
"""


def _area_name(area: dict[str, Any] | None, level: str) -> str | None:
    return ((area or {}).get(level) or {}).get("name")


async def track(conn: asyncpg.Connection, ticket: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(TRACK_SQL, ticket)
    if row is None:
        return None
    events = orjson.loads(row["timeline"])
    location = None
    if row["lat"] is not None:
        if row["privacy"] == "public":
            location = {"lat": row["lat"], "lon": row["lon"]}
        else:
            # An anonymous report must not lead to the reporter's door: ~110 m.
            location = {"lat": round(row["lat"], 3), "lon": round(row["lon"], 3)}
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
        "kelurahan": _area_name(area, "kelurahan"),
        "kecamatan": _area_name(area, "kecamatan"),
        "kota": _area_name(area, "kota"),
        # The unit handling it, never the officer: citizens see the office, not a person.
        "unit": row["unit_name"],
        "location": location,
        "address": mask_pii(row["address"]) if row["address"] and row["privacy"] == "public" else None,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "timeline": timeline,
    }

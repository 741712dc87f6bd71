"""The SQL of complaints: every statement app.complaints runs, and nothing else.

Functions take an asyncpg connection the caller opened (and, for writes, a transaction the caller
owns) and answer rows; the rules (who may see what, which move is allowed, what is audited) are
``app.complaints.service``'s. Hot paths (read by id, list, track) are plain SQL on the raw
connection (prepared and cached by asyncpg); the list and the public tracking are rendered to JSON
by PostgreSQL. The history is written by ``app.complaints.history`` only.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson

from app.complaints import lifecycle
from app.complaints.schemas import ComplaintFilters
from app.core import pagination

# Every column of a complaint the views need, over ``complaints c`` (the intake's insert and the
# assignment's updates answer ``RETURNING``, the same columns without the alias).
COLUMNS = (
    "c.id, c.ticket, c.channel, c.external_id, c.title, c.description, c.category, c.attachments, c.language, "
    "c.metadata, c.lat, c.lon, c.accuracy_m, c.address, c.area, c.privacy, c.pii, c.flags, c.status, "
    "c.unit_code, c.assignee_id, c.due_at, c.response_due_at, c.ews_at, c.sla_state, c.duplicate_of, "
    "c.version, c.created_at, c.received_at, c.updated_at, c.resolved_at, c.reporter_id, c.created_by"
)
RETURNING = COLUMNS.replace("c.", "")

# --------------------------------------------------------------------------- one complaint

_FETCH = f"SELECT {COLUMNS} FROM complaints c WHERE c.id = $1"
_FETCH_FOR_UPDATE = _FETCH + " FOR UPDATE"


async def fetch(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    """The complaint (``COLUMNS``), row-locked with ``for_update``; None when there is none."""
    return await conn.fetchrow(_FETCH_FOR_UPDATE if for_update else _FETCH, complaint_id)


async def tickets_of(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The ticket code of each complaint id."""
    rows = await conn.fetch("SELECT id, ticket FROM complaints WHERE id = ANY($1::uuid[])", ids)
    return {r["id"]: r["ticket"] for r in rows}


async def reporter_rows(conn: asyncpg.Connection, reporter_id: uuid.UUID) -> list[asyncpg.Record]:
    """The reporter, one row per identity (``kind``, ``value``; NULL when there is none)."""
    return await conn.fetch(
        "SELECT r.id, r.name, r.phone, r.email, r.nik, r.version, i.kind, i.value FROM reporters r "
        "LEFT JOIN reporter_identities i ON i.reporter_id = r.id WHERE r.id = $1",
        reporter_id,
    )


async def events(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, *, public_only: bool = False
) -> list[asyncpg.Record]:
    """The complaint's history, oldest first (the public events only with ``public_only``)."""
    return await conn.fetch(
        "SELECT id, kind, actor, from_status, to_status, note, public, data, created_at "
        "FROM complaint_events WHERE complaint_id = $1 AND (public OR NOT $2) ORDER BY id",
        complaint_id,
        public_only,
    )


# --------------------------------------------------------------------------- lifecycle


async def set_status(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    *,
    status: str,
    now: datetime,
    duplicate_of: uuid.UUID | None,
) -> asyncpg.Record:
    """Write a status move (the version bumps; ``resolved`` stamps ``resolved_at``); answers the
    complaint as it is now (``RETURNING``)."""
    row = await conn.fetchrow(
        f"UPDATE complaints SET status = $2::text, version = version + 1, updated_at = $3, "
        f"resolved_at = CASE WHEN $2::text = 'resolved' THEN $3 ELSE resolved_at END, "
        f"duplicate_of = COALESCE($4, duplicate_of) WHERE id = $1 RETURNING {RETURNING}",
        complaint_id,
        status,
        now,
        duplicate_of,
    )
    if row is None:  # the caller holds the row lock: it cannot have gone
        raise LookupError(f"no complaint {complaint_id}")
    return row


async def touch(conn: asyncpg.Connection, complaint_id: uuid.UUID) -> None:
    """Mark the complaint updated now (a comment moves ``updated_at``, not the version)."""
    await conn.execute("UPDATE complaints SET updated_at = now() WHERE id = $1", complaint_id)


# --------------------------------------------------------------------------- listing


class ListFilter:
    """Builds a WHERE clause over ``complaints c`` with numbered parameters."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []
        # With a text search (``q``): the SQL of its rank, over ``c`` and this filter's parameters.
        self.rank: str | None = None

    def copy(self) -> ListFilter:
        """An independent copy (a statement built from it adds its cursor and limit to the copy)."""
        other = ListFilter()
        other.clauses = list(self.clauses)
        other.params = list(self.params)
        other.rank = self.rank
        return other

    @property
    def where(self) -> str:
        return (" WHERE " + " AND ".join(self.clauses)) if self.clauses else ""

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


# Full-text search (``q``): PostgreSQL's built-in ``indonesian`` configuration (Snowball's
# Indonesian stemmer: "diperbaiki", "perbaikan" and "memperbaiki" are all ``baik``; it has no
# stop-word list), over the stored ``complaints.search`` (title, description, address; migration
# 0011) and its GIN index ``ix_complaints_search``. ``websearch_to_tsquery`` reads what people
# type into a search box ("jalan rusak" as a phrase, ``OR``, ``-word``) and never raises on odd
# input. A ``q`` without a single word in it (only punctuation or emoji) becomes the empty query,
# which matches nothing: such a search answers an empty list (a search is a filter; nothing in it
# matches nothing), never every complaint and never an error.
SEARCH_CONFIG = "indonesian"


def _tsquery(param: str) -> str:
    return f"websearch_to_tsquery('{SEARCH_CONFIG}', {param})"


def complaint_filter(f: ComplaintFilters) -> ListFilter:
    """The WHERE clause of ``GET /v1/complaints`` for these filters (visibility is added by the
    caller, from app.auth.policy)."""
    flt = ListFilter()
    flt.any_of("c.status", f.status)
    flt.any_of("c.channel", f.channel)
    flt.any_of("c.category", f.category)
    if f.privacy:
        flt.add("c.privacy = {}", f.privacy)
    if f.external_id:
        flt.add("c.external_id = {}", f.external_id)
    if f.created_from:
        flt.add("c.created_at >= {}", f.created_from)
    if f.created_to:
        flt.add("c.created_at < {}", f.created_to)
    if f.q:
        flt.add(f"c.search @@ {_tsquery('{}')}", f.q)
        # cover density: more and closer occurrences of the words rank higher
        flt.rank = f"ts_rank_cd(c.search, {_tsquery(f'${len(flt.params)}')})"
    if f.area:
        level = {2: "c.kota_code", 3: "c.kecamatan_code"}.get(f.area.count(".") + 1, "c.kelurahan_code")
        flt.add(f"{level} = {{}}", f.area)
    if f.unit:
        flt.add("c.unit_code = {}", f.unit)
    if f.assignee:
        flt.add("c.assignee_id = {}", f.assignee)
    if f.sla_state:
        flt.add("c.sla_state = {}", f.sla_state)
    if f.unassigned is True:
        flt.clauses.append("c.assignee_id IS NULL")
    elif f.unassigned is False:
        flt.clauses.append("c.assignee_id IS NOT NULL")
    return flt


def _sql_text_case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"CASE {column} {whens} END"


def _allowed_sql() -> str:
    """``lifecycle.allowed_next`` as SQL, generated from the one transition table."""
    whens = []
    for status in lifecycle.STATUSES:
        always = lifecycle.allowed_next(status, resolved_at=datetime.now(UTC), now=datetime.now(UTC))
        if status == lifecycle.ComplaintStatus.RESOLVED:
            window = f"{int(lifecycle.REOPEN_WINDOW.total_seconds())} seconds"
            whens.append(
                f"WHEN '{status}' THEN CASE WHEN c.resolved_at >= now() - interval '{window}' "
                f"THEN '{orjson.dumps(always).decode()}'::json ELSE '[]'::json END"
            )
        else:
            whens.append(f"WHEN '{status}' THEN '{orjson.dumps(always).decode()}'::json")
    return f"CASE c.status {' '.join(whens)} END"


# The list view built by PostgreSQL: the same document as ``service.complaint_view`` (a test
# holds them equal), without decoding 50 rows into Python and back.
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


# Paging. Without ``q`` the list is ordered by ``(created_at, id)`` descending and the cursor
# (app.core.pagination's time-id cursor) is the last row's key. With ``q`` it is ordered by the
# rank first, so the cursor carries the rank too: ``(rank, created_at, id)``, a keyset again
# (no offset: complaints arriving while one pages neither shift nor repeat a page). The rank is a
# ``real``; its Python float (a double) holds it exactly and ``repr`` writes it back exactly, so
# the comparison with ``$n::real`` lands on the same row. A cursor of one kind given to the other
# kind of list is 422 (a different number of parts).


def encode_rank_cursor(rank: float, at: datetime, row_id: uuid.UUID) -> str:
    return pagination.encode(repr(rank), at.isoformat(), str(row_id))


def decode_rank_cursor(cursor: str) -> tuple[float, datetime, uuid.UUID]:
    rank, ts, rid = pagination.decode(cursor, 3)
    try:
        value = float(rank)
        if not math.isfinite(value):
            raise ValueError(rank)
        return value, datetime.fromisoformat(ts), uuid.UUID(rid)
    except ValueError:
        raise pagination.invalid_cursor() from None


def _keyset(flt: ListFilter, cursor: str | None) -> str:
    """Add the cursor's condition to ``flt`` (continue strictly after its row); answers the
    ``ORDER BY`` of the list."""
    if flt.rank is not None:
        if cursor:
            rank, ts, cid = decode_rank_cursor(cursor)
            flt.add(f"({flt.rank}, c.created_at, c.id) < ({{}}::real, {{}}, {{}})", rank, ts, cid)
        return f" ORDER BY {flt.rank} DESC, c.created_at DESC, c.id DESC"
    if cursor:
        ts, cid = pagination.decode_time_id(cursor)
        flt.add("(c.created_at, c.id) < ({}, {})", ts, cid)
    return " ORDER BY c.created_at DESC, c.id DESC"


def list_statement(flt: ListFilter, *, limit: int, cursor: str | None) -> tuple[str, list[Any]]:
    """The page's statement and parameters (``flt`` is not changed): ``limit + 1`` rows of
    ``doc`` (the item as JSON text), ``created_at``, ``id`` and ``rank`` (NULL without ``q``)."""
    flt = flt.copy()
    order = _keyset(flt, cursor)
    flt.params.append(limit + 1)
    rank = flt.rank or "NULL::real"
    sql = (
        f"SELECT {VIEW_JSON_SQL} AS doc, c.created_at, c.id, {rank} AS rank FROM complaints c{flt.where}"
        f"{order} LIMIT ${len(flt.params)}"
    )
    return sql, flt.params


async def list_complaints_json(
    conn: asyncpg.Connection, flt: ListFilter, *, limit: int, cursor: str | None
) -> bytes:
    """``{"items": [...], "next_cursor": ...}`` as bytes, the items rendered by PostgreSQL, newest
    first by ``(created_at, id)`` (with ``q``: best rank first, then newest); the cursor continues
    after its row."""
    sql, params = list_statement(flt, limit=limit, cursor=cursor)
    rows = await conn.fetch(sql, *params)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        if flt.rank is not None:
            next_cursor = encode_rank_cursor(last["rank"], last["created_at"], last["id"])
        else:
            next_cursor = pagination.encode_time_id(last["created_at"], last["id"])
    items = ",".join(r["doc"] for r in rows)
    return b'{"items":[' + items.encode() + b'],"next_cursor":' + orjson.dumps(next_cursor) + b"}"


# --------------------------------------------------------------------------- export (text/csv)

# The columns of the CSV export, in order: no reporter (name, phone, email, NIK are not in it).
# kota, kecamatan and kelurahan are the area's names; unit and assignee its code and officer id.
EXPORT_COLUMNS = (
    "id", "ticket", "created_at", "channel", "category", "status", "privacy", "title", "description",
    "kota", "kecamatan", "kelurahan", "unit", "assignee", "due_at", "resolved_at", "lat", "lon", "supports",
)  # fmt: skip
_EXPORT_SELECT = (
    "c.id, c.ticket, c.created_at, c.channel, c.category, c.status, c.privacy, c.title, c.description, "
    "c.area->'kota'->>'name' AS kota, c.area->'kecamatan'->>'name' AS kecamatan, "
    "c.area->'kelurahan'->>'name' AS kelurahan, c.unit_code AS unit, c.assignee_id AS assignee, c.due_at, "
    "c.resolved_at, c.lat, c.lon, c.supports"
)


def export_statement(flt: ListFilter, *, limit: int, cursor: str | None) -> tuple[str, list[Any]]:
    """The export's statement: the rows of ``EXPORT_COLUMNS`` the list would answer for ``flt``
    and ``cursor``, in the list's order, at most ``limit`` (``flt`` is not changed)."""
    flt = flt.copy()
    order = _keyset(flt, cursor)
    flt.params.append(limit)
    sql = f"SELECT {_EXPORT_SELECT} FROM complaints c{flt.where}{order} LIMIT ${len(flt.params)}"
    return sql, flt.params


async def count_up_to(conn: asyncpg.Connection, flt: ListFilter, *, cursor: str | None, at_most: int) -> int:
    """How many complaints meet ``flt`` after ``cursor``, counting no further than ``at_most``."""
    flt = flt.copy()
    _keyset(flt, cursor)
    flt.params.append(at_most)
    sql = f"SELECT count(*) FROM (SELECT 1 FROM complaints c{flt.where} LIMIT ${len(flt.params)}) s"
    n: int = await conn.fetchval(sql, *flt.params)
    return n


async def export_rows(
    conn: asyncpg.Connection, flt: ListFilter, *, limit: int, cursor: str | None, prefetch: int
) -> AsyncIterator[asyncpg.Record]:
    """The export's rows through a server-side cursor, ``prefetch`` rows per round trip: never the
    whole result in memory. ``conn`` must be in a transaction (the caller's)."""
    sql, params = export_statement(flt, limit=limit, cursor=cursor)
    async for row in conn.cursor(sql, *params, prefetch=prefetch):
        yield row


# --------------------------------------------------------------------------- public tracking

# One round trip: the complaint and its public timeline.
TRACK_SQL = """
SELECT c.id, c.ticket, c.status, c.category, cat.name AS category_name, c.title, c.description, c.area,
       c.unit_code, u.name AS unit_name, c.lat, c.lon, c.address, c.privacy, c.created_at, c.updated_at,
       c.supports, c.ews_at, c.due_at, c.resolved_at,
       CASE WHEN c.privacy = 'public' THEN c.attachments::text END AS attachments,
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


async def track_row(conn: asyncpg.Connection, ticket: str) -> asyncpg.Record | None:
    """The complaint of a ticket with its public ``timeline`` (JSON text); None for an unknown
    ticket and for a secret complaint alike."""
    return await conn.fetchrow(TRACK_SQL, ticket)


# --------------------------------------------------------------------------- catalogue


async def active_categories(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT code, name, name_en, agency, sla_hours, response_hours FROM categories WHERE active ORDER BY code"
    )


# --------------------------------------------------------------------------- reporters


def reporter_filter(reporter_id: uuid.UUID, *, include_anonymous: bool) -> ListFilter:
    """The complaints of this reporter (anonymous ones only with ``include_anonymous``); the caller
    adds who may read them (app.auth.policy)."""
    flt = ListFilter()
    flt.add("c.reporter_id = {}", reporter_id)
    if not include_anonymous:
        flt.clauses.append("c.privacy <> 'anonymous'")
    return flt


async def any_complaint(conn: asyncpg.Connection, flt: ListFilter) -> bool:
    """Whether some complaint meets ``flt``."""
    where = " AND ".join(flt.clauses) or "TRUE"
    return await conn.fetchval(f"SELECT 1 FROM complaints c WHERE {where} LIMIT 1", *flt.params) is not None


_REPORTER = "id, name, phone, email, nik, version"
# What an officer may correct (PATCH /v1/reporters/{id}): the columns an update may name.
REPORTER_FIELDS = ("name", "phone", "email", "nik")


async def lock_reporter(conn: asyncpg.Connection, reporter_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_REPORTER} FROM reporters WHERE id = $1 FOR UPDATE", reporter_id)


async def release_identity(conn: asyncpg.Connection, reporter_id: uuid.UUID, kind: str, value: str) -> None:
    """The reporter no longer answers to ``(kind, value)``."""
    await conn.execute(
        "DELETE FROM reporter_identities WHERE kind = $1 AND value = $2 AND reporter_id = $3",
        kind,
        value,
        reporter_id,
    )


async def claim_identity(conn: asyncpg.Connection, reporter_id: uuid.UUID, kind: str, value: str) -> bool:
    """Give the reporter ``(kind, value)``; False when another reporter has it."""
    claimed = await conn.fetchval(
        "INSERT INTO reporter_identities (kind, value, reporter_id) VALUES ($1, $2, $3) "
        "ON CONFLICT (kind, value) DO NOTHING RETURNING 1",
        kind,
        value,
        reporter_id,
    )
    return claimed is not None


async def update_reporter(
    conn: asyncpg.Connection, reporter_id: uuid.UUID, fields: dict[str, Any]
) -> asyncpg.Record:
    """Write ``fields`` (names of ``REPORTER_FIELDS``), bump the version; answers the record."""
    unknown = set(fields) - set(REPORTER_FIELDS)
    if unknown or not fields:
        raise ValueError(f"reporter fields: {sorted(unknown) or 'none'}")
    sets = ", ".join(f"{k} = ${i + 2}" for i, k in enumerate(fields))
    row = await conn.fetchrow(
        f"UPDATE reporters SET {sets}, version = version + 1, updated_at = now() WHERE id = $1 "
        f"RETURNING {_REPORTER}",
        reporter_id,
        *fields.values(),
    )
    if row is None:  # the caller holds the row lock: it cannot have gone
        raise LookupError(f"no reporter {reporter_id}")
    return row

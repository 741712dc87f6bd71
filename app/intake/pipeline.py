"""The intake pipeline: every new complaint, from any channel or the API, is written here.

    draft (a channel adapter's or the API's) -> place (``app.intake.placement``: area, category,
    unit, deadlines, the officer pick) -> one statement: reporter, complaint, history, thread keys,
    hand-over and officer pick -> committed by the caller's transaction

``run_intake`` is the hot path: the placement is computed before the transaction opens and the
insert checks that the routing state it came from is still current.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import asyncpg

from app.channels.base import ComplaintDraft, ReporterDraft
from app.complaints.service import COLUMNS, RETURNING
from app.complaints.tickets import new_ticket
from app.core.errors import AppError, Conflict, Unprocessable
from app.core.geohash import encode as geohash
from app.core.http import json_text
from app.core.pii import find_pii, normalise_phone

T = TypeVar("T")


# DKI Jakarta, Kepulauan Seribu included, with a small margin. A point outside
# is accepted (a citizen may report from the border) but flagged for triage.
JAKARTA_BBOX = (-6.40, 106.30, -5.10, 107.00)  # south, west, north, east
RESPONSE_HOURS = 6  # Jakarta: coordinate within 6 hours


class ExternalIdTaken(Conflict):
    slug = "external-id-taken"
    title = "This (channel, external_id) belongs to another submitter"


class UnknownCategory(Unprocessable):
    slug = "unknown-category"
    title = "Unknown category"


class StaleRouting(Exception):  # noqa: N818 - a signal to redo the intake, never answered
    """The routing state changed between placing a complaint and writing it: roll back and
    redo with the new state (``run_intake``)."""

    def __init__(self, revision: Any):
        super().__init__("routing changed while placing a complaint")
        self.revision = revision


def in_service_area(lat: float, lon: float) -> bool:
    s, w, n, e = JAKARTA_BBOX
    return s <= lat <= n and w <= lon <= e


# --------------------------------------------------------------------------- reporters


def reporter_identities(rep: ReporterDraft) -> list[tuple[str, str]]:
    """The ways to recognise this reporter again, normalised."""
    ids: list[tuple[str, str]] = []
    if rep.phone:
        e164 = normalise_phone(rep.phone)
        if e164:
            ids.append(("phone", e164))
    if rep.email:
        ids.append(("email", rep.email.strip().lower()))
    if rep.nik:
        ids.append(("nik", rep.nik))
    for platform, handle in (rep.handles or {}).items():
        if handle:
            value = handle.strip()
            # Screen names and usernames are case-insensitive on every platform we take.
            if not platform.endswith("_id") and not platform.endswith("psid"):
                value = value.lstrip("@").lower()
            ids.append((platform, value))
    return ids


# Find the person by any identity, else create them; fill in what we did not know; learn the
# identities not seen before. CTEs in front of the complaint's insert (``{name}`` ... ``{values}``
# are its parameters), so a report and its reporter are written by one statement.
_REPORTER_CTES = """found AS (
  SELECT reporter_id FROM reporter_identities
  WHERE (kind, value) IN (SELECT * FROM unnest({kinds}::text[], {values}::text[]))
  ORDER BY kind = 'phone' DESC, kind = 'email' DESC LIMIT 1
), created AS (
  INSERT INTO reporters (name, phone, email, nik)
  SELECT {name}::text, {phone}::text, {email}::text, {nik}::text WHERE NOT EXISTS (SELECT 1 FROM found)
  RETURNING id
), updated AS (
  -- A submitter is not verified: a report may fill in what we did not know about the person,
  -- never rewrite what we did (whoever types a known phone number cannot rename its owner or
  -- take over their email). Officers correct a reporter through PATCH /v1/reporters/{{id}}.
  UPDATE reporters SET name = COALESCE(name, {name}), phone = COALESCE(phone, {phone}),
         email = COALESCE(email, {email}), nik = COALESCE(nik, {nik}), updated_at = now()
  WHERE id = (SELECT reporter_id FROM found)
    AND ((name IS NULL AND {name}::text IS NOT NULL) OR (phone IS NULL AND {phone}::text IS NOT NULL)
         OR (email IS NULL AND {email}::text IS NOT NULL) OR (nik IS NULL AND {nik}::text IS NOT NULL))
), me AS (
  SELECT id FROM created UNION ALL SELECT reporter_id FROM found
), learnt AS (
  INSERT INTO reporter_identities (kind, value, reporter_id)
  SELECT k, v, me.id FROM me, unnest({kinds}::text[], {values}::text[]) AS t(k, v)
  ON CONFLICT (kind, value) DO NOTHING RETURNING kind
)"""


def reporter_params(rep: ReporterDraft | None) -> tuple[list[tuple[str, str]], tuple[Any, ...]] | None:
    """The reporter's identities and the six parameters of ``_REPORTER_CTES``, or None when the
    report carries nobody to record."""
    if rep is None:
        return None
    ids = reporter_identities(rep)
    if not ids and not rep.name:
        return None
    phone = next((v for k, v in ids if k == "phone"), None)
    email = next((v for k, v in ids if k == "email"), None)
    return ids, (rep.name, phone, email, rep.nik, [k for k, _ in ids], [v for _, v in ids])


async def join_reporter_race(
    conn: asyncpg.Connection, row: asyncpg.Record, ids: list[tuple[str, str]]
) -> None:
    """Safe under races: identities are a primary key, so when another request created the
    same person between our lookup and our insert (we created a reporter but claimed none
    of the identities), the complaint joins theirs and ours is dropped."""
    if not (row["reporter_is_new"] and ids and row["reporter_claimed"] == 0):
        return
    mine = row["reporter_resolved"]
    winner = await conn.fetchval(
        "SELECT reporter_id FROM reporter_identities WHERE kind = $1 AND value = $2", ids[0][0], ids[0][1]
    )
    if winner is None or winner == mine:
        return
    await conn.execute("UPDATE complaints SET reporter_id = $2 WHERE reporter_id = $1", mine, winner)
    await conn.execute("DELETE FROM reporters WHERE id = $1", mine)


# --------------------------------------------------------------------------- create


# The routing state a placement was computed from must still be current when the complaint is
# written: ``rev`` reads the revision (in the statement's snapshot) and the insert only happens
# when it matches (or when there is nothing to check, $check false). A stale placement writes
# nothing and answers routing_current = false; create_complaint raises StaleRouting.
_REV = """rev AS (
  SELECT r.revision, (NOT {check}::bool OR r.revision IS NOT DISTINCT FROM {expected}::uuid) AS current
  FROM (SELECT (SELECT revision FROM routing_revision WHERE id = 1) AS revision) AS r
)"""
_COLUMNS_IN = """ticket, channel, external_id, title, description, category, attachments, language, metadata,
    lat, lon, accuracy_m, address, cell, area, kelurahan_code, kecamatan_code, kota_code,
    reporter_id, privacy, pii, flags, status, unit_code, response_due_at, due_at, sla_state,
    received_at, created_by"""
_VALUES_IN = """$1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb, $10, $11, $12, $13, $14, $15::jsonb, $16, $17, $18,
    {reporter}, $20, $21::jsonb, $22::text[], 'received', $23, $24, $25, $26, COALESCE($27, now()), $28"""
# A routed insert's extra parameters: $32 routed event data, $33 its note, $34 actor; with a
# pick also $35 area codes, $36 the unit's lock key.
_ROUTED_PARAMS = 3
_PICK_PARAMS = 5

_EVENTS_PLAIN = """e AS (
  INSERT INTO complaint_events (complaint_id, kind, actor, to_status, public, data)
  SELECT id, 'created', $29, 'received', true, $30::jsonb FROM c
)"""
# When routing already knows the unit (placement["assign"]) the insert records the hand-over
# and, when the unit has officers in the automatic stream, the officer ``pick``
# (app.assignment.service.PICK_CTES: the database function aduan_pick_officer takes the unit's
# advisory lock, unless nobody has room, and reads the officers' kept loads in a snapshot taken
# after it, so the lock is held from here to the commit only).
# The events get their ids in the order the rows are produced: the VALUES rows in list order
# (joined to the one row of ``c``), then the UNION ALL's next branch (an INSERT never runs a
# parallel plan, so its Append runs its branches one after the other). No ORDER BY: its sort
# was about half of what the routed event added to the insert (bench/README.md, fourth
# session), and test_assignment checks the order created, routed, assigned.
_EVENTS_ROUTED = """e AS (
  INSERT INTO complaint_events (complaint_id, kind, actor, to_status, note, public, data)
  SELECT c.id, x.kind, x.actor, x.to_status, x.note, x.public, x.data FROM c CROSS JOIN (VALUES
    ('created', $29::text, 'received', NULL::text, true, $30::jsonb),
    ('routed', $34::text, NULL, $33::text, true, $32::jsonb)
  ) AS x (kind, actor, to_status, note, public, data){assigned}
){touch}"""
_ASSIGNED_EVENT = """
  UNION ALL
  SELECT c.id, 'assigned', $34::text, NULL, NULL, false,
         jsonb_build_object('officer_id', p.id, 'officer_name', p.name, 'unit', $23::text, 'mode', 'auto',
                            'open_assignments', p.load + 1, 'previous_officer_id', NULL)
  FROM c CROSS JOIN pick p"""
_TOUCH = """, touch AS (
  UPDATE officers o SET last_assigned_at = clock_timestamp() FROM pick, c WHERE o.id = pick.id
)"""

_INSERT_SQL: dict[tuple[str | None, bool, str | None], str] = {}


def insert_sql(*, routed: str | None, reporter: bool, also: str | None = None) -> str:
    """The one statement that writes a new complaint: its reporter (``reporter``: the
    ``_REPORTER_CTES`` first, else $19 is the reporter's id or NULL), the row, its events, its
    thread keys and, ``routed``, the hand-over (``"routed"``) or the hand-over and the officer
    pick (``"pick"``). Parameters: $1 ticket, $2..$30 the row and the created event, $31 thread
    keys, then ``_ROUTED_PARAMS`` or ``_PICK_PARAMS``, then the revision check (check,
    expected), then the reporter's six.

    ``also``: the caller's own CTE, written only when the complaint is (it reads ``c``), with
    ``{0}``, ``{1}`` ... for its parameters, which come last.

    It answers one row always: the complaint's columns (all NULL when nothing was inserted: a
    redelivery, a ticket collision, or a stale placement), the routing revision and, with a
    reporter, how it was resolved (for ``join_reporter_race``)."""
    key = (routed, reporter, also)
    if key not in _INSERT_SQL:
        from app.assignment.service import PICK_CTES  # routing builds on complaints, not the reverse

        if routed not in (None, "routed", "pick"):
            raise ValueError(f"routed: {routed!r}")
        assigned = routed == "pick"
        n = 31 + {None: 0, "routed": _ROUTED_PARAMS, "pick": _PICK_PARAMS}[routed]
        ctes = [_REV.format(check=f"${n + 1}", expected=f"${n + 2}")]
        result = "SELECT c.*, rev.revision AS routing_revision, rev.current AS routing_current"
        reporter_value = "$19::uuid"
        if reporter:
            names = ("name", "phone", "email", "nik", "kinds", "values")
            ctes.append(_REPORTER_CTES.format(**{k: f"${n + 3 + i}" for i, k in enumerate(names)}))
            reporter_value = "COALESCE((SELECT id FROM me), $19::uuid)"
            result += (
                ", (SELECT id FROM me) AS reporter_resolved, EXISTS (SELECT 1 FROM created) AS reporter_is_new,"
                " (SELECT count(*) FROM learnt) AS reporter_claimed"
            )
        if assigned:
            ctes.append(PICK_CTES)
        columns = _COLUMNS_IN + (", assignee_id" if assigned else "")
        values = _VALUES_IN.format(reporter=reporter_value) + (", (SELECT id FROM pick)" if assigned else "")
        ctes.append(
            f"""c AS (
  INSERT INTO complaints ({columns})
  SELECT {values} FROM rev WHERE rev.current
  ON CONFLICT DO NOTHING  -- (channel, external_id): a redelivery; ticket: a collision, retried
  RETURNING {RETURNING}
)"""
        )
        if routed is None:
            ctes.append(_EVENTS_PLAIN)
        else:
            ctes.append(
                _EVENTS_ROUTED.format(
                    assigned=_ASSIGNED_EVENT if assigned else "", touch=_TOUCH if assigned else ""
                )
            )
        ctes.append(
            """t AS (
  INSERT INTO complaint_threads (channel, key, complaint_id)
  SELECT $2, k, c.id FROM c, unnest($31::text[]) AS k ON CONFLICT DO NOTHING
)"""
        )
        if also:
            first = n + 3 + (6 if reporter else 0)
            count = max(int(i) for i in re.findall(r"\{(\d+)\}", also)) + 1
            ctes.append(also.format(*(f"${first + i}" for i in range(count))))
        _INSERT_SQL[key] = "WITH " + ",\n".join(ctes) + f"\n{result} FROM rev LEFT JOIN c ON true\n"
    return _INSERT_SQL[key]


SELECT_BY_EXTERNAL = f"SELECT {COLUMNS} FROM complaints c WHERE c.channel = $1 AND c.external_id = $2"


async def create_complaint(
    conn: asyncpg.Connection,
    draft: ComplaintDraft,
    *,
    actor: str,
    created_by: str | None,
    placement: dict[str, Any] | None = None,
    also: tuple[str, tuple[Any, ...]] | None = None,
) -> tuple[asyncpg.Record, bool]:
    """Insert a complaint from a draft; ``(row, True)`` when created. ``also``: a CTE and its
    parameters written by the same statement when the complaint is (see ``insert_sql``).

    ``(existing_row, False)`` when the channel already gave us this
    ``external_id`` (a redelivery): no complaint, event or thread is written (the
    insert's ``ON CONFLICT DO NOTHING`` finds it, so a new complaint costs no lookup
    first; the reporter's record is refreshed as for any report of theirs). Runs
    inside the caller's transaction.
    """
    placement = placement or {}
    category = draft.category or placement.get("category")
    loc = draft.location
    flags: list[str] = list(placement.get("flags", ()))
    cell = None
    if loc is not None:
        cell = geohash(loc.lat, loc.lon)
        if not in_service_area(loc.lat, loc.lon):
            flags.append("outside_service_area")
    text = " ".join(t for t in (draft.title, draft.description) if t)
    pii_kinds = sorted({m.kind for m in find_pii(text)})
    if pii_kinds:
        flags.append("contains_pii")
    reporter = reporter_params(draft.reporter)
    received_at = draft.received_at
    base_time = received_at or datetime.now(UTC)
    response_due_at = placement.get("response_due_at") or base_time + timedelta(hours=RESPONSE_HOURS)
    due_at = placement.get("due_at")
    area = placement.get("area")
    attachments = [
        {
            k: v
            for k, v in (
                ("url", a.url),
                ("media_type", a.media_type),
                ("size", a.size),
                ("caption", a.caption),
                ("filename", a.filename),
            )
            if v is not None
        }
        for a in draft.attachments
    ]
    metadata = dict(draft.metadata)
    metadata.update(placement.get("metadata", {}))
    if draft.thread_keys:
        metadata["thread_keys"] = list(draft.thread_keys)
    args = (
        draft.channel,
        draft.external_id,
        draft.title,
        draft.description,
        category,
        json_text(attachments),
        draft.language,
        json_text(metadata),
        loc.lat if loc else None,
        loc.lon if loc else None,
        loc.accuracy_m if loc else None,
        loc.address if loc else None,
        cell,
        placement.get("area_json") or (json_text(area) if area else None),
        (area or {}).get("kelurahan", {}).get("code") if area else None,
        (area or {}).get("kecamatan", {}).get("code") if area else None,
        (area or {}).get("kota", {}).get("code") if area else None,
        None,  # $19: the reporter's id comes from the statement's own reporter CTEs
        draft.privacy,
        json_text(pii_kinds),
        flags,
        placement.get("unit_code"),
        response_due_at,
        due_at,
        "on_track" if due_at else None,
        received_at,
        created_by,
        actor,
        json_text({"channel": draft.channel}),
    )
    thread_keys = list(
        dict.fromkeys([*draft.thread_keys, *([draft.external_id] if draft.external_id else [])])
    )
    assign = placement.get("assign") if placement.get("unit_code") else None
    check = (placement.get("check", True) and "revision" in placement, placement.get("revision"))
    extra: tuple[Any, ...] = ()
    routed = None
    if assign:
        routed = "pick" if assign.get("pick", True) else "routed"
        extra = (assign["routed"], assign["note"], assign["actor"])  # routed: JSON text
        if routed == "pick":
            extra += (assign["area_codes"], assign["lock_key"])
    sql = insert_sql(routed=routed, reporter=reporter is not None, also=also[0] if also else None)
    tail = (*extra, *check, *(reporter[1] if reporter else ()), *(also[1] if also else ()))
    for _attempt in range(5):
        try:
            row = await conn.fetchrow(sql, new_ticket(), *args, thread_keys, *tail)
        except asyncpg.ForeignKeyViolationError as exc:
            if exc.constraint_name == "fk_complaints_category_categories":
                raise UnknownCategory(
                    f"category: {draft.category!r} is not in the catalogue (GET /v1/categories)",
                    errors=[{"field": "category", "detail": "unknown category code"}],
                ) from None
            raise
        if reporter is not None:
            await join_reporter_race(conn, row, reporter[0])
        if row["id"] is not None:
            return row, True
        if not row["routing_current"]:
            raise StaleRouting(row["routing_revision"])  # nothing was written
        if draft.external_id is not None:
            # (channel, external_id) exists (a redelivery, or a race lost to a concurrent one,
            # committed by now): answer that complaint.
            existing = await conn.fetchrow(SELECT_BY_EXTERNAL, draft.channel, draft.external_id)
            if existing is not None:
                return existing, False
        # else the random ticket collided with an existing one: draw again
    raise AppError("could not allocate a ticket")  # pragma: no cover - 30**8 codes


async def intake(
    conn: asyncpg.Connection,
    draft: ComplaintDraft,
    *,
    placer: Any,
    actor: str,
    created_by: str | None,
    placement: dict[str, Any] | None = None,
    also: tuple[str, tuple[Any, ...]] | None = None,
) -> tuple[asyncpg.Record, bool]:
    """Every new complaint, whatever the channel: place it, then create it.

    ``placer`` (``app.intake.placement.Placer``) derives area, category, unit,
    deadlines and the officer pick; the insert writes all of it, with the
    ``routed``/``assigned`` events, in one statement. ``placement``: one prepared
    before the transaction (``run_intake``, which redoes the whole intake when it turns
    out stale); without it, the draft is placed here, and placed again should the
    routing state change before the insert (a stale insert writes nothing).
    """
    if placement is not None or placer is None:
        return await create_complaint(
            conn, draft, actor=actor, created_by=created_by, placement=placement, also=also
        )
    for _attempt in range(STALE_RETRIES):
        placement = await placer.prepare(None, draft, conn=conn)
        try:
            return await create_complaint(
                conn, draft, actor=actor, created_by=created_by, placement=placement, also=also
            )
        except StaleRouting as stale:
            await placer.refresh(None, stale.revision, conn=conn)
    # The state keeps changing under us: write with the state as it is now, unchecked.
    placement = {**await placer.prepare(None, draft, conn=conn), "check": False}
    return await create_complaint(
        conn, draft, actor=actor, created_by=created_by, placement=placement, also=also
    )


STALE_RETRIES = 3


async def run_intake(
    db: Any,
    placer: Any,
    draft: ComplaintDraft,
    work: Callable[[asyncpg.Connection, dict[str, Any] | None], Awaitable[T]],
    *,
    conn: asyncpg.Connection | None = None,
    single_statement: bool = False,
) -> T:
    """Run ``work(conn, placement)`` (which calls ``intake`` with that placement) in the
    intake's own transaction: the hot path of every new complaint.

    The placement is computed before the transaction opens; the insert checks that the routing
    state it came from is still current (else it writes nothing and ``StaleRouting`` rolls the
    transaction back, and the intake is redone with the reloaded state; after a few such races
    in a row the placement is made inside the transaction). ``conn``: a connection the caller
    holds already. ``single_statement``: ``work`` writes with the insert alone (no reporter, no
    idempotency record), so it runs without ``BEGIN``/``COMMIT``: the statement is its own
    transaction, and the unit's lock (taken inside it) is released as soon as it ends.
    """
    for _attempt in range(STALE_RETRIES):
        placement = await placer.prepare(db, draft) if placer is not None else None
        try:
            if single_statement:
                if conn is not None:
                    return await work(conn, placement)
                async with db.raw() as own:
                    return await work(own, placement)
            async with db.transaction(conn=conn) as tx:
                return await work(tx, placement)
        except StaleRouting as stale:
            await placer.refresh(db, stale.revision)
    async with db.transaction(conn=conn) as tx:
        return await work(tx, None)

"""The intake pipeline: every new complaint, from any channel or the API, is written here.

    draft (a channel adapter's or the API's) -> place (``app.intake.placement``: area, category,
    unit, deadlines, the officer pick) -> one statement: reporter, complaint, history, thread keys,
    hand-over and officer pick -> committed by the caller's transaction

``run_intake`` is the hot path: the placement is computed before the transaction opens and the
insert checks that the routing state it came from is still current. The statement itself is
``app.intake.repository``'s (``insert_complaint``): this module decides what goes into it and
binds the values by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import asyncpg

from app.complaints.tickets import new_ticket
from app.core.db import Database
from app.core.errors import AppError, Conflict, Unprocessable
from app.core.geohash import cells_around, distance_m
from app.core.geohash import encode as geohash
from app.core.http import json_text
from app.core.pii import find_pii, normalise_phone
from app.intake import repository
from app.intake.drafts import ComplaintDraft, ReporterDraft
from app.intake.placement import Placement, Placer

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

    def __init__(self, revision: Any) -> None:
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


def reporter_params(rep: ReporterDraft | None) -> tuple[list[tuple[str, str]], dict[str, Any]] | None:
    """The reporter's identities and the values of the insert's reporter CTEs
    (``repository.REPORTER_PARAMETERS``), or None when the report carries nobody to record."""
    if rep is None:
        return None
    ids = reporter_identities(rep)
    if not ids and not rep.name:
        return None
    return ids, {
        "reporter_name": rep.name,
        "reporter_phone": next((v for k, v in ids if k == "phone"), None),
        "reporter_email": next((v for k, v in ids if k == "email"), None),
        "reporter_nik": rep.nik,
        "identity_kinds": [k for k, _ in ids],
        "identity_values": [v for _, v in ids],
    }


async def join_reporter_race(
    conn: asyncpg.Connection, row: asyncpg.Record, ids: list[tuple[str, str]]
) -> None:
    """Safe under races: identities are a primary key, so when another request created the
    same person between our lookup and our insert (we created a reporter but claimed none
    of the identities), the complaint joins theirs and ours is dropped."""
    if not (row["reporter_is_new"] and ids and row["reporter_claimed"] == 0):
        return
    mine = row["reporter_resolved"]
    winner = await repository.identity_owner(conn, ids[0][0], ids[0][1])
    if winner is None or winner == mine:
        return
    await repository.merge_reporter(conn, mine, winner)


# --------------------------------------------------------------------------- duplicates

# A probable duplicate (flagged for officers, who merge it with status ``duplicate``): an open
# complaint of the same category within DUPLICATE_RADIUS_M, filed in the DUPLICATE_WINDOW before,
# whose words (Indonesian stems) overlap this one's by DUPLICATE_SIMILARITY, or any such
# complaint within DUPLICATE_SAME_SPOT_M (the same pothole, described in other words).
DUPLICATE_RADIUS_M = 150.0
DUPLICATE_SAME_SPOT_M = 30.0
DUPLICATE_WINDOW = timedelta(days=14)
DUPLICATE_SIMILARITY = 0.3
DUPLICATES_KEPT = 3


async def probable_duplicates(
    conn: asyncpg.Connection, category: str, lat: float, lon: float, text: str, at: datetime
) -> list[dict[str, Any]]:
    """The open complaints this one probably repeats, most similar first (at most three)."""
    rows = await repository.duplicate_candidates(
        conn, category, cells_around(lat, lon, DUPLICATE_RADIUS_M), at - DUPLICATE_WINDOW, text
    )
    found = []
    for r in rows:
        d = distance_m(lat, lon, r["lat"], r["lon"])
        sim = float(r["similarity"])
        if d <= DUPLICATE_RADIUS_M and (sim >= DUPLICATE_SIMILARITY or d <= DUPLICATE_SAME_SPOT_M):
            found.append(
                {
                    "id": str(r["id"]),
                    "ticket": r["ticket"],
                    "distance_m": round(d),
                    "similarity": round(sim, 2),
                }
            )
    found.sort(key=lambda f: (-f["similarity"], f["distance_m"]))
    return found[:DUPLICATES_KEPT]


# --------------------------------------------------------------------------- create

# The caller's extra CTE and its values (``repository.insert_statement``'s ``also``).
Also = tuple[str, dict[str, Any]]


async def create_complaint(
    conn: asyncpg.Connection,
    draft: ComplaintDraft,
    *,
    actor: str,
    created_by: str | None,
    placement: Placement | None = None,
    also: Also | None = None,
) -> tuple[asyncpg.Record, bool]:
    """Insert a complaint from a draft; ``(row, True)`` when created. ``also``: a CTE and its
    named values, written by the same statement when the complaint is (see
    ``repository.insert_statement``).

    ``(existing_row, False)`` when the channel already gave us this
    ``external_id`` (a redelivery): no complaint, event or thread is written (the
    insert's ``ON CONFLICT DO NOTHING`` finds it, so a new complaint costs no lookup
    first; the reporter's record is refreshed as for any report of theirs). Runs
    inside the caller's transaction.
    """
    placement = placement if placement is not None else {}
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
    if loc is not None and category:
        duplicates = await probable_duplicates(conn, category, loc.lat, loc.lon, text, base_time)
        if duplicates:
            flags.append("probable_duplicate")
            metadata["probable_duplicates"] = duplicates
    unit_code = placement.get("unit_code")
    values: dict[str, Any] = {
        "channel": draft.channel,
        "external_id": draft.external_id,
        "title": draft.title,
        "description": draft.description,
        "category": category,
        "attachments": json_text(attachments),
        "language": draft.language,
        "metadata": json_text(metadata),
        "lat": loc.lat if loc else None,
        "lon": loc.lon if loc else None,
        "accuracy_m": loc.accuracy_m if loc else None,
        "address": loc.address if loc else draft.address,
        "cell": cell,
        "area": placement.get("area_json") or (json_text(area) if area else None),
        "kelurahan_code": area.get("kelurahan", {}).get("code") if area else None,
        "kecamatan_code": area.get("kecamatan", {}).get("code") if area else None,
        "kota_code": area.get("kota", {}).get("code") if area else None,
        "privacy": draft.privacy,
        "pii": json_text(pii_kinds),
        "flags": flags,
        "unit_code": unit_code,
        "response_due_at": response_due_at,
        "due_at": due_at,
        "sla_state": "on_track" if due_at else None,
        "received_at": received_at,
        "created_by": created_by,
        "actor": actor,
        "created_data": json_text({"channel": draft.channel}),
        "thread_keys": list(
            dict.fromkeys([*draft.thread_keys, *([draft.external_id] if draft.external_id else [])])
        ),
        # The routing state the placement came from must still be current (unless told not to).
        "check_revision": placement.get("check", True) and "revision" in placement,
        "expected_revision": placement.get("revision"),
    }
    assign = placement.get("assign") if unit_code else None
    routed: repository.Routed = None
    if assign:
        routed = "pick" if assign["pick"] else "routed"
        values["routed_data"] = assign["routed"]  # JSON text
        values["routed_note"] = assign["note"]
        values["routed_actor"] = assign["actor"]
        if routed == "pick":
            values["area_codes"] = assign["area_codes"]
            values["lock_key"] = assign["lock_key"]
    if reporter is not None:
        values.update(reporter[1])
    if also is not None:
        values.update(also[1])
    for _attempt in range(5):
        values["ticket"] = new_ticket()
        try:
            row = await repository.insert_complaint(
                conn,
                values,
                routed=routed,
                reporter=reporter is not None,
                also=also[0] if also else None,
            )
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
            existing = await repository.complaint_by_external_id(conn, draft.channel, draft.external_id)
            if existing is not None:
                return existing, False
        # else the random ticket collided with an existing one: draw again
    raise AppError("could not allocate a ticket")  # pragma: no cover - 30**8 codes


async def intake(
    conn: asyncpg.Connection,
    draft: ComplaintDraft,
    *,
    placer: Placer | None,
    actor: str,
    created_by: str | None,
    placement: Placement | None = None,
    also: Also | None = None,
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
    placement = await placer.prepare(None, draft, conn=conn)
    placement["check"] = False
    return await create_complaint(
        conn, draft, actor=actor, created_by=created_by, placement=placement, also=also
    )


STALE_RETRIES = 3


async def run_intake(
    db: Database,
    placer: Placer | None,
    draft: ComplaintDraft,
    work: Callable[[asyncpg.Connection, Placement | None], Awaitable[T]],
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
            if placer is None:  # pragma: no cover - nothing placed, nothing checked
                raise
            await placer.refresh(db, stale.revision)
    async with db.transaction(conn=conn) as tx:
        return await work(tx, None)

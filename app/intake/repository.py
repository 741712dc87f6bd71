"""The intake's SQL: the one statement that writes a new complaint, the idempotency record of
``POST /v1/complaints``, the inbound deliveries (archive, outcomes, source events, follow-ups,
edits, SMS fragments) and the reads of the placer's routing state.

The insert is assembled from parts (its reporter, the revision check, the row, the history, the
thread keys, the hand-over with the officer pick of ``app.assignment.repository``, a caller's
extra CTE) written with named parameters (``app.core.sql``): each part names its values, the
statement is compiled once per shape (``insert_statement``, cached) and ``insert_complaint``
binds a dict of values by name. No part knows another's parameter numbers, and a missing or
unexpected name fails at once instead of binding a value to the wrong placeholder.

Events are written through ``app.complaints.history``. Functions take an ``asyncpg``
connection the caller holds (and, for writes, the transaction the caller owns).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

import asyncpg

from app.assignment.repository import PICK_CTES, PICK_PARAMETERS, assigned_data, pick_touch_cte
from app.complaints import history
from app.complaints.lifecycle import OPEN_LIST
from app.complaints.repository import COLUMNS, RETURNING
from app.core.sql import Statement, compile_named

# --------------------------------------------------------------------------- the insert

Routed = Literal["routed", "pick"] | None

# The values every insert binds (``app.intake.pipeline.create_complaint``): the row, the
# ``created`` event (``actor``, ``created_data``), the thread keys, the revision check.
ROW_PARAMETERS = (
    "ticket",
    "channel",
    "external_id",
    "title",
    "description",
    "category",
    "attachments",
    "language",
    "metadata",
    "lat",
    "lon",
    "accuracy_m",
    "address",
    "cell",
    "area",
    "kelurahan_code",
    "kecamatan_code",
    "kota_code",
    "privacy",
    "pii",
    "flags",
    "unit_code",
    "response_due_at",
    "due_at",
    "sla_state",
    "received_at",
    "created_by",
    "actor",
    "created_data",
    "thread_keys",
    "check_revision",
    "expected_revision",
)
# A routed insert's (the hand-over's event): its data (JSON text), note and actor; with a pick
# also PICK_PARAMETERS (the unit's lock key and the complaint's area codes: the unit and the
# category are the row's own).
ROUTED_PARAMETERS = ("routed_data", "routed_note", "routed_actor")
# With a reporter to resolve (``reporter_params``).
REPORTER_PARAMETERS = (
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "reporter_nik",
    "identity_kinds",
    "identity_values",
)

# Find the person by any identity, else create them; fill in what we did not know; learn the
# identities not seen before. CTEs in front of the complaint's insert, so a report and its
# reporter are written by one statement.
_REPORTER_CTES = """found AS (
  SELECT reporter_id FROM reporter_identities
  WHERE (kind, value) IN (SELECT * FROM unnest(:identity_kinds::text[], :identity_values::text[]))
  ORDER BY kind = 'phone' DESC, kind = 'email' DESC LIMIT 1
), created AS (
  INSERT INTO reporters (name, phone, email, nik)
  SELECT :reporter_name::text, :reporter_phone::text, :reporter_email::text, :reporter_nik::text
  WHERE NOT EXISTS (SELECT 1 FROM found)
  RETURNING id
), updated AS (
  -- A submitter is not verified: a report may fill in what we did not know about the person,
  -- never rewrite what we did (whoever types a known phone number cannot rename its owner or
  -- take over their email). Officers correct a reporter through PATCH /v1/reporters/{id}.
  UPDATE reporters SET name = COALESCE(name, :reporter_name), phone = COALESCE(phone, :reporter_phone),
         email = COALESCE(email, :reporter_email), nik = COALESCE(nik, :reporter_nik), updated_at = now()
  WHERE id = (SELECT reporter_id FROM found)
    AND ((name IS NULL AND :reporter_name::text IS NOT NULL)
         OR (phone IS NULL AND :reporter_phone::text IS NOT NULL)
         OR (email IS NULL AND :reporter_email::text IS NOT NULL)
         OR (nik IS NULL AND :reporter_nik::text IS NOT NULL))
), me AS (
  SELECT id FROM created UNION ALL SELECT reporter_id FROM found
), learnt AS (
  INSERT INTO reporter_identities (kind, value, reporter_id)
  SELECT k, v, me.id FROM me, unnest(:identity_kinds::text[], :identity_values::text[]) AS t(k, v)
  ON CONFLICT (kind, value) DO NOTHING RETURNING kind
)"""

# The routing state a placement was computed from must still be current when the complaint is
# written: ``rev`` reads the revision (in the statement's snapshot) and the insert only happens
# when it matches (or when there is nothing to check, ``check_revision`` false). A stale
# placement writes nothing and answers routing_current = false (app.intake.pipeline.StaleRouting).
_REV = """rev AS (
  SELECT r.revision,
         (NOT :check_revision::bool OR r.revision IS NOT DISTINCT FROM :expected_revision::uuid) AS current
  FROM (SELECT (SELECT revision FROM routing_revision WHERE id = 1) AS revision) AS r
)"""
_COLUMNS_IN = """ticket, channel, external_id, title, description, category, attachments, language, metadata,
    lat, lon, accuracy_m, address, cell, area, kelurahan_code, kecamatan_code, kota_code,
    reporter_id, privacy, pii, flags, status, unit_code, response_due_at, due_at, sla_state,
    received_at, created_by"""
_VALUES_IN = """:ticket, :channel, :external_id, :title, :description, :category, :attachments::jsonb,
    :language, :metadata::jsonb, :lat, :lon, :accuracy_m, :address, :cell, :area::jsonb,
    :kelurahan_code, :kecamatan_code, :kota_code, {reporter}, :privacy, :pii::jsonb, :flags::text[],
    'received', :unit_code, :response_due_at, :due_at, :sla_state, COALESCE(:received_at, now()),
    :created_by"""

_CREATED_EVENT = history.events_cte(
    "e", "SELECT id, 'created', :actor, NULL, 'received', NULL, true, :created_data::jsonb FROM c"
)
# When routing already knows the unit (the placement's ``assign``) the insert records the
# hand-over and, when the unit has officers in the automatic stream, the officer ``pick``
# (app.assignment.repository.PICK_CTES: the database function aduan_pick_officer takes the
# unit's advisory lock, unless nobody has room, and reads the officers' kept loads in a snapshot
# taken after it, so the lock is held from here to the commit only).
# The events get their ids in the order the rows are produced: the VALUES rows in list order
# (joined to the one row of ``c``), then the UNION ALL's next branch (an INSERT never runs a
# parallel plan, so its Append runs its branches one after the other). No ORDER BY: its sort
# was about half of what the routed event added to the insert (bench/README.md, fourth
# session), and tests/assignment checks the order created, routed, assigned.
_ROUTED_EVENTS = """SELECT c.id, x.kind, x.actor, NULL, x.to_status, x.note, x.public, x.data FROM c CROSS JOIN (VALUES
    ('created', :actor::text, 'received', NULL::text, true, :created_data::jsonb),
    ('routed', :routed_actor::text, NULL, :routed_note::text, true, :routed_data::jsonb)
  ) AS x (kind, actor, to_status, note, public, data)"""
_ASSIGNED_EVENT = f"""
  UNION ALL
  SELECT c.id, 'assigned', :routed_actor::text, NULL, NULL, NULL, false,
         {assigned_data("p", ":unit_code::text", "NULL")}
  FROM c CROSS JOIN pick p"""
_THREADS = """t AS (
  INSERT INTO complaint_threads (channel, key, complaint_id)
  SELECT :channel, k, c.id FROM c, unnest(:thread_keys::text[]) AS k ON CONFLICT DO NOTHING
)"""

_INSERT: dict[tuple[Routed, bool, str | None], Statement] = {}


def insert_statement(*, routed: Routed, reporter: bool, also: str | None = None) -> Statement:
    """The one statement that writes a new complaint: its reporter (``reporter``: the
    ``_REPORTER_CTES`` first, else no reporter), the row, its events, its thread keys and,
    ``routed``, the hand-over (``"routed"``) or the hand-over and the officer pick (``"pick"``).
    It binds ``ROW_PARAMETERS``, then with ``routed`` ``ROUTED_PARAMETERS`` (and the pick's
    ``PICK_PARAMETERS``), with ``reporter`` ``REPORTER_PARAMETERS``.

    ``also``: the caller's own CTE, written only when the complaint is (it reads ``c``), with
    named parameters of its own (a name of the insert's is refused: it would share that value).

    It answers one row always: the complaint's columns (all NULL when nothing was inserted: a
    redelivery, a ticket collision, or a stale placement), the routing revision and, with a
    reporter, how it was resolved (``reporter_resolved``, ``reporter_is_new``,
    ``reporter_claimed``, for ``app.intake.pipeline.join_reporter_race``). Compiled once per
    shape."""
    key = (routed, reporter, also)
    statement = _INSERT.get(key)
    if statement is None:
        statement = _INSERT[key] = _compile_insert(routed, reporter, also)
    return statement


def _compile_insert(routed: Routed, reporter: bool, also: str | None) -> Statement:
    if routed not in (None, "routed", "pick"):
        raise ValueError(f"routed: {routed!r}")
    assigned = routed == "pick"
    ctes = [_REV]
    result = "SELECT c.*, rev.revision AS routing_revision, rev.current AS routing_current"
    reporter_value = "NULL::uuid"
    if reporter:
        ctes.append(_REPORTER_CTES)
        reporter_value = "(SELECT id FROM me)"
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
  ON CONFLICT DO NOTHING  -- (channel, external_id) is a redelivery; a ticket, a collision (retried)
  RETURNING {RETURNING}
)"""
    )
    if routed is None:
        ctes.append(_CREATED_EVENT)
    else:
        ctes.append(history.events_cte("e", _ROUTED_EVENTS + (_ASSIGNED_EVENT if assigned else "")))
        if assigned:
            ctes.append(pick_touch_cte(after="c"))
    ctes.append(_THREADS)
    expected = [
        *ROW_PARAMETERS,
        *(ROUTED_PARAMETERS if routed else ()),
        *(PICK_PARAMETERS if assigned else ()),
        *(REPORTER_PARAMETERS if reporter else ()),
    ]
    own = compile_named("WITH " + ",\n".join(ctes) + f"\n{result} FROM rev LEFT JOIN c ON true\n")
    if set(own.names) != set(expected):  # the parts and the documented names agree
        raise AssertionError(f"insert parameters {sorted(own.names)} != {sorted(expected)}")
    if also:
        clash = set(compile_named(also).names) & set(own.names)
        if clash:
            raise ValueError(f"the extra CTE names parameters of the insert: {sorted(clash)}")
        ctes.append(also)
    return compile_named("WITH " + ",\n".join(ctes) + f"\n{result} FROM rev LEFT JOIN c ON true\n")


async def insert_complaint(
    conn: asyncpg.Connection,
    values: Mapping[str, Any],
    *,
    routed: Routed,
    reporter: bool,
    also: str | None = None,
) -> asyncpg.Record:
    """Run the insert of that shape with ``values`` bound by name (see ``insert_statement``)."""
    statement = insert_statement(routed=routed, reporter=reporter, also=also)
    row: asyncpg.Record | None = await conn.fetchrow(statement.text, *statement.args(values))
    assert row is not None  # it answers one row always (FROM rev)
    return row


async def complaint_by_external_id(
    conn: asyncpg.Connection, channel: str, external_id: str
) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM complaints c WHERE c.channel = $1 AND c.external_id = $2",
        channel,
        external_id,
    )
    return row


async def identity_owner(conn: asyncpg.Connection, kind: str, value: str) -> uuid.UUID | None:
    owner: uuid.UUID | None = await conn.fetchval(
        "SELECT reporter_id FROM reporter_identities WHERE kind = $1 AND value = $2", kind, value
    )
    return owner


async def merge_reporter(conn: asyncpg.Connection, loser: uuid.UUID, winner: uuid.UUID) -> None:
    """The complaints of ``loser`` join ``winner``; ``loser`` goes."""
    await conn.execute("UPDATE complaints SET reporter_id = $2 WHERE reporter_id = $1", loser, winner)
    await conn.execute("DELETE FROM reporters WHERE id = $1", loser)


# --------------------------------------------------------------------------- idempotency keys


async def claim_idempotency_key(
    conn: asyncpg.Connection, principal: str, key: str, request_hash: str
) -> bool:
    """True when this (principal, key) is new (and now claimed, with the request's hash)."""
    claimed = await conn.fetchval(
        "INSERT INTO idempotency_keys (principal, key, request_hash) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        principal,
        key,
        request_hash,
    )
    return claimed is not None


async def idempotent_answer(conn: asyncpg.Connection, principal: str, key: str) -> asyncpg.Record | None:
    """The claimed key's ``request_hash``, ``status_code`` and ``response`` (the view)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT request_hash, status_code, response FROM idempotency_keys WHERE principal = $1 AND key = $2",
        principal,
        key,
    )
    return row


async def store_idempotent_answer(
    conn: asyncpg.Connection, principal: str, key: str, status_code: int, response: str
) -> None:
    """``response``: the answer's body as JSON text."""
    await conn.execute(
        "UPDATE idempotency_keys SET status_code = $3, response = $4::jsonb WHERE principal = $1 AND key = $2",
        principal,
        key,
        status_code,
        response,
    )


async def expire_idempotency_keys(conn: asyncpg.Connection) -> None:
    """Keys are kept 24 hours (the retry window a client is promised)."""
    await conn.execute("DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'")


# --------------------------------------------------------------------------- deliveries

_ARCHIVE = (
    "INSERT INTO inbound_deliveries (channel, endpoint, content_type, headers, query, body, body_sha256, context) "
    "VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8::jsonb) "
    "ON CONFLICT (channel, body_sha256) DO UPDATE SET deliveries = inbound_deliveries.deliveries + 1 "
    "RETURNING id"
)


async def archive_delivery(
    conn: asyncpg.Connection,
    *,
    channel: str,
    endpoint: str,
    content_type: str | None,
    headers: str,
    query: str,
    body: bytes,
    body_sha256: str,
    context: str,
) -> uuid.UUID:
    """One row per distinct body (a redelivered one counts ``deliveries``); JSON as text."""
    delivery_id: uuid.UUID = await conn.fetchval(
        _ARCHIVE, channel, endpoint, content_type, headers, query, body, body_sha256, context
    )
    return delivery_id


async def claim_token(conn: asyncpg.Connection, channel: str, token: str) -> bool:
    """True when the signature token was never used before (and is now)."""
    fresh = await conn.fetchval(
        "INSERT INTO used_tokens (channel, token) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
        channel,
        token,
    )
    return fresh is not None


async def expire_used_tokens(conn: asyncpg.Connection) -> None:
    """Signature tokens once their window (Mailgun's is 5 minutes) is long past."""
    await conn.execute("DELETE FROM used_tokens WHERE used_at < now() - interval '1 day'")


async def replace_delivery_body(conn: asyncpg.Connection, delivery_id: uuid.UUID, body: bytes) -> None:
    await conn.execute("UPDATE inbound_deliveries SET body = $2 WHERE id = $1", delivery_id, body)


async def finish_delivery(
    conn: asyncpg.Connection, delivery_id: uuid.UUID, status: str, outcomes: str, error: str | None
) -> None:
    """Record a delivery's result (``outcomes``: JSON text) and count the attempt."""
    await conn.execute(
        "UPDATE inbound_deliveries SET status = $2, outcomes = $3::jsonb, error = $4, "
        "attempts = attempts + 1, processed_at = now() WHERE id = $1",
        delivery_id,
        status,
        outcomes,
        error,
    )


# The delivery's final result when its last outcome creates a complaint: what finish_delivery
# writes, with the new complaint's result built in SQL (the keys of
# app.intake.deliveries._result; none null). The ``also`` of the insert (``insert_statement``).
RECORD_CREATED_CTE = """recorded AS (
  UPDATE inbound_deliveries d
  SET status = :delivery_status::text,
      outcomes = :earlier_outcomes::jsonb || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
        'action', 'created', 'ticket', c.ticket, 'complaint_id', c.id::text, 'external_id', c.external_id))),
      error = :delivery_error::text, attempts = d.attempts + 1, processed_at = now()
  FROM c WHERE d.id = :delivery_id::uuid
)"""


async def claim_event(
    conn: asyncpg.Connection, channel: str, event_id: str, action: str, delivery_id: uuid.UUID | None
) -> bool:
    """Claim a source event under (channel, event_id); False when it was claimed before."""
    claimed = await conn.fetchval(
        "INSERT INTO inbound_events (channel, event_id, action, delivery_id) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        channel,
        event_id,
        action,
        delivery_id,
    )
    return claimed is not None


async def seen_event(conn: asyncpg.Connection, channel: str, event_id: str) -> asyncpg.Record | None:
    """A claimed event's ``complaint_id`` and that complaint's ``ticket`` (either may be NULL);
    None when the event was never claimed."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT e.complaint_id, c.ticket FROM inbound_events e LEFT JOIN complaints c ON c.id = e.complaint_id "
        "WHERE e.channel = $1 AND e.event_id = $2",
        channel,
        event_id,
    )
    return row


async def claimed_event(conn: asyncpg.Connection, channel: str, event_id: str) -> asyncpg.Record:
    """A claimed event's ``complaint_id`` and that complaint's ``ticket`` (either may be NULL)."""
    row = await seen_event(conn, channel, event_id)
    assert row is not None  # the claim that failed found it
    return row


async def record_event(
    conn: asyncpg.Connection, channel: str, event_id: str, action: str, complaint_id: uuid.UUID | None
) -> None:
    await conn.execute(
        "UPDATE inbound_events SET action = $3, complaint_id = $4 WHERE channel = $1 AND event_id = $2",
        channel,
        event_id,
        action,
        complaint_id,
    )


async def complaint_by_ticket(conn: asyncpg.Connection, ticket: str) -> asyncpg.Record | None:
    """``id`` and ``ticket``."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT id, ticket FROM complaints WHERE ticket = $1", ticket
    )
    return row


async def complaint_by_thread(
    conn: asyncpg.Connection, channel: str, keys: Sequence[str]
) -> asyncpg.Record | None:
    """The oldest complaint of a thread any of ``keys`` names: ``id`` and ``ticket``."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT c.id, c.ticket FROM complaint_threads t JOIN complaints c ON c.id = t.complaint_id "
        "WHERE t.channel = $1 AND t.key = ANY($2::text[]) ORDER BY c.created_at LIMIT 1",
        channel,
        list(keys),
    )
    return row


async def recent_complaint_of_reporter(
    conn: asyncpg.Connection,
    identities: Sequence[tuple[str, str]],
    channel: str,
    since: datetime,
    statuses: Sequence[str],
) -> asyncpg.Record | None:
    """The newest complaint (``id``, ``ticket``) of the reporter of any of ``identities``
    through ``channel`` since ``since`` in one of ``statuses``."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT c.id, c.ticket FROM complaints c JOIN reporter_identities i ON i.reporter_id = c.reporter_id "
        "WHERE (i.kind, i.value) IN (SELECT * FROM unnest($1::text[], $2::text[])) "
        "AND c.channel = $3 AND c.created_at > $4 AND c.status = ANY($5::text[]) "
        "ORDER BY c.created_at DESC LIMIT 1",
        [k for k, _ in identities],
        [v for _, v in identities],
        channel,
        since,
        list(statuses),
    )
    return row


async def answer_target(
    conn: asyncpg.Connection, identities: Sequence[tuple[str, str]], channel: str, since: datetime
) -> asyncpg.Record | None:
    """The complaint a bare answer ("YA", "TIDAK", "STOP") from this reporter on ``channel`` is
    about: their newest resolved one updated since ``since``, else their newest one."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT c.id, c.ticket, c.status FROM complaints c JOIN reporter_identities i ON i.reporter_id = c.reporter_id "
        "WHERE (i.kind, i.value) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND c.channel = $3 "
        "ORDER BY (c.status = 'resolved' AND c.updated_at > $4) DESC, c.updated_at DESC LIMIT 1",
        [k for k, _ in identities],
        [v for _, v in identities],
        channel,
        since,
    )
    return row


async def lock_has_no_point(conn: asyncpg.Connection, complaint_id: uuid.UUID) -> bool:
    """Lock the complaint; True when it has no point yet."""
    return bool(
        await conn.fetchval("SELECT lat IS NULL FROM complaints WHERE id = $1 FOR UPDATE", complaint_id)
    )


async def add_follow_up(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    *,
    attachments: str,
    lat: float | None,
    lon: float | None,
    accuracy_m: float | None,
    address: str | None,
    cell: str | None,
    bump_version: bool,
) -> None:
    """Add a follow-up's attachments (JSON text) and, when the complaint has none yet, its
    point."""
    await conn.execute(
        "UPDATE complaints SET attachments = attachments || $2::jsonb, "
        "lat = COALESCE(lat, $3), lon = COALESCE(lon, $4), accuracy_m = CASE WHEN lat IS NULL THEN $5 ELSE accuracy_m END, "
        "address = COALESCE(address, $6), cell = COALESCE(cell, $7), "
        "version = version + CASE WHEN $8 THEN 1 ELSE 0 END, updated_at = now() WHERE id = $1",
        complaint_id,
        attachments,
        lat,
        lon,
        accuracy_m,
        address,
        cell,
        bump_version,
    )


async def add_thread_keys(
    conn: asyncpg.Connection, channel: str, keys: Sequence[str], complaint_id: uuid.UUID
) -> None:
    await conn.execute(
        "INSERT INTO complaint_threads (channel, key, complaint_id) SELECT $1, k, $3 FROM unnest($2::text[]) k "
        "ON CONFLICT DO NOTHING",
        channel,
        list(keys),
        complaint_id,
    )


async def edit_target(conn: asyncpg.Connection, channel: str, key: str) -> asyncpg.Record | None:
    """The complaint of a thread key, locked: ``id``, ``ticket``, ``description``."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT c.id, c.ticket, c.description FROM complaint_threads t JOIN complaints c ON c.id = t.complaint_id "
        "WHERE t.channel = $1 AND t.key = $2 FOR UPDATE OF c",
        channel,
        key,
    )
    return row


async def set_description(conn: asyncpg.Connection, complaint_id: uuid.UUID, description: str) -> None:
    await conn.execute(
        "UPDATE complaints SET description = $2, version = version + 1, updated_at = now() WHERE id = $1",
        complaint_id,
        description,
    )


async def lock_fragment_group(conn: asyncpg.Connection, group_key: str) -> None:
    """One group at a time (until the transaction ends)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"fragment:{group_key}")


async def add_fragment(
    conn: asyncpg.Connection,
    *,
    channel: str,
    group_key: str,
    seq: int,
    total: int,
    text: str,
    draft: str,
    delivery_id: uuid.UUID | None,
) -> bool:
    """Keep a part (``draft``: JSON text); False when this part was kept before."""
    inserted = await conn.fetchval(
        "INSERT INTO message_fragments (channel, group_key, seq, total, text, draft, delivery_id) "
        "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) ON CONFLICT (group_key, seq) DO NOTHING RETURNING 1",
        channel,
        group_key,
        seq,
        total,
        text,
        draft,
        delivery_id,
    )
    return inserted is not None


async def ticket_by_external_id(
    conn: asyncpg.Connection, channel: str, external_id: str | None
) -> asyncpg.Record | None:
    """``id`` and ``ticket`` of the complaint of (channel, external_id)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT id, ticket FROM complaints WHERE channel = $1 AND external_id = $2", channel, external_id
    )
    return row


async def mark_fragment_joined(conn: asyncpg.Connection, group_key: str, seq: int) -> None:
    await conn.execute(
        "UPDATE message_fragments SET joined_at = now() WHERE group_key = $1 AND seq = $2", group_key, seq
    )


async def mark_group_joined(conn: asyncpg.Connection, group_key: str) -> None:
    await conn.execute(
        "UPDATE message_fragments SET joined_at = now() WHERE group_key = $1 AND joined_at IS NULL", group_key
    )


async def waiting_fragments(conn: asyncpg.Connection, group_key: str) -> list[asyncpg.Record]:
    """A group's parts not joined yet, in order: ``seq``, ``text``, ``draft``, ``channel``."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT seq, text, draft, channel FROM message_fragments "
        "WHERE group_key = $1 AND joined_at IS NULL ORDER BY seq",
        group_key,
    )
    return rows


async def stale_fragment_groups(conn: asyncpg.Connection, before: datetime) -> list[str]:
    """The groups with a part not joined, the oldest received before ``before``."""
    rows = await conn.fetch(
        "SELECT group_key FROM message_fragments WHERE joined_at IS NULL "
        "GROUP BY group_key HAVING min(received_at) < $1",
        before,
    )
    return [r["group_key"] for r in rows]


# --------------------------------------------------------------------------- routing state


async def routing_revision(conn: asyncpg.Connection) -> uuid.UUID | None:
    revision: uuid.UUID | None = await conn.fetchval("SELECT revision FROM routing_revision WHERE id = 1")
    return revision


async def active_categories(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT code, agency, sla_hours, keywords FROM categories WHERE active"
    )
    return rows


# What the area index is built from, summed up in the database (no geometry crosses the wire).
AREAS_FINGERPRINT_SQL = (
    "SELECT count(*)::text || ':' || coalesce(md5(string_agg("
    "code || '|' || level || '|' || name || '|' || coalesce(parent_code, '') || '|' || "
    "coalesce(CASE WHEN level IN ('kelurahan', 'kecamatan') THEN md5(geometry::text) END, ''), "
    "',' ORDER BY code)), '') FROM areas"
)


async def areas_fingerprint(conn: asyncpg.Connection) -> str:
    fingerprint: str = await conn.fetchval(AREAS_FINGERPRINT_SQL)
    return fingerprint


async def area_rows(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every area; the geometry (GeoJSON) of kelurahan and kecamatan only."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT code, level, name, parent_code, "
        "CASE WHEN level IN ('kelurahan', 'kecamatan') THEN geometry END AS geometry FROM areas"
    )
    return rows


async def unit_rows(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT code, name, kind, agency, kota_code, area_codes, categories, active FROM units"
    )
    return rows


async def staffed_units(conn: asyncpg.Connection) -> set[str]:
    """Units with somebody in the automatic stream (an active officer of role ``officer``)."""
    rows = await conn.fetch("SELECT DISTINCT unit_code FROM officers WHERE active AND role = 'officer'")
    return {r[0] for r in rows}


async def unplaced_complaint(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, *, lock: bool
) -> asyncpg.Record | None:
    """A complaint with its area codes and ``in_triage`` (no unit, or a triage unit's);
    ``lock``: FOR UPDATE."""
    row: asyncpg.Record | None = await conn.fetchrow(
        f"SELECT {COLUMNS}, c.kelurahan_code, c.kecamatan_code, c.kota_code, "
        "(c.unit_code IS NULL OR EXISTS (SELECT 1 FROM units u WHERE u.code = c.unit_code "
        "AND u.kind = 'triage')) AS in_triage FROM complaints c "
        f"WHERE c.id = $1{' FOR UPDATE OF c' if lock else ''}",
        complaint_id,
    )
    return row


async def set_area(
    conn: asyncpg.Connection,
    complaint_id: uuid.UUID,
    area: str,
    codes: Sequence[str | None],
    *,
    bump_version: bool,
) -> None:
    """Place a stored complaint: ``area`` (JSON text) and its kelurahan, kecamatan, kota codes."""
    version = "version = version + 1, " if bump_version else ""
    await conn.execute(
        "UPDATE complaints SET area = $2::jsonb, kelurahan_code = $3, kecamatan_code = $4, kota_code = $5, "
        f"{version}updated_at = now() WHERE id = $1",
        complaint_id,
        area,
        *codes,
    )


# Open, non-secret complaints of a category in some geohash cells since a time, the newest ten of
# each cell (ix_complaints_nearby, read in order: a spot with thousands of reports costs no more
# than one with ten), with the share of this text's Indonesian stems they have (of the smaller set).
_DUPLICATE_CANDIDATES = f"""
WITH q AS (SELECT tsvector_to_array(to_tsvector('indonesian', $4)) AS lex)
SELECT c.id, c.ticket, c.lat, c.lon,
       (SELECT count(*) FROM unnest(tsvector_to_array(c.search)) AS l WHERE l = ANY(q.lex))::float8
         / greatest(1, least(cardinality(q.lex), length(c.search))) AS similarity
  FROM q, unnest($2::text[]) AS cells(cell)
  CROSS JOIN LATERAL (
      SELECT x.id, x.ticket, x.lat, x.lon, x.search FROM complaints x
       WHERE x.category = $1 AND x.cell = cells.cell AND x.created_at >= $3
         AND x.status IN ({", ".join(repr(s) for s in OPEN_LIST)}) AND x.privacy <> 'secret'
       ORDER BY x.created_at DESC
       LIMIT 10
  ) AS c
"""


async def duplicate_candidates(
    conn: asyncpg.Connection, category: str, cells: list[str], since: datetime, text: str
) -> list[asyncpg.Record]:
    return await conn.fetch(_DUPLICATE_CANDIDATES, category, cells, since, text)

"""SQL of the outbound side: the outbox, messages and attempts, subscriptions, opt-outs, feedback.

Claiming is ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)``: any number of
dispatchers share the table without waiting on each other or taking the same message. A claim
is a lease: it moves ``next_attempt_at`` to the end of the lease and counts the attempt, so a
message whose dispatcher died (kill -9) is due again when the lease runs out, and a late answer
of that dispatcher changes nothing (``finish`` is fenced by the attempt number it claimed).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from app.complaints.repository import COLUMNS
from app.core.http import json_text

# --------------------------------------------------------------------------- outbox -> messages


async def lock_outbox(conn: asyncpg.Connection, limit: int) -> list[int]:
    """Ids of up to ``limit`` outbox rows, locked for this transaction (others skip them)."""
    rows = await conn.fetch("SELECT id FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED", limit)
    return [r["id"] for r in rows]


# Everything the expansion needs about each event, in one statement.
_EXPAND = f"""
SELECT o.id AS outbox_id, o.kind AS event_kind, o.event_id, e.from_status AS event_from, e.to_status AS event_to,
       e.note AS event_note, e.public AS event_public, e.data AS event_data, e.created_at AS event_at,
       e.actor AS event_actor,
       {COLUMNS},
       r.name AS reporter_name, r.email AS reporter_email, r.phone AS reporter_phone,
       (SELECT jsonb_object_agg(i.kind, i.value) FROM reporter_identities i WHERE i.reporter_id = c.reporter_id)
         AS identities,
       (SELECT min(x.created_at) FROM complaint_events x WHERE x.complaint_id = c.id AND x.kind = 'created')
         AS created_event_at,
       f.created_at AS last_follow_up_at, f.data ->> 'external_id' AS last_follow_up_external_id,
       u.name AS unit_name
FROM outbox o
JOIN complaint_events e ON e.id = o.event_id
JOIN complaints c ON c.id = o.complaint_id
LEFT JOIN reporters r ON r.id = c.reporter_id
LEFT JOIN units u ON u.code = c.unit_code
LEFT JOIN LATERAL (
  SELECT y.created_at, y.data FROM complaint_events y
  WHERE y.complaint_id = c.id AND y.kind = 'follow_up' AND y.id <= o.event_id
  ORDER BY y.id DESC LIMIT 1
) f ON true
WHERE o.id = ANY($1::bigint[])
ORDER BY o.id
"""


async def outbox_rows(conn: asyncpg.Connection, ids: Sequence[int]) -> list[asyncpg.Record]:
    return list(await conn.fetch(_EXPAND, list(ids)))


# The reporters' side of the complaints merged into these (status ``duplicate``): they follow the
# surviving complaint and hear its news on their own channel.
_FOLLOWERS = f"""
SELECT c.duplicate_of AS survivor_id, {COLUMNS},
       r.name AS reporter_name, r.email AS reporter_email, r.phone AS reporter_phone,
       (SELECT jsonb_object_agg(i.kind, i.value) FROM reporter_identities i WHERE i.reporter_id = c.reporter_id)
         AS identities,
       f.created_at AS last_follow_up_at, f.data ->> 'external_id' AS last_follow_up_external_id
FROM complaints c
LEFT JOIN reporters r ON r.id = c.reporter_id
LEFT JOIN LATERAL (
  SELECT y.created_at, y.data FROM complaint_events y
  WHERE y.complaint_id = c.id AND y.kind = 'follow_up' ORDER BY y.id DESC LIMIT 1
) f ON true
WHERE c.duplicate_of = ANY($1::uuid[]) AND c.duplicate_of IS NOT NULL AND c.status = 'duplicate'
ORDER BY c.created_at, c.id
"""


async def followers(conn: asyncpg.Connection, survivors: Sequence[uuid.UUID]) -> list[asyncpg.Record]:
    """The complaints merged into each of ``survivors`` (``survivor_id``), with their return routes."""
    if not survivors:
        return []
    return list(await conn.fetch(_FOLLOWERS, list(dict.fromkeys(survivors))))


async def delete_outbox(conn: asyncpg.Connection, ids: Sequence[int]) -> None:
    await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", list(ids))


async def live_subscriptions(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Subscriptions whose key still works (not revoked, not expired)."""
    return list(
        await conn.fetch(
            """
SELECT s.id, s.key_id, s.key_role, s.url, s.events, s.include_personal_data
FROM webhook_subscriptions s
LEFT JOIN api_keys k ON k.id::text = s.key_id
WHERE s.deleted_at IS NULL
  AND (s.key_id = 'bootstrap-admin'
       OR (k.id IS NOT NULL AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())))
"""
        )
    )


async def opted_out(conn: asyncpg.Connection, contacts: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    if not contacts:
        return set()
    rows = await conn.fetch(
        "SELECT kind, value FROM contact_optouts WHERE (kind, value) IN "
        "(SELECT * FROM unnest($1::text[], $2::text[]))",
        [k for k, _ in contacts],
        [v for _, v in contacts],
    )
    return {(r["kind"], r["value"]) for r in rows}


_INSERT_MESSAGE = """
INSERT INTO outbound_messages (complaint_id, event_id, audience, platform, subscription_id, event_type,
                               recipient, content, status, last_error)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10)
ON CONFLICT DO NOTHING
"""


async def insert_messages(conn: asyncpg.Connection, messages: Sequence[dict[str, Any]]) -> None:
    if not messages:
        return
    await conn.executemany(
        _INSERT_MESSAGE,
        [
            (
                m["complaint_id"],
                m["event_id"],
                m["audience"],
                m["platform"],
                m.get("subscription_id"),
                m["event_type"],
                json_text(m.get("recipient") or {}),
                json_text(m.get("content") or {}),
                m.get("status", "pending"),
                m.get("last_error"),
            )
            for m in messages
        ],
    )


# --------------------------------------------------------------------------- claim, finish

_CLAIM = """
UPDATE outbound_messages m
SET status = 'sending', attempts = m.attempts + 1, updated_at = now(), claimed_by = $3,
    next_attempt_at = now() + make_interval(secs => $2)
FROM (
  SELECT q.id FROM outbound_messages q
  WHERE q.status IN ('pending', 'sending') AND q.next_attempt_at <= now()
    -- one complaint's messages to one recipient go out in order
    AND NOT EXISTS (
      SELECT 1 FROM outbound_messages p
      WHERE p.complaint_id = q.complaint_id AND p.audience = q.audience
        AND p.subscription_id IS NOT DISTINCT FROM q.subscription_id
        AND p.seq < q.seq AND p.status IN ('pending', 'sending')
    )
  ORDER BY q.next_attempt_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED
) due
WHERE m.id = due.id
RETURNING m.id, m.seq, m.complaint_id, m.event_id, m.audience, m.platform, m.subscription_id, m.event_type,
          m.recipient, m.content, m.attempts, m.created_at
"""


async def claim(conn: asyncpg.Connection, limit: int, lease_s: float, worker: str) -> list[asyncpg.Record]:
    return list(await conn.fetch(_CLAIM, limit, lease_s, worker[:100]))


async def subscription_secrets(
    conn: asyncpg.Connection, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str]]:
    """(url, secret) of each subscription, also of one deleted since (its messages fail)."""
    if not ids:
        return {}
    rows = await conn.fetch(
        "SELECT id, url, secret, deleted_at FROM webhook_subscriptions WHERE id = ANY($1::uuid[])", list(ids)
    )
    return {r["id"]: (r["url"], r["secret"]) for r in rows if r["deleted_at"] is None}


_FINISH = """
WITH attempt AS (
  INSERT INTO outbound_attempts (message_id, attempt, ok, status_code, error, duration_ms, worker)
  VALUES ($1, $2, $3::text = 'sent', $6, $5, $8, $9)
)
UPDATE outbound_messages
SET status = $3::text, next_attempt_at = COALESCE($4, next_attempt_at), last_error = $5, last_status_code = $6,
    provider_id = COALESCE($7, provider_id), updated_at = now(),
    sent_at = CASE WHEN $3::text = 'sent' THEN now() ELSE sent_at END
WHERE id = $1 AND attempts = $2 AND status = 'sending'
RETURNING 1
"""


async def finish(
    conn: asyncpg.Connection,
    message_id: uuid.UUID,
    attempt: int,
    *,
    status: str,
    duration_ms: int,
    worker: str,
    next_attempt_at: datetime | None = None,
    error: str | None = None,
    status_code: int | None = None,
    provider_id: str | None = None,
) -> bool:
    """Record the claimed attempt (always: it happened) and how it ended, in one statement;
    False when the lease was lost meanwhile (another dispatcher claimed the message again), and
    the message is left as that one has it."""
    row = await conn.fetchval(
        _FINISH,
        message_id,
        attempt,
        status,
        next_attempt_at,
        error,
        status_code,
        provider_id,
        duration_ms,
        worker,
    )
    return row is not None


async def add_thread_keys(
    conn: asyncpg.Connection, channel: str, keys: Sequence[str], complaint_id: uuid.UUID
) -> None:
    """Ids of what we sent (an email's Message-ID): the reporter's answer to it finds the complaint."""
    await conn.execute(
        "INSERT INTO complaint_threads (channel, key, complaint_id) SELECT $1, k, $3 FROM unnest($2::text[]) AS k "
        "ON CONFLICT DO NOTHING",
        channel,
        list(keys),
        complaint_id,
    )


# --------------------------------------------------------------------------- admin: list, retry

MESSAGE_COLUMNS = (
    "m.id, m.seq, m.complaint_id, c.ticket, m.event_id, m.audience, m.platform, m.subscription_id, m.event_type, "
    "m.recipient, m.content, m.status, m.attempts, m.next_attempt_at, m.last_error, m.last_status_code, "
    "m.provider_id, m.created_at, m.updated_at, m.sent_at"
)


async def list_messages(
    conn: asyncpg.Connection,
    *,
    status: str | None,
    platform: str | None,
    complaint_id: uuid.UUID | None,
    subscription_id: uuid.UUID | None,
    before: int | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Newest first, in the order they were written (``seq``; ``before``: the page after that seq)."""
    clauses, args = [], []

    def add(clause: str, value: Any) -> None:
        args.append(value)
        clauses.append(clause.format(f"${len(args)}"))

    if status:
        add("m.status = {}", status)
    if platform:
        add("m.platform = {}", platform)
    if complaint_id:
        add("m.complaint_id = {}", complaint_id)
    if subscription_id:
        add("m.subscription_id = {}", subscription_id)
    if before is not None:
        add("m.seq < {}", before)
    args.append(limit)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return list(
        await conn.fetch(
            f"SELECT {MESSAGE_COLUMNS} FROM outbound_messages m LEFT JOIN complaints c ON c.id = m.complaint_id "
            f"{where} ORDER BY m.seq DESC LIMIT ${len(args)}",
            *args,
        )
    )


async def message(conn: asyncpg.Connection, message_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {MESSAGE_COLUMNS} FROM outbound_messages m LEFT JOIN complaints c ON c.id = m.complaint_id "
        "WHERE m.id = $1",
        message_id,
    )


async def retry(conn: asyncpg.Connection, message_id: uuid.UUID) -> asyncpg.Record | None:
    """A dead (or skipped) message back to pending, due now, with a fresh attempt budget."""
    return await conn.fetchrow(
        "UPDATE outbound_messages SET status = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now() "
        "WHERE id = $1 AND status IN ('dead', 'skipped') RETURNING id",
        message_id,
    )


async def attempts_of(conn: asyncpg.Connection, message_ids: Sequence[uuid.UUID]) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT message_id, attempt, ok, status_code, error, duration_ms, at FROM outbound_attempts "
            "WHERE message_id = ANY($1::uuid[]) ORDER BY message_id, attempt, id",
            list(message_ids),
        )
    )


# --------------------------------------------------------------------------- subscriptions


async def create_subscription(
    conn: asyncpg.Connection,
    *,
    key_id: str,
    key_role: str,
    url: str,
    events: Sequence[str],
    secret: str,
    include_personal_data: bool,
    description: str | None,
) -> asyncpg.Record:
    row = await conn.fetchrow(
        "INSERT INTO webhook_subscriptions (key_id, key_role, url, events, secret, include_personal_data, description) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "RETURNING id, key_id, key_role, url, events, include_personal_data, description, created_at",
        key_id,
        key_role,
        url,
        list(events),
        secret,
        include_personal_data,
        description,
    )
    assert row is not None
    return row


_SUB_COLUMNS = "id, key_id, key_role, url, events, include_personal_data, description, created_at"


async def subscriptions(conn: asyncpg.Connection, key_id: str | None) -> list[asyncpg.Record]:
    """Live subscriptions, of one key (``key_id``) or all (None)."""
    if key_id is None:
        return list(
            await conn.fetch(
                f"SELECT {_SUB_COLUMNS} FROM webhook_subscriptions WHERE deleted_at IS NULL ORDER BY created_at, id"
            )
        )
    return list(
        await conn.fetch(
            f"SELECT {_SUB_COLUMNS} FROM webhook_subscriptions WHERE deleted_at IS NULL AND key_id = $1 "
            "ORDER BY created_at, id",
            key_id,
        )
    )


async def subscription(conn: asyncpg.Connection, sub_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_SUB_COLUMNS} FROM webhook_subscriptions WHERE id = $1 AND deleted_at IS NULL", sub_id
    )


async def delete_subscription(conn: asyncpg.Connection, sub_id: uuid.UUID) -> None:
    """Soft delete (its delivery history stays); its pending messages are not sent."""
    await conn.execute("UPDATE webhook_subscriptions SET deleted_at = now() WHERE id = $1", sub_id)
    await conn.execute(
        "UPDATE outbound_messages SET status = 'skipped', last_error = 'subscription deleted', updated_at = now() "
        "WHERE subscription_id = $1 AND status IN ('pending', 'sending')",
        sub_id,
    )


# --------------------------------------------------------------------------- opt-outs


async def opt_out(conn: asyncpg.Connection, contacts: Sequence[tuple[str, str]], channel: str) -> None:
    await conn.executemany(
        "INSERT INTO contact_optouts (kind, value, channel) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        [(k, v, channel) for k, v in contacts],
    )


async def opt_in(conn: asyncpg.Connection, contacts: Sequence[tuple[str, str]]) -> None:
    await conn.executemany(
        "DELETE FROM contact_optouts WHERE kind = $1 AND value = $2", [(k, v) for k, v in contacts]
    )


# --------------------------------------------------------------------------- channel health


async def inbound_by_channel(conn: asyncpg.Connection, since: datetime) -> list[asyncpg.Record]:
    """Per channel: the last delivery ever, and within the window: count, failures, first one."""
    return list(
        await conn.fetch(
            """
SELECT ch.channel,
       (SELECT max(d.received_at) FROM inbound_deliveries d WHERE d.channel = ch.channel) AS last_at,
       w.n, w.failed, w.first_at
FROM (SELECT DISTINCT channel FROM inbound_deliveries) ch
LEFT JOIN LATERAL (
  SELECT count(*) AS n, count(*) FILTER (WHERE d.status = 'failed') AS failed, min(d.received_at) AS first_at
  FROM inbound_deliveries d WHERE d.channel = ch.channel AND d.received_at >= $1
) w ON true
""",
            since,
        )
    )


async def complaints_by_channel(conn: asyncpg.Connection, since: datetime) -> list[asyncpg.Record]:
    """Desk and app channels make complaints without a webhook delivery: their last complaint."""
    return list(
        await conn.fetch(
            "SELECT channel, max(created_at) AS last_at, count(*) FILTER (WHERE created_at >= $1) AS n, "
            "min(created_at) FILTER (WHERE created_at >= $1) AS first_at "
            "FROM complaints GROUP BY channel",
            since,
        )
    )


async def outbound_by_platform(conn: asyncpg.Connection, since: datetime) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """
SELECT m.platform,
       max(m.sent_at) AS last_sent_at,
       count(*) FILTER (WHERE m.status IN ('pending', 'sending')) AS queued,
       count(*) FILTER (WHERE m.status = 'dead') AS dead,
       (SELECT count(*) FROM outbound_attempts a JOIN outbound_messages x ON x.id = a.message_id
         WHERE x.platform = m.platform AND a.at >= $1) AS attempts,
       (SELECT count(*) FROM outbound_attempts a JOIN outbound_messages x ON x.id = a.message_id
         WHERE x.platform = m.platform AND a.at >= $1 AND NOT a.ok) AS failures
FROM outbound_messages m
WHERE m.status NOT IN ('recorded', 'skipped')
GROUP BY m.platform
""",
            since,
        )
    )

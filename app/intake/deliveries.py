"""The one intake pipeline around every adapter.

    verify (by the endpoint) -> archive raw (committed) -> adapter.parse (pure)
    -> one transaction per outcome: create / follow up / edit / buffer / ignore
    -> record the outcomes on the archived delivery -> answer

Nothing is lost: the raw delivery is committed before it is parsed; one the
adapter cannot map is kept as ``failed`` (listed at ``GET /v1/inbound``, re-run
by ``POST /v1/inbound/{id}/retry``). Exactly once: a new complaint is keyed by
its ``(channel, external_id)`` (unique on the complaint itself); every other
source event (follow-up, edit, deferred mention) is claimed under
``(channel, event_id)`` in ``inbound_events`` in the same transaction as its
effect. Either way a redelivery, even a concurrent one, waits for the first and
then answers ``duplicate`` naming the original ticket.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from app.channels.base import (
    AdapterError,
    AttachmentDraft,
    ComplaintDraft,
    Deferred,
    Delivery,
    Edit,
    FollowUp,
    Fragment,
    Ignored,
    LocationDraft,
    Outcome,
    ReporterDraft,
    SignatureError,
    clean_text,
    clean_value,
    sanitize_outcome,
)
from app.complaints import service
from app.complaints.lifecycle import OPEN_STATUSES
from app.complaints.tickets import normalise_ticket
from app.core.geohash import encode as geohash
from app.core.http import json_text
from app.intake import pipeline

log = logging.getLogger("aduan.inbound")

# How long an incomplete concatenated SMS waits for its missing parts.
FRAGMENT_TIMEOUT = timedelta(minutes=10)
# How far back "the same sender's recent complaint" reaches (WhatsApp location).
RECENT_WINDOW = timedelta(hours=24)
# Headers never archived.
_SECRET_HEADERS = {"authorization", "cookie", "proxy-authorization"}


# --------------------------------------------------------------------------- drafts <-> JSON


def draft_to_json(draft: ComplaintDraft) -> dict[str, Any]:
    return dataclasses.asdict(draft) | {
        "received_at": draft.received_at.isoformat() if draft.received_at else None
    }


def draft_from_json(data: dict[str, Any]) -> ComplaintDraft:
    d = dict(data)
    d["attachments"] = [AttachmentDraft(**a) for a in d.get("attachments") or []]
    d["location"] = LocationDraft(**d["location"]) if d.get("location") else None
    d["reporter"] = ReporterDraft(**d["reporter"]) if d.get("reporter") else None
    d["received_at"] = datetime.fromisoformat(d["received_at"]) if d.get("received_at") else None
    return ComplaintDraft(**d)


# --------------------------------------------------------------------------- archive


async def archive(
    conn: asyncpg.Connection,
    *,
    channel: str,
    endpoint: str,
    delivery: Delivery,
    token: str | None = None,
) -> uuid.UUID:
    """Store the verified delivery raw, committed before parsing; one row per distinct body.

    ``token``: a signature token that must never be accepted twice (Mailgun);
    a reused one raises ``SignatureError`` and stores nothing.
    """
    # The body is bytea and keeps every byte as it came; what goes into text and jsonb
    # columns is cleaned (clean_value), or a NUL in a form field would refuse the archive
    # and lose the delivery.
    headers = clean_value({k: v for k, v in delivery.headers.items() if k not in _SECRET_HEADERS})
    context = clean_value(
        {
            "form": delivery.form,
            "files": [dataclasses.asdict(f) for f in delivery.files],
            "url": delivery.url,
            **{k: v for k, v in delivery.context.items() if k != "payload"},
        }
    )
    sql = (
        "INSERT INTO inbound_deliveries (channel, endpoint, content_type, headers, query, body, body_sha256, context) "
        "VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8::jsonb) "
        "ON CONFLICT (channel, body_sha256) DO UPDATE SET deliveries = inbound_deliveries.deliveries + 1 "
        "RETURNING id"
    )
    args = (
        channel,
        endpoint,
        clean_text(delivery.content_type or "")[:200] or None,
        json_text(headers),
        json_text(clean_value(delivery.query)),
        delivery.body,
        hashlib.sha256(delivery.body).hexdigest(),
        json_text(context),
    )
    if token is None:
        return await conn.fetchval(sql, *args)  # one statement: committed on its own
    async with conn.transaction():
        fresh = await conn.fetchval(
            "INSERT INTO used_tokens (channel, token) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
            channel,
            token,
        )
        if not fresh:
            raise SignatureError("this signature token was already used")
        return await conn.fetchval(sql, *args)


def delivery_from_row(row: asyncpg.Record) -> Delivery:
    ctx = dict(row["context"] or {})
    return Delivery(
        body=row["body"],
        content_type=row["content_type"] or "",
        headers=dict(row["headers"] or {}),
        query=dict(row["query"] or {}),
        form=dict(ctx.pop("form", {}) or {}),
        files=[AttachmentDraft(**f) for f in ctx.pop("files", []) or []],
        url=ctx.pop("url", "") or "",
        context=ctx,
    )


# --------------------------------------------------------------------------- the pipeline


class Pipeline:
    def __init__(self, db: Any, placer: Any):
        self.db = db
        self.placer = placer

    async def run(
        self,
        delivery_id: uuid.UUID,
        channel: str,
        adapter: Any,
        delivery: Delivery,
        *,
        conn: asyncpg.Connection | None = None,
    ) -> list[dict]:
        """Parse and apply; record the outcomes on the delivery. Returns the outcome list.
        ``conn``: the connection the delivery was archived on, kept for its outcomes."""
        try:
            outcomes = adapter.parse(delivery)
        except AdapterError as exc:
            reason = clean_text(str(exc))
            await self._finish(delivery_id, "failed", [], reason, conn)
            return [{"action": "failed", "reason": reason}]
        except Exception as exc:  # an adapter bug must not lose the delivery
            log.exception("adapter %s crashed on delivery %s", channel, delivery_id)
            reason = f"adapter error: {type(exc).__name__}"
            await self._finish(delivery_id, "failed", [], reason, conn)
            return [{"action": "failed", "reason": reason}]

        submitter = delivery.context.get("api_key_id")
        if submitter:  # a key's own intake (JAKI, desks, media, raw email): that key may read it
            for outcome in outcomes:
                for draft in (outcome, getattr(outcome, "fallback", None)):
                    if isinstance(draft, ComplaintDraft):
                        draft.submitted_by = str(submitter)
                        draft.submitter_role = delivery.context.get("api_key_role")
        results: list[dict] = []
        errors: list[str] = []
        recorded = False
        for i, outcome in enumerate(outcomes):
            # The last outcome records the delivery's result in its own transaction.
            record = (delivery_id, results, errors) if i == len(outcomes) - 1 else None
            try:
                results.append(await self.apply(outcome, delivery_id, record=record, conn=conn))
                recorded = record is not None and not isinstance(outcome, Ignored)
            except Exception as exc:
                if isinstance(exc, pipeline.UnknownCategory):
                    reason = exc.detail
                elif isinstance(exc, AdapterError):
                    reason = str(exc)
                else:
                    log.exception("applying %s outcome of delivery %s failed", channel, delivery_id)
                    reason = f"{type(exc).__name__}"
                errors.append(reason)
                results.append(
                    {
                        "action": "failed",
                        "reason": reason,
                        "external_id": getattr(outcome, "external_id", None),
                    }
                )
        if not recorded:
            await self._finish(
                delivery_id, delivery_status(results, errors), results, "; ".join(errors) or None, conn
            )
        redact = getattr(adapter, "redact_raw", None)
        if redact is not None and not errors:
            try:
                redacted = redact(delivery.body)
            except Exception:  # the outcomes stand; the raw body keeps what it had, said loudly
                log.exception("redacting the raw body of %s delivery %s failed", channel, delivery_id)
                redacted = None
            if redacted is not None:
                sql = "UPDATE inbound_deliveries SET body = $2 WHERE id = $1"
                if conn is not None:
                    await conn.execute(sql, delivery_id, redacted)
                else:
                    async with self.db.raw() as own:
                        await own.execute(sql, delivery_id, redacted)
        return results

    async def _finish(
        self, delivery_id: uuid.UUID, status: str, results: list[dict], error: str | None, conn=None
    ) -> None:  # type: ignore[no-untyped-def]
        if conn is None:
            async with self.db.raw() as own:
                return await self._finish(delivery_id, status, results, error, own)
        await conn.execute(
            "UPDATE inbound_deliveries SET status = $2, outcomes = $3::jsonb, error = $4, "
            "attempts = attempts + 1, processed_at = now() WHERE id = $1",
            delivery_id,
            status,
            json_text(clean_value(results)),
            clean_text(error) if error else error,
        )

    # ----------------------------------------------------------------------- outcomes

    async def apply(self, outcome: Outcome, delivery_id: uuid.UUID | None, *, record=None, conn=None) -> dict:  # type: ignore[no-untyped-def]
        """One outcome, in one transaction (on ``conn`` when given). ``record`` = (delivery id,
        earlier results, earlier errors): also write the delivery's final result in that
        transaction."""
        outcome = sanitize_outcome(outcome)
        if isinstance(outcome, Ignored):
            return {"action": "ignored", "reason": outcome.reason, "external_id": outcome.external_id}
        if isinstance(outcome, ComplaintDraft):
            draft = outcome

            async def create(conn, placement) -> dict:  # type: ignore[no-untyped-def]
                return await self._create(conn, draft, delivery_id, placement, record=record)

            # The intake's own transaction, placed before it opens (pipeline.run_intake).
            return await pipeline.run_intake(self.db, self.placer, draft, create, conn=conn)
        async with self.db.transaction(conn=conn) as conn:
            if isinstance(outcome, FollowUp):
                result = await self._follow_up(conn, outcome, delivery_id)
            elif isinstance(outcome, Edit):
                result = await self._edit(conn, outcome, delivery_id)
            elif isinstance(outcome, Fragment):
                result = await self._fragment(conn, outcome, delivery_id)
            elif isinstance(outcome, Deferred):
                result = await self._deferred(conn, outcome, delivery_id)
            else:
                raise TypeError(f"unknown outcome {type(outcome).__name__}")
            await self._record_delivery(conn, record, result)
            return result

    async def _record_delivery(self, conn, record, result: dict) -> None:  # type: ignore[no-untyped-def]
        if record is not None:
            rec_id, earlier, errors = record
            results = [*earlier, result]
            await self._finish(
                rec_id, delivery_status(results, errors), results, "; ".join(errors) or None, conn
            )

    async def _claim(
        self, conn: asyncpg.Connection, channel: str, event_id: str | None, action: str, delivery_id
    ) -> dict | None:
        """Claim a source event; if it was seen before, the answer for a redelivery."""
        if not event_id:
            return None
        claimed = await conn.fetchval(
            "INSERT INTO inbound_events (channel, event_id, action, delivery_id) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT DO NOTHING RETURNING 1",
            channel,
            event_id,
            action,
            delivery_id,
        )
        if claimed:
            return None
        prior = await conn.fetchrow(
            "SELECT e.complaint_id, c.ticket FROM inbound_events e LEFT JOIN complaints c ON c.id = e.complaint_id "
            "WHERE e.channel = $1 AND e.event_id = $2",
            channel,
            event_id,
        )
        return _result("duplicate", event_id, prior["complaint_id"], prior["ticket"])

    async def _record(self, conn, channel: str, event_id: str | None, action: str, complaint_id) -> None:  # type: ignore[no-untyped-def]
        if event_id:
            await conn.execute(
                "UPDATE inbound_events SET action = $3, complaint_id = $4 WHERE channel = $1 AND event_id = $2",
                channel,
                event_id,
                action,
                complaint_id,
            )

    async def _create(self, conn, draft: ComplaintDraft, delivery_id, placement=None, record=None) -> dict:  # type: ignore[no-untyped-def]
        # No event claim here: the complaint's own (channel, external_id) key makes a
        # redelivered draft, even a concurrent one, find the first complaint.
        also = None
        if record is not None:
            # The delivery's result, should this create the complaint, written by the same
            # statement (one round trip less per webhook); otherwise _record_delivery.
            rec_id, earlier, errors = record
            status = delivery_status([*earlier, {"action": "created"}], errors)
            also = (
                RECORD_CREATED_CTE,
                (rec_id, status, json_text(earlier), draft.external_id, "; ".join(errors) or None),
            )
        row, created = await pipeline.intake(
            conn,
            draft,
            placer=self.placer,
            actor=f"channel:{draft.channel}",
            created_by=draft.submitted_by or f"channel:{draft.channel}",
            placement=placement,
            also=also,
        )
        if (
            not created
            and draft.submitter_role in ("app", "partner")
            and row["created_by"] != draft.submitted_by
        ):
            # Another key's complaint under the same external id: an app or partner is told
            # nothing of it (staff logging the same article or desk form get the existing ticket).
            result = {
                "action": "failed",
                "reason": "this external id belongs to another submitter; choose another",
                "external_id": draft.external_id,
            }
        else:
            result = _result(
                "created" if created else "duplicate", draft.external_id, row["id"], row["ticket"]
            )
        if record is not None and not created:  # a created one was recorded by the insert
            await self._record_delivery(conn, record, result)
        return result

    async def _find_target(self, conn, fu: FollowUp) -> asyncpg.Record | None:  # type: ignore[no-untyped-def]
        if fu.ticket:
            code = normalise_ticket(fu.ticket)
            if code:
                row = await conn.fetchrow("SELECT id, ticket FROM complaints WHERE ticket = $1", code)
                if row:
                    return row
        if fu.thread_refs:
            row = await conn.fetchrow(
                "SELECT c.id, c.ticket FROM complaint_threads t JOIN complaints c ON c.id = t.complaint_id "
                "WHERE t.channel = $1 AND t.key = ANY($2::text[]) ORDER BY c.created_at LIMIT 1",
                fu.channel,
                list(fu.thread_refs),
            )
            if row:
                return row
        if fu.recent_from_reporter and fu.reporter:
            ids = pipeline.reporter_identities(fu.reporter)
            if ids:
                return await conn.fetchrow(
                    "SELECT c.id, c.ticket FROM complaints c JOIN reporter_identities i ON i.reporter_id = c.reporter_id "
                    "WHERE (i.kind, i.value) IN (SELECT * FROM unnest($1::text[], $2::text[])) "
                    "AND c.channel = $3 AND c.created_at > $4 AND c.status = ANY($5::text[]) "
                    "ORDER BY c.created_at DESC LIMIT 1",
                    [k for k, _ in ids],
                    [v for _, v in ids],
                    fu.channel,
                    datetime.now(UTC) - RECENT_WINDOW,
                    sorted(OPEN_STATUSES),
                )
        return None

    async def _follow_up(self, conn, fu: FollowUp, delivery_id) -> dict:  # type: ignore[no-untyped-def]
        dup = await self._claim(conn, fu.channel, fu.external_id, "followed_up", delivery_id)
        if dup:
            return dup
        target = await self._find_target(conn, fu)
        if target is None:
            if fu.fallback is not None:
                # The event id is claimed already: create under it.
                row, created = await pipeline.intake(
                    conn,
                    fu.fallback,
                    placer=self.placer,
                    actor=f"channel:{fu.channel}",
                    created_by=fu.fallback.submitted_by or f"channel:{fu.channel}",
                )
                action = "created" if created else "duplicate"
                await self._record(conn, fu.channel, fu.external_id, action, row["id"])
                return _result(action, fu.external_id, row["id"], row["ticket"])
            await self._record(conn, fu.channel, fu.external_id, "failed", None)
            raise AdapterError("a follow-up that names no known complaint")
        attachments = [
            {k: v for k, v in dataclasses.asdict(a).items() if v is not None} for a in fu.attachments
        ]
        loc = fu.location
        first_point = loc is not None and await conn.fetchval(
            "SELECT lat IS NULL FROM complaints WHERE id = $1 FOR UPDATE", target["id"]
        )
        await conn.execute(
            "UPDATE complaints SET attachments = attachments || $2::jsonb, "
            "lat = COALESCE(lat, $3), lon = COALESCE(lon, $4), accuracy_m = CASE WHEN lat IS NULL THEN $5 ELSE accuracy_m END, "
            "address = COALESCE(address, $6), cell = COALESCE(cell, $7), "
            "version = version + CASE WHEN $8 THEN 1 ELSE 0 END, updated_at = now() WHERE id = $1",
            target["id"],
            json_text(attachments),
            loc.lat if loc else None,
            loc.lon if loc else None,
            loc.accuracy_m if loc else None,
            loc.address if loc else None,
            geohash(loc.lat, loc.lon) if loc else None,
            bool(attachments or loc),
        )
        await service.append_event(
            conn,
            target["id"],
            "follow_up",
            f"reporter:{fu.channel}",
            note=fu.text,
            public=False,
            data={
                "external_id": fu.external_id,
                "attachments": attachments,
                **({"location": dataclasses.asdict(loc)} if loc else {}),
            },
        )
        if first_point and self.placer is not None:
            await self.placer.after_location(conn, target["id"])
        keys = [k for k in (*fu.thread_keys, fu.external_id) if k]
        if keys:
            await conn.execute(
                "INSERT INTO complaint_threads (channel, key, complaint_id) SELECT $1, k, $3 FROM unnest($2::text[]) k "
                "ON CONFLICT DO NOTHING",
                fu.channel,
                keys,
                target["id"],
            )
        await self._record(conn, fu.channel, fu.external_id, "followed_up", target["id"])
        return _result("followed_up", fu.external_id, target["id"], target["ticket"])

    async def _edit(self, conn, edit: Edit, delivery_id) -> dict:  # type: ignore[no-untyped-def]
        dup = await self._claim(conn, edit.channel, edit.external_id, "updated", delivery_id)
        if dup:
            return dup
        target = await conn.fetchrow(
            "SELECT c.id, c.ticket, c.description FROM complaint_threads t JOIN complaints c ON c.id = t.complaint_id "
            "WHERE t.channel = $1 AND t.key = $2 FOR UPDATE OF c",
            edit.channel,
            edit.target_external_id,
        )
        if target is None:
            await self._record(conn, edit.channel, edit.external_id, "ignored", None)
            return {"action": "ignored", "reason": "unknown_target", "external_id": edit.external_id}
        await conn.execute(
            "UPDATE complaints SET description = $2, version = version + 1, updated_at = now() WHERE id = $1",
            target["id"],
            edit.description,
        )
        await service.append_event(
            conn,
            target["id"],
            "edited",
            f"reporter:{edit.channel}",
            note=None,
            data={"previous_description": target["description"], "external_id": edit.external_id},
        )
        await self._record(conn, edit.channel, edit.external_id, "updated", target["id"])
        return _result("updated", edit.external_id, target["id"], target["ticket"])

    async def _deferred(self, conn, d: Deferred, delivery_id) -> dict:  # type: ignore[no-untyped-def]
        channel = (d.metadata or {}).get("channel") or "governor_social"
        # claimed under its own key: the complaint made once the text is fetched
        # claims the plain id (app.channels.graph)
        dup = await self._claim(
            conn, channel, f"deferred:{d.external_id}" if d.external_id else None, "buffered", delivery_id
        )
        if dup:
            return dup
        return {"action": "buffered", "reason": d.reason, "external_id": d.external_id}

    async def _fragment(self, conn, frag: Fragment, delivery_id) -> dict:  # type: ignore[no-untyped-def]
        channel = frag.draft.channel
        # one group at a time: the last two parts arriving together join once
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"fragment:{frag.group_key}")
        inserted = await conn.fetchval(
            "INSERT INTO message_fragments (channel, group_key, seq, total, text, draft, delivery_id) "
            "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) ON CONFLICT (group_key, seq) DO NOTHING RETURNING 1",
            channel,
            frag.group_key,
            frag.seq,
            frag.total,
            frag.text,
            json_text(draft_to_json(frag.draft)),
            delivery_id,
        )
        prior = await conn.fetchrow(
            "SELECT id, ticket FROM complaints WHERE channel = $1 AND external_id = $2",
            channel,
            frag.draft.external_id,
        )
        if prior is not None:
            if not inserted:  # a redelivered part
                return _result("duplicate", frag.external_id, prior["id"], prior["ticket"])
            # a part arriving after its message was flushed incomplete: it is added, not lost
            await service.append_event(
                conn,
                prior["id"],
                "follow_up",
                f"reporter:{channel}",
                note=frag.text,
                data={"external_id": frag.external_id, "late_part": frag.seq, "of": frag.total},
            )
            await conn.execute(
                "UPDATE message_fragments SET joined_at = now() WHERE group_key = $1 AND seq = $2",
                frag.group_key,
                frag.seq,
            )
            return _result("followed_up", frag.external_id, prior["id"], prior["ticket"])
        if not inserted:
            return {"action": "buffered", "reason": "waiting_for_parts", "external_id": frag.external_id}
        parts = await conn.fetch(
            "SELECT seq, text FROM message_fragments WHERE group_key = $1 AND joined_at IS NULL ORDER BY seq",
            frag.group_key,
        )
        if len(parts) < frag.total:
            return {
                "action": "buffered",
                "reason": f"part {frag.seq} of {frag.total} kept; waiting for the rest",
                "external_id": frag.external_id,
            }
        return await self._join(
            conn, channel, frag.group_key, frag.draft, parts, complete=True, delivery_id=delivery_id
        )

    async def _join(self, conn, channel, group_key, draft, parts, *, complete: bool, delivery_id) -> dict:  # type: ignore[no-untyped-def]
        from app.channels.adapters.sms_gateway import finish_joined

        text = "".join(p["text"] for p in parts).strip()
        draft = dataclasses.replace(draft, metadata={**draft.metadata, "parts": [p["seq"] for p in parts]})
        if not complete:
            draft.metadata["incomplete"] = True
        outcome = finish_joined(draft, text)
        await conn.execute(
            "UPDATE message_fragments SET joined_at = now() WHERE group_key = $1 AND joined_at IS NULL",
            group_key,
        )
        if isinstance(outcome, FollowUp):
            return await self._follow_up(conn, outcome, delivery_id)
        return await self._create(conn, outcome, delivery_id)

    async def flush_stale_fragments(self, now: datetime | None = None) -> list[dict]:
        """Incomplete SMS sets older than the timeout become complaints with what arrived."""
        now = now or datetime.now(UTC)
        async with self.db.raw() as conn:
            groups = await conn.fetch(
                "SELECT group_key FROM message_fragments WHERE joined_at IS NULL "
                "GROUP BY group_key HAVING min(received_at) < $1",
                now - FRAGMENT_TIMEOUT,
            )
        results = []
        for g in groups:
            async with self.db.transaction() as conn:
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"fragment:{g['group_key']}")
                parts = await conn.fetch(
                    "SELECT seq, text, draft, channel FROM message_fragments "
                    "WHERE group_key = $1 AND joined_at IS NULL ORDER BY seq",
                    g["group_key"],
                )
                if not parts:
                    continue
                draft = draft_from_json(parts[0]["draft"])
                results.append(
                    await self._join(
                        conn,
                        parts[0]["channel"],
                        g["group_key"],
                        draft,
                        parts,
                        complete=False,
                        delivery_id=None,
                    )
                )
        return results


# The delivery's final result when its last outcome creates a complaint: what _finish writes,
# with the new complaint's _result built in SQL (same keys; none null).
RECORD_CREATED_CTE = """recorded AS (
  UPDATE inbound_deliveries d
  SET status = {1}::text,
      outcomes = {2}::jsonb || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
        'action', 'created', 'ticket', c.ticket, 'complaint_id', c.id::text, 'external_id', {3}::text))),
      error = {4}::text, attempts = d.attempts + 1, processed_at = now()
  FROM c WHERE d.id = {0}::uuid
)"""


def _result(action: str, external_id: str | None, complaint_id: Any, ticket: str | None) -> dict:
    out: dict[str, Any] = {"action": action}
    if ticket:
        out["ticket"] = ticket
    if complaint_id:
        out["complaint_id"] = str(complaint_id)
    if external_id:
        out["external_id"] = external_id
    return out


def delivery_status(results: list[dict], errors: list[str]) -> str:
    if errors:
        return "failed"
    if any(r.get("reason") == "needs_fetch" for r in results):
        return "needs_fetch"
    if any(r["action"] == "buffered" for r in results):
        return "buffered"
    return "processed"


def status_code_for(results: list[dict]) -> int:
    """201 when it created complaints; 202 when something was kept for review or is
    waiting for more; 200 for follow-ups, redeliveries and ignored events."""
    actions = {r["action"] for r in results}
    if "created" in actions:
        return 201
    if actions & {"failed", "buffered"}:
        return 202
    return 200

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

The SQL is ``app.intake.repository``'s; the events go through ``app.complaints.history``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from app.complaints import history
from app.complaints import repository as complaints_repository
from app.complaints.lifecycle import OPEN_STATUSES, REOPEN_WINDOW, ComplaintStatus, InvalidTransition
from app.complaints.tickets import normalise_ticket
from app.core.db import Database
from app.core.geohash import encode as geohash
from app.core.http import json_text
from app.feedback import service as feedback
from app.intake import pipeline, repository
from app.intake.drafts import (
    Adapter,
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
    finish_joined,
    sanitize_outcome,
)
from app.intake.placement import Placement, Placer
from app.outbound import words

log = logging.getLogger("aduan.inbound")

# How long an incomplete concatenated SMS waits for its missing parts.
FRAGMENT_TIMEOUT = timedelta(minutes=10)
# How far back "the same sender's recent complaint" reaches (WhatsApp location).
RECENT_WINDOW = timedelta(hours=24)
# How far back a bare "YA"/"TIDAK" reaches for the resolution it answers.
ANSWER_WINDOW = REOPEN_WINDOW + timedelta(days=1)
# Channels whose citizens answer our messages with a bare word, without quoting the ticket.
ANSWER_CHANNELS = frozenset({"sms", "twitter", "facebook", "governor_social", "email"})
# Headers never archived.
_SECRET_HEADERS = {"authorization", "cookie", "proxy-authorization"}

# One outcome's result, as answered to the platform and recorded on the delivery:
# ``action`` and, as they apply, ``reason``, ``ticket``, ``complaint_id``, ``external_id``.
Result = dict[str, Any]
# (delivery id, the results of its earlier outcomes, their errors): what the last outcome's
# transaction records on the delivery.
Record = tuple[uuid.UUID, list[Result], list[str]]


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
    sha256 = hashlib.sha256(delivery.body).hexdigest()

    async def store() -> uuid.UUID:
        return await repository.archive_delivery(
            conn,
            channel=channel,
            endpoint=endpoint,
            content_type=clean_text(delivery.content_type or "")[:200] or None,
            headers=json_text(headers),
            query=json_text(clean_value(delivery.query)),
            body=delivery.body,
            body_sha256=sha256,
            context=json_text(context),
        )

    if token is None:
        return await store()  # one statement: committed on its own
    async with conn.transaction():
        if not await repository.claim_token(conn, channel, token):
            raise SignatureError("this signature token was already used")
        return await store()


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
    """What every channel endpoint hands its archived delivery to (``run``), and the re-run of
    one (``apply`` of an outcome, ``flush_stale_fragments``)."""

    def __init__(self, db: Database, placer: Placer | None) -> None:
        self.db = db
        self.placer = placer

    async def run(
        self,
        delivery_id: uuid.UUID,
        channel: str,
        adapter: Adapter,
        delivery: Delivery,
        *,
        conn: asyncpg.Connection | None = None,
    ) -> list[Result]:
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
        results: list[Result] = []
        errors: list[str] = []
        recorded = False
        for i, outcome in enumerate(outcomes):
            # The last outcome records the delivery's result in its own transaction.
            record: Record | None = (delivery_id, results, errors) if i == len(outcomes) - 1 else None
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
                if conn is not None:
                    await repository.replace_delivery_body(conn, delivery_id, redacted)
                else:
                    async with self.db.raw() as own:
                        await repository.replace_delivery_body(own, delivery_id, redacted)
        return results

    async def _finish(
        self,
        delivery_id: uuid.UUID,
        status: str,
        results: list[Result],
        error: str | None,
        conn: asyncpg.Connection | None = None,
    ) -> None:
        if conn is None:
            async with self.db.raw() as own:
                return await self._finish(delivery_id, status, results, error, own)
        await repository.finish_delivery(
            conn,
            delivery_id,
            status,
            json_text(clean_value(results)),
            clean_text(error) if error else error,
        )

    # ----------------------------------------------------------------------- outcomes

    async def apply(
        self,
        outcome: Outcome,
        delivery_id: uuid.UUID | None,
        *,
        record: Record | None = None,
        conn: asyncpg.Connection | None = None,
    ) -> Result:
        """One outcome, in one transaction (on ``conn`` when given). ``record`` = (delivery id,
        earlier results, earlier errors): also write the delivery's final result in that
        transaction."""
        outcome = sanitize_outcome(outcome)
        if isinstance(outcome, Ignored):
            return {"action": "ignored", "reason": outcome.reason, "external_id": outcome.external_id}
        if (
            isinstance(outcome, ComplaintDraft)
            and outcome.reporter is not None
            and outcome.channel in ANSWER_CHANNELS
            and (answer := words.read_answer(outcome.description)) is not None
        ):
            async with self.db.transaction(conn=conn) as tx:
                answered = await self._bare_answer(tx, outcome, answer, delivery_id)
                if answered is not None:
                    await self._record_delivery(tx, record, answered)
            if answered is not None:
                return answered
        if isinstance(outcome, ComplaintDraft):
            draft = outcome

            async def create(conn: asyncpg.Connection, placement: Placement | None) -> Result:
                return await self._create(conn, draft, delivery_id, placement, record=record)

            # The intake's own transaction, placed before it opens (pipeline.run_intake).
            return await pipeline.run_intake(self.db, self.placer, draft, create, conn=conn)
        async with self.db.transaction(conn=conn) as tx:
            if isinstance(outcome, FollowUp):
                result = await self._follow_up(tx, outcome, delivery_id)
            elif isinstance(outcome, Edit):
                result = await self._edit(tx, outcome, delivery_id)
            elif isinstance(outcome, Fragment):
                result = await self._fragment(tx, outcome, delivery_id)
            elif isinstance(outcome, Deferred):
                result = await self._deferred(tx, outcome, delivery_id)
            else:
                raise TypeError(f"unknown outcome {type(outcome).__name__}")
            await self._record_delivery(tx, record, result)
            return result

    async def _record_delivery(self, conn: asyncpg.Connection, record: Record | None, result: Result) -> None:
        if record is not None:
            rec_id, earlier, errors = record
            results = [*earlier, result]
            await self._finish(
                rec_id, delivery_status(results, errors), results, "; ".join(errors) or None, conn
            )

    async def _claim(
        self,
        conn: asyncpg.Connection,
        channel: str,
        event_id: str | None,
        action: str,
        delivery_id: uuid.UUID | None,
    ) -> Result | None:
        """Claim a source event; if it was seen before, the answer for a redelivery."""
        if not event_id:
            return None
        if await repository.claim_event(conn, channel, event_id, action, delivery_id):
            return None
        prior = await repository.claimed_event(conn, channel, event_id)
        return _result("duplicate", event_id, prior["complaint_id"], prior["ticket"])

    async def _record(
        self,
        conn: asyncpg.Connection,
        channel: str,
        event_id: str | None,
        action: str,
        complaint_id: uuid.UUID | None,
    ) -> None:
        if event_id:
            await repository.record_event(conn, channel, event_id, action, complaint_id)

    async def _create(
        self,
        conn: asyncpg.Connection,
        draft: ComplaintDraft,
        delivery_id: uuid.UUID | None,
        placement: Placement | None = None,
        record: Record | None = None,
    ) -> Result:
        # No event claim here: the complaint's own (channel, external_id) key makes a
        # redelivered draft, even a concurrent one, find the first complaint.
        also: pipeline.Also | None = None
        if record is not None:
            # The delivery's result, should this create the complaint, written by the same
            # statement (one round trip less per webhook); otherwise _record_delivery.
            rec_id, earlier, errors = record
            also = (
                repository.RECORD_CREATED_CTE,
                {
                    "delivery_id": rec_id,
                    "delivery_status": delivery_status([*earlier, {"action": "created"}], errors),
                    "earlier_outcomes": json_text(earlier),
                    "delivery_error": "; ".join(errors) or None,
                },
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
        result: Result
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

    async def _find_target(self, conn: asyncpg.Connection, fu: FollowUp) -> asyncpg.Record | None:
        if fu.ticket:
            code = normalise_ticket(fu.ticket)
            if code:
                row = await repository.complaint_by_ticket(conn, code)
                if row:
                    return row
        if fu.thread_refs:
            row = await repository.complaint_by_thread(conn, fu.channel, fu.thread_refs)
            if row:
                return row
        if fu.recent_from_reporter and fu.reporter:
            ids = pipeline.reporter_identities(fu.reporter)
            if ids:
                return await repository.recent_complaint_of_reporter(
                    conn, ids, fu.channel, datetime.now(UTC) - RECENT_WINDOW, sorted(OPEN_STATUSES)
                )
        return None

    async def _follow_up(
        self, conn: asyncpg.Connection, fu: FollowUp, delivery_id: uuid.UUID | None
    ) -> Result:
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
        answer = words.read_answer(fu.text) if not fu.attachments and fu.location is None else None
        if answer in ("stop", "start") and fu.reporter is not None:
            ids = pipeline.reporter_identities(fu.reporter)
            if answer == "stop":
                await feedback.stop_messages(conn, ids, fu.channel, target["id"])
            else:
                await feedback.start_messages(conn, ids, fu.channel, target["id"])
            action = "opted_out" if answer == "stop" else "opted_in"
            await self._record(conn, fu.channel, fu.external_id, action, target["id"])
            return _result(action, fu.external_id, target["id"], target["ticket"])
        if answer is not None:
            answered = await self._answer_resolution(conn, target["id"], answer, fu.text, fu.channel)
            if answered is not None:
                keys = [k for k in (*fu.thread_keys, fu.external_id) if k]
                if keys:
                    await repository.add_thread_keys(conn, fu.channel, keys, target["id"])
                await self._record(conn, fu.channel, fu.external_id, answered, target["id"])
                return _result(answered, fu.external_id, target["id"], target["ticket"])
        attachments = [
            {k: v for k, v in dataclasses.asdict(a).items() if v is not None} for a in fu.attachments
        ]
        loc = fu.location
        first_point = loc is not None and await repository.lock_has_no_point(conn, target["id"])
        await repository.add_follow_up(
            conn,
            target["id"],
            attachments=json_text(attachments),
            lat=loc.lat if loc else None,
            lon=loc.lon if loc else None,
            accuracy_m=loc.accuracy_m if loc else None,
            address=loc.address if loc else None,
            cell=geohash(loc.lat, loc.lon) if loc else None,
            bump_version=bool(attachments or loc),
        )
        await history.append(
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
            await repository.add_thread_keys(conn, fu.channel, keys, target["id"])
        await self._record(conn, fu.channel, fu.external_id, "followed_up", target["id"])
        return _result("followed_up", fu.external_id, target["id"], target["ticket"])

    # ----------------------------------------------------------------------- answers to our messages

    async def _bare_answer(
        self, conn: asyncpg.Connection, draft: ComplaintDraft, answer: str, delivery_id: uuid.UUID | None
    ) -> Result | None:
        """A message that is only an answer and names no complaint. "BERHENTI"/"STOP" (and
        "MULAI"/"START") switch the sender's messages off (on); "YA"/"TIDAK" answer the sender's
        newest resolved complaint on this channel. None when it is no answer after all (no
        resolution of theirs waits for one): the caller makes it a complaint, as it would any text,
        so that "Tidak ada lampu di gang kami" from a new reporter is never lost."""
        assert draft.reporter is not None
        if draft.external_id:
            prior = await repository.seen_event(conn, draft.channel, draft.external_id)
            if prior is not None:  # a redelivery of an answer taken already
                return _result("duplicate", draft.external_id, prior["complaint_id"], prior["ticket"])
        ids = pipeline.reporter_identities(draft.reporter)
        target = await repository.answer_target(conn, ids, draft.channel, datetime.now(UTC) - ANSWER_WINDOW)
        if answer in ("confirm", "reject") and (
            target is None or target["status"] != ComplaintStatus.RESOLVED
        ):
            return None
        dup = await self._claim(conn, draft.channel, draft.external_id, "answered", delivery_id)
        if dup:
            return dup
        target_id = target["id"] if target else None
        if answer in ("stop", "start"):
            if answer == "stop":
                await feedback.stop_messages(conn, ids, draft.channel, target_id)
            else:
                await feedback.start_messages(conn, ids, draft.channel, target_id)
            action = "opted_out" if answer == "stop" else "opted_in"
            await self._record(conn, draft.channel, draft.external_id, action, target_id)
            return _result(action, draft.external_id, target_id, target["ticket"] if target else None)
        assert target is not None
        answered = await self._answer_resolution(conn, target["id"], answer, draft.description, draft.channel)
        if answered is not None:
            await self._record(conn, draft.channel, draft.external_id, answered, target_id)
            return _result(answered, draft.external_id, target_id, target["ticket"])
        # Answered already, or too late to reopen: kept on the complaint as a follow-up.
        fu = FollowUp(
            channel=draft.channel, external_id=None, text=draft.description, ticket=target["ticket"],
            reporter=draft.reporter, received_at=draft.received_at, metadata=draft.metadata,
        )  # fmt: skip
        result = await self._follow_up(conn, fu, delivery_id)
        await self._record(conn, draft.channel, draft.external_id, "followed_up", target_id)
        return result | ({"external_id": draft.external_id} if draft.external_id else {})

    async def _answer_resolution(
        self, conn: asyncpg.Connection, complaint_id: uuid.UUID, answer: str, text: str, channel: str
    ) -> str | None:
        """Confirm or reject the complaint's resolution from the reporter's reply; the action
        (``confirmed``, ``reopened``), or None when it is not an answer to a resolution (then the
        caller keeps it as a follow-up)."""
        if answer not in ("confirm", "reject"):
            return None
        row = await complaints_repository.fetch(conn, complaint_id, for_update=True)
        if row is None or row["status"] != ComplaintStatus.RESOLVED:
            return None
        try:
            async with conn.transaction():  # a savepoint: a refused reopen leaves nothing behind
                await feedback.answer_resolution(
                    conn, row, rating=None, comment=words.answer_reason(text) if answer == "reject" else None,
                    accepted=answer == "confirm", source=channel, actor=f"reporter:{channel}", hooks=self.placer,
                )  # fmt: skip
        except (feedback.AlreadyAnswered, InvalidTransition):
            return None
        return "confirmed" if answer == "confirm" else "reopened"

    async def _edit(self, conn: asyncpg.Connection, edit: Edit, delivery_id: uuid.UUID | None) -> Result:
        dup = await self._claim(conn, edit.channel, edit.external_id, "updated", delivery_id)
        if dup:
            return dup
        target = await repository.edit_target(conn, edit.channel, edit.target_external_id)
        if target is None:
            await self._record(conn, edit.channel, edit.external_id, "ignored", None)
            return {"action": "ignored", "reason": "unknown_target", "external_id": edit.external_id}
        await repository.set_description(conn, target["id"], edit.description)
        await history.append(
            conn,
            target["id"],
            "edited",
            f"reporter:{edit.channel}",
            note=None,
            data={"previous_description": target["description"], "external_id": edit.external_id},
        )
        await self._record(conn, edit.channel, edit.external_id, "updated", target["id"])
        return _result("updated", edit.external_id, target["id"], target["ticket"])

    async def _deferred(self, conn: asyncpg.Connection, d: Deferred, delivery_id: uuid.UUID | None) -> Result:
        channel = (d.metadata or {}).get("channel") or "governor_social"
        # claimed under its own key: the complaint made once the text is fetched
        # claims the plain id (app.channels.graph)
        dup = await self._claim(
            conn, channel, f"deferred:{d.external_id}" if d.external_id else None, "buffered", delivery_id
        )
        if dup:
            return dup
        return {"action": "buffered", "reason": d.reason, "external_id": d.external_id}

    async def _fragment(
        self, conn: asyncpg.Connection, frag: Fragment, delivery_id: uuid.UUID | None
    ) -> Result:
        channel = frag.draft.channel
        # one group at a time: the last two parts arriving together join once
        await repository.lock_fragment_group(conn, frag.group_key)
        inserted = await repository.add_fragment(
            conn,
            channel=channel,
            group_key=frag.group_key,
            seq=frag.seq,
            total=frag.total,
            text=frag.text,
            draft=json_text(draft_to_json(frag.draft)),
            delivery_id=delivery_id,
        )
        prior = await repository.ticket_by_external_id(conn, channel, frag.draft.external_id)
        if prior is not None:
            if not inserted:  # a redelivered part
                return _result("duplicate", frag.external_id, prior["id"], prior["ticket"])
            # a part arriving after its message was flushed incomplete: it is added, not lost
            await history.append(
                conn,
                prior["id"],
                "follow_up",
                f"reporter:{channel}",
                note=frag.text,
                data={"external_id": frag.external_id, "late_part": frag.seq, "of": frag.total},
            )
            await repository.mark_fragment_joined(conn, frag.group_key, frag.seq)
            return _result("followed_up", frag.external_id, prior["id"], prior["ticket"])
        if not inserted:
            return {"action": "buffered", "reason": "waiting_for_parts", "external_id": frag.external_id}
        parts = await repository.waiting_fragments(conn, frag.group_key)
        if len(parts) < frag.total:
            return {
                "action": "buffered",
                "reason": f"part {frag.seq} of {frag.total} kept; waiting for the rest",
                "external_id": frag.external_id,
            }
        return await self._join(
            conn, frag.group_key, frag.draft, parts, complete=True, delivery_id=delivery_id
        )

    async def _join(
        self,
        conn: asyncpg.Connection,
        group_key: str,
        draft: ComplaintDraft,
        parts: Sequence[asyncpg.Record],
        *,
        complete: bool,
        delivery_id: uuid.UUID | None,
    ) -> Result:
        text = "".join(p["text"] for p in parts).strip()
        draft = dataclasses.replace(draft, metadata={**draft.metadata, "parts": [p["seq"] for p in parts]})
        if not complete:
            draft.metadata["incomplete"] = True
        outcome = finish_joined(draft, text)
        await repository.mark_group_joined(conn, group_key)
        if isinstance(outcome, FollowUp):
            return await self._follow_up(conn, outcome, delivery_id)
        return await self._create(conn, outcome, delivery_id)

    async def flush_stale_fragments(self, now: datetime | None = None) -> list[Result]:
        """Incomplete SMS sets older than the timeout become complaints with what arrived."""
        now = now or datetime.now(UTC)
        async with self.db.raw() as conn:
            groups = await repository.stale_fragment_groups(conn, now - FRAGMENT_TIMEOUT)
        results = []
        for group_key in groups:
            async with self.db.transaction() as conn:
                await repository.lock_fragment_group(conn, group_key)
                parts = await repository.waiting_fragments(conn, group_key)
                if not parts:
                    continue
                draft = draft_from_json(parts[0]["draft"])
                results.append(
                    await self._join(conn, group_key, draft, parts, complete=False, delivery_id=None)
                )
        return results


def _result(
    action: str, external_id: str | None, complaint_id: uuid.UUID | None, ticket: str | None
) -> Result:
    out: Result = {"action": action}
    if ticket:
        out["ticket"] = ticket
    if complaint_id:
        out["complaint_id"] = str(complaint_id)
    if external_id:
        out["external_id"] = external_id
    return out


def delivery_status(results: list[Result], errors: list[str]) -> str:
    if errors:
        return "failed"
    if any(r.get("reason") == "needs_fetch" for r in results):
        return "needs_fetch"
    if any(r["action"] == "buffered" for r in results):
        return "buffered"
    return "processed"


def status_code_for(results: list[Result]) -> int:
    """201 when it created complaints; 202 when something was kept for review or is
    waiting for more; 200 for follow-ups, redeliveries and ignored events."""
    actions = {r["action"] for r in results}
    if "created" in actions:
        return 201
    if actions & {"failed", "buffered"}:
        return 202
    return 200

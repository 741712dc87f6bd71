"""The outbound endpoints' rules: who sees which messages, webhook subscriptions, channel health.

- Messages (``GET /v1/outbound``, retry): admins. A complaint's own messages
  (``GET /v1/complaints/{id}/messages``): staff who may read the complaint; the recipient's address
  only to those who may see its reporter (app.auth.policy.sees_reporter).
- Webhooks: an admin, a partner or an app key subscribes; each sees and deletes its own
  subscriptions (an admin: all). Only an admin subscription may ask for personal data. A
  subscription receives what its key may read (app.outbound.expand.may_read).
- Channel health: staff.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from app.auth import policy
from app.complaints import service as complaints
from app.complaints.schemas import CHANNELS
from app.core import pagination
from app.core.config import Settings
from app.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.core.security import Principal
from app.outbound import expand, repository, ssrf
from app.outbound.schemas import WebhookIn
from app.outbound.senders.webhook import new_secret

SUBSCRIBER_ROLES = frozenset({"admin", "partner", "app"})
MAX_SUBSCRIPTIONS_PER_KEY = 20
HEALTH_WINDOW = timedelta(days=7)
# A channel needs this many deliveries in the window before its silence means anything.
HEALTH_MIN_DELIVERIES = 5
# Where each channel is answered (app.outbound.addresses).
CHANNEL_PLATFORMS: dict[str, tuple[str, ...]] = {
    "twitter": ("x",),
    "facebook": ("facebook",),
    "governor_social": ("instagram",),
    "sms": ("twilio", "whatsapp", "sms_gateway"),
    "email": ("email",),
    "lapor": ("lapor",),
    "jaki": ("webhook",),
}


class MessageNotFound(NotFound):
    slug, title = "message-not-found", "Message not found"


class WebhookNotFound(NotFound):
    slug, title = "webhook-not-found", "Webhook subscription not found"


class NotRetryable(Conflict):
    slug, title = "message-not-dead", "Only a dead or skipped message is retried"


class UnsafeWebhookUrl(Unprocessable):
    slug, title = "unsafe-url", "The webhook URL is not allowed"


# --------------------------------------------------------------------------- messages


def _decode(cursor: str | None) -> int | None:
    """Message lists page by ``seq`` (the order messages were written)."""
    if not cursor:
        return None
    (seq,) = pagination.decode(cursor, 1)
    if not seq.isdigit() or len(seq) > 18:
        raise pagination.invalid_cursor()
    return int(seq)


def message_view(row: Any, *, recipient: bool, attempts: list[Any] | None = None) -> dict[str, Any]:
    content = row["content"] or {}
    view = {k: row[k] for k in (
        "id", "complaint_id", "ticket", "audience", "platform", "event_type", "status", "attempts",
        "last_error", "last_status_code", "provider_id", "created_at", "updated_at", "sent_at",
    )}  # fmt: skip
    view["next_attempt_at"] = row["next_attempt_at"] if row["status"] in ("pending", "sending") else None
    view["text"] = content.get("text")
    view["recipient"] = dict(row["recipient"] or {}) if recipient else None
    if attempts is not None:
        view["attempt_log"] = [dict(a) for a in attempts]
    return view


async def list_messages(
    conn: asyncpg.Connection,
    *,
    status: str | None,
    platform: str | None,
    complaint_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    before = _decode(cursor)
    rows = await repository.list_messages(
        conn, status=status, platform=platform, complaint_id=complaint_id, subscription_id=None, before=before,
        limit=limit + 1,
    )  # fmt: skip
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode(str(rows[-1]["seq"]))
    return [message_view(r, recipient=True) for r in rows], next_cursor


async def get_message(conn: asyncpg.Connection, message_id: uuid.UUID) -> dict[str, Any]:
    row = await repository.message(conn, message_id)
    if row is None:
        raise MessageNotFound(f"no message {message_id}")
    return message_view(row, recipient=True, attempts=await repository.attempts_of(conn, [message_id]))


async def retry_message(conn: asyncpg.Connection, message_id: uuid.UUID) -> dict[str, Any]:
    row = await repository.message(conn, message_id)
    if row is None:
        raise MessageNotFound(f"no message {message_id}")
    if await repository.retry(conn, message_id) is None:
        raise NotRetryable(f"message {message_id} is {row['status']}")
    return await get_message(conn, message_id)


async def complaint_messages(
    conn: asyncpg.Connection, complaint_id: uuid.UUID, principal: Principal
) -> list[dict[str, Any]]:
    if not policy.sees_internal(principal):
        raise Forbidden("a complaint's messages are for staff")
    row = await complaints.visible_complaint(conn, complaint_id, principal)
    rows = await repository.list_messages(
        conn,
        status=None,
        platform=None,
        complaint_id=complaint_id,
        subscription_id=None,
        before=None,
        limit=500,
    )
    shows_recipient = policy.sees_reporter(principal, row)
    # Partner deliveries belong to their subscribers: a complaint's page lists what its reporter
    # is told, LAPOR!'s sync and the officer-facing records.
    return [message_view(r, recipient=shows_recipient) for r in reversed(rows) if r["audience"] != "partner"]


# --------------------------------------------------------------------------- webhooks


def _check_subscriber(principal: Principal) -> None:
    if principal.role not in SUBSCRIBER_ROLES:
        raise Forbidden("webhooks are for admin, partner and app keys")


async def create_webhook(
    conn: asyncpg.Connection, principal: Principal, body: WebhookIn, settings: Settings
) -> dict[str, Any]:
    _check_subscriber(principal)
    if body.include_personal_data and principal.role != "admin":
        raise Forbidden("only an admin subscription may include personal data")
    try:
        await ssrf.check_url(body.url, allow_private=settings.webhook_allow_private_urls)
    except ssrf.UnsafeUrl as exc:
        raise UnsafeWebhookUrl(f"url: {exc}", errors=[{"field": "url", "detail": str(exc)}]) from None
    if len(await repository.subscriptions(conn, principal.id)) >= MAX_SUBSCRIPTIONS_PER_KEY:
        raise Conflict(f"a key may have at most {MAX_SUBSCRIPTIONS_PER_KEY} webhook subscriptions")
    secret = new_secret()
    row = await repository.create_subscription(
        conn, key_id=principal.id, key_role=principal.role, url=body.url, events=body.events, secret=secret,
        include_personal_data=body.include_personal_data, description=body.description,
    )  # fmt: skip
    return dict(row) | {"secret": secret}


async def list_webhooks(conn: asyncpg.Connection, principal: Principal) -> list[dict[str, Any]]:
    _check_subscriber(principal)
    key = None if principal.role == "admin" else principal.id
    return [dict(r) for r in await repository.subscriptions(conn, key)]


async def visible_webhook(
    conn: asyncpg.Connection, principal: Principal, sub_id: uuid.UUID
) -> asyncpg.Record:
    _check_subscriber(principal)
    row = await repository.subscription(conn, sub_id)
    if row is None or (principal.role != "admin" and row["key_id"] != principal.id):
        raise WebhookNotFound(f"no webhook subscription {sub_id}")
    return row


async def delete_webhook(conn: asyncpg.Connection, principal: Principal, sub_id: uuid.UUID) -> None:
    await visible_webhook(conn, principal, sub_id)
    await repository.delete_subscription(conn, sub_id)


async def deliveries(
    conn: asyncpg.Connection, principal: Principal, sub_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    await visible_webhook(conn, principal, sub_id)
    before = _decode(cursor)
    rows = await repository.list_messages(
        conn, status=None, platform=None, complaint_id=None, subscription_id=sub_id, before=before,
        limit=limit + 1,
    )  # fmt: skip
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode(str(rows[-1]["seq"]))
    attempts: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for a in await repository.attempts_of(conn, [r["id"] for r in rows]):
        attempts.setdefault(a["message_id"], []).append(dict(a))
    items = [
        {
            "id": expand.webhook_id(r["id"]),
            "event_type": r["event_type"],
            "complaint_id": r["complaint_id"],
            "ticket": r["ticket"],
            "status": r["status"],
            "attempts": attempts.get(r["id"], []),
            "created_at": r["created_at"],
            "sent_at": r["sent_at"],
            "next_attempt_at": r["next_attempt_at"] if r["status"] in ("pending", "sending") else None,
        }
        for r in rows
    ]
    return items, next_cursor


# --------------------------------------------------------------------------- channel health


def _rate(failed: int, total: int) -> float | None:
    return round(failed / total, 4) if total else None


async def channel_health(
    conn: asyncpg.Connection, settings: Settings, now: datetime | None = None
) -> dict[str, Any]:
    """Per channel: the last inbound delivery (or complaint, for desk and app channels), the
    inbound error rate over 7 days, the usual gap between deliveries, and the outbound side of
    each platform it is answered on. ``silent``: at least ``HEALTH_MIN_DELIVERIES`` in the window
    and nothing for more than ``ADUAN_CHANNEL_SILENCE_FACTOR`` times the usual gap."""
    now = now or datetime.now(UTC)
    since = now - HEALTH_WINDOW
    inbound = {r["channel"]: r for r in await repository.inbound_by_channel(conn, since)}
    made = {r["channel"]: r for r in await repository.complaints_by_channel(conn, since)}
    outbound = {
        r["platform"]: r for r in await repository.outbound_by_platform(conn, now - timedelta(hours=24))
    }
    channels = []
    for channel in CHANNELS:
        d, c = inbound.get(channel), made.get(channel)
        source = d if d is not None and (d["n"] or 0) > 0 else c
        lasts = [x["last_at"] for x in (d, c) if x is not None and x["last_at"] is not None]
        last = max(lasts) if lasts else None
        n = int(source["n"] or 0) if source is not None else 0
        failed = int(d["failed"] or 0) if d is not None else 0
        gap = None
        if source is not None and n >= HEALTH_MIN_DELIVERIES and source["first_at"] is not None:
            gap = max((now - source["first_at"]).total_seconds() / n, 1.0)
        silent_for = (now - last).total_seconds() if last else None
        platforms: list[dict[str, Any]] = []
        failing_out = False
        for p in CHANNEL_PLATFORMS.get(channel, ()):
            o = outbound.get(p)
            attempts = int(o["attempts"]) if o else 0
            failures = int(o["failures"]) if o else 0
            rate = _rate(failures, attempts)
            failing_out = failing_out or (rate or 0) > 0.5
            platforms.append(
                {
                    "platform": p,
                    "last_sent_at": o["last_sent_at"] if o else None,
                    "queued": int(o["queued"]) if o else 0,
                    "dead": int(o["dead"]) if o else 0,
                    "attempts_24h": attempts,
                    "failures_24h": failures,
                    "error_rate_24h": rate,
                }
            )
        inbound_rate = _rate(failed, int(d["n"] or 0)) if d is not None else None
        if gap is not None and silent_for is not None and silent_for > settings.channel_silence_factor * gap:
            status = "silent"
        elif (inbound_rate or 0) > 0.5 or failing_out:
            status = "failing"
        elif gap is None:
            status = "quiet"
        else:
            status = "ok"
        channels.append(
            {
                "channel": channel,
                "status": status,
                "last_inbound_at": last,
                "inbound_7d": n,
                "failed_7d": failed,
                "inbound_error_rate_7d": inbound_rate,
                "usual_gap_seconds": round(gap, 1) if gap is not None else None,
                "silent_for_seconds": round(silent_for, 1) if silent_for is not None else None,
                "outbound": platforms,
            }
        )
    return {"generated_at": now, "silence_factor": settings.channel_silence_factor, "channels": channels}

"""The dispatcher: outbox rows become messages, messages are sent, attempts recorded, retried.

It runs inside ``aduan serve`` (unless ``ADUAN_OUTBOX_IN_SERVE=false``) and as ``aduan worker``;
any number of them share one database:

1. **Expand** (one transaction): lock a batch of outbox rows ``FOR UPDATE SKIP LOCKED``, write
   their messages (app.outbound.expand) and delete the rows. A crash before the commit leaves the
   rows for the next dispatcher; the unique (event, audience, subscription) index makes a second
   expansion of the same event write nothing.
2. **Claim** (one statement): lease due messages with ``SKIP LOCKED``, counting the attempt and
   moving ``next_attempt_at`` to the end of the lease. One complaint's messages to one recipient
   go in order.
3. **Send** outside any transaction, with the platform's sender (app.outbound.senders), then
   **finish**: ``sent``; or again ``pending`` after a backoff (``base * 2^(attempt-1)``, capped,
   with jitter: between half and all of it); or ``dead`` after ``ADUAN_OUTBOX_MAX_ATTEMPTS`` or an
   error that will never succeed. A dead message is listed at ``GET /v1/outbound?status=dead``
   and sent again by ``POST /v1/outbound/{id}/retry``.

A dispatcher killed mid-send (kill -9) loses nothing: its leased messages are due again when the
lease ends (``ADUAN_OUTBOX_LEASE``, longer than the send timeout), and are sent again under the
same id (``webhook-id``, the SMTP Message-ID, the SMS gateway's ``id``), which is what a receiver
deduplicates by. Delivery is at least once; the id makes it once for a receiver that deduplicates.

Why SKIP LOCKED rather than a queue library (procrastinate): the messages must be written in
the transaction of the change, through the one history writer, with the SQL of app.outbound
.repository; a library would add its own tables and worker model for what two statements do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from app.core.config import Settings
from app.core.db import Database
from app.outbound import expand, repository
from app.outbound.senders.base import Message, Receipt, SendContext, Sender, SendError
from app.outbound.senders.email import EmailSender
from app.outbound.senders.facebook import FacebookSender
from app.outbound.senders.instagram import InstagramSender
from app.outbound.senders.lapor import LaporSender
from app.outbound.senders.sms_gateway import SmsGatewaySender
from app.outbound.senders.twilio import TwilioSender
from app.outbound.senders.webhook import WebhookSender
from app.outbound.senders.whatsapp import WhatsAppSender
from app.outbound.senders.x import XSender

log = logging.getLogger("aduan.outbound")


def default_senders() -> dict[str, Sender]:
    senders: list[Sender] = [
        XSender(),
        FacebookSender(),
        InstagramSender(),
        WhatsAppSender(),
        TwilioSender(),
        SmsGatewaySender(),
        EmailSender(),
        LaporSender(),
        WebhookSender(),
    ]
    return {s.platform: s for s in senders}


def backoff(attempt: int, base_s: float, cap_s: float, rng: random.Random | None = None) -> float:
    """Seconds before attempt ``attempt + 1``: ``base * 2^(attempt-1)`` capped, then between half
    and all of it (jitter keeps retries of many messages from arriving together)."""
    ceiling = min(cap_s, base_s * float(2 ** max(attempt - 1, 0)))
    jitter: float = (rng or random).uniform(0, ceiling / 2)
    return ceiling / 2 + jitter


def message_id(row: Mapping[str, Any]) -> str:
    """The id a receiver sees: ``msg_<hex>`` for webhooks (Standard Webhooks style), the uuid
    elsewhere; the same on every attempt."""
    mid: uuid.UUID = row["id"]
    return expand.webhook_id(mid) if row["platform"] == "webhook" else str(mid)


class Dispatcher:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        senders: Mapping[str, Sender] | None = None,
        name: str | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.senders = dict(senders or default_senders())
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self._http: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[str]] = set()

    # ----------------------------------------------------------------------- expand

    async def expand_once(self) -> int:
        """Turn one batch of outbox rows into messages; answers how many rows it took."""
        async with self.db.transaction() as conn:
            ids = await repository.lock_outbox(conn, self.settings.outbox_batch * 5)
            if not ids:
                return 0
            rows = await repository.outbox_rows(conn, ids)
            subscriptions = await repository.live_subscriptions(conn)
            followed = [r["id"] for r in rows if r["event_kind"] in expand.FOLLOWED_KINDS]
            by_survivor: dict[Any, list[Any]] = {}
            for f_row in await repository.followers(conn, followed):
                by_survivor.setdefault(f_row["survivor_id"], []).append(f_row)
            told: list[Any] = []  # (row, whether partners hear it too)
            for row in rows:
                told.append((row, True))
                for follower in by_survivor.get(row["id"], ()):
                    heard = expand.follower_row(row, follower)
                    if heard is not None:
                        told.append((heard, False))
            contacts = [c for c in (expand.contact_of(r) for r, _ in told) if c]
            opted_out = await repository.opted_out(conn, contacts)
            messages: list[dict[str, Any]] = []
            for row, partners in told:
                f = expand.facts(row, self.settings.public_base_url)
                if f is not None:
                    reporter = expand.reporter_message(row, f, opted_out)
                    if reporter is not None:
                        messages.append(reporter)
                    lapor = expand.lapor_message(row, f)
                    if lapor is not None:
                        messages.append(lapor)
                if partners:
                    messages.extend(expand.webhook_messages(row, subscriptions))
            await repository.insert_messages(conn, messages)
            await repository.delete_outbox(conn, ids)
            return len(ids)

    # ----------------------------------------------------------------------- send

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.outbox_send_timeout_s),
                follow_redirects=False,
                headers={"user-agent": "Aduan/1 (+outbound)"},
            )
        return self._http

    async def claim(self, limit: int) -> list[Any]:
        # The lease outlives the send timeout: a message is never claimed twice while in flight.
        lease = max(self.settings.outbox_lease_s, self.settings.outbox_send_timeout_s * 2)
        async with self.db.raw() as conn:
            rows = await repository.claim(conn, limit, lease, self.name)
            subs = [r["subscription_id"] for r in rows if r["subscription_id"]]
            secrets = await repository.subscription_secrets(conn, subs)
        return [(r, secrets.get(r["subscription_id"])) for r in rows]

    def _message(self, row: Any, sub: tuple[str, str] | None) -> Message:
        content = row["content"] or {}
        to = dict(row["recipient"] or {})
        extra = dict(content.get("extra") or {})
        if row["platform"] == "webhook":
            if sub is None:
                raise SendError("the subscription was deleted", retryable=False)
            to = {"url": sub[0], "secret": sub[1]}
            extra["body"] = content.get("body", "")
            extra["type"] = row["event_type"]
        return Message(
            id=message_id(row),
            platform=row["platform"],
            to=to,
            text=content.get("text") or "",
            subject=content.get("subject"),
            ticket=content.get("ticket"),
            extra=extra,
        )

    async def send_one(self, row: Any, sub: tuple[str, str] | None) -> str:
        """Send one claimed message; answers its new status."""
        started = time.monotonic()
        attempt = row["attempts"]
        receipt: Receipt | None = None
        error: SendError | None = None
        try:
            sender = self.senders.get(row["platform"])
            if sender is None:
                raise SendError(f"no sender for platform {row['platform']!r}", retryable=False)
            message = self._message(row, sub)
            receipt = await sender.send(message, SendContext(http=self._client(), settings=self.settings))
        except SendError as exc:
            error = exc
        except Exception as exc:  # a sender's bug must not stop the dispatcher or lose the message
            log.exception("sender %s failed on message %s", row["platform"], row["id"])
            error = SendError(f"{type(exc).__name__}: {exc}"[:300], retryable=True)
        duration_ms = int((time.monotonic() - started) * 1000)
        now = datetime.now(UTC)
        if receipt is not None:
            status = "sent"
            fields: dict[str, Any] = {
                "status_code": receipt.status_code,
                "provider_id": (receipt.provider_id or "")[:500] or None,
            }
        else:
            assert error is not None
            dead = not error.retryable or attempt >= self.settings.outbox_max_attempts
            status = "dead" if dead else "pending"
            delay = backoff(attempt, self.settings.outbox_backoff_base_s, self.settings.outbox_backoff_cap_s)
            fields = {
                "status_code": error.status_code,
                "error": error.detail[:1000],
                "next_attempt_at": None if dead else now + timedelta(seconds=delay),
            }
            if dead:
                log.warning("message %s (%s) is dead after %d attempts: %s", row["id"], row["platform"],
                            attempt, error.detail)  # fmt: skip
        async with self.db.raw() as conn:
            finished = await repository.finish(
                conn, row["id"], attempt, status=status, duration_ms=duration_ms, worker=self.name, **fields
            )
            if finished and receipt is not None and receipt.thread_keys and row["complaint_id"]:
                if row["platform"] == "email":
                    await repository.add_thread_keys(conn, "email", receipt.thread_keys, row["complaint_id"])
        if not finished:
            log.info("message %s: lease lost before the answer came; the next claim decides", row["id"])
        return status

    async def send_due(self, limit: int | None = None) -> int:
        """Claim up to ``limit`` due messages and send them concurrently; answers how many."""
        claimed = await self.claim(limit or self.settings.outbox_batch)
        if not claimed:
            return 0
        sem = asyncio.Semaphore(self.settings.outbox_concurrency)

        async def one(row: Any, sub: tuple[str, str] | None) -> None:
            async with sem:
                await self.send_one(row, sub)

        await asyncio.gather(*(one(r, s) for r, s in claimed))
        return len(claimed)

    async def run_once(self) -> tuple[int, int]:
        """One expansion and one round of sends: (outbox rows taken, messages sent or tried)."""
        return await self.expand_once(), await self.send_due()

    async def drain(self, *, max_rounds: int = 100) -> None:
        """Run until nothing is left that is due now (tests, ``aduan worker --once``)."""
        for _ in range(max_rounds):
            expanded, sent = await self.run_once()
            if not expanded and not sent:
                return

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Expand and send until ``stop`` is set, polling every ``ADUAN_OUTBOX_POLL_INTERVAL``
        when idle; a database error is logged and retried after a pause."""
        stop = stop or asyncio.Event()
        log.info("dispatcher %s started", self.name)
        try:
            while not stop.is_set():
                busy = False
                try:
                    busy = await self._round()
                except Exception:
                    log.exception("dispatcher round failed; retrying")
                    busy = False
                if not busy:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.settings.outbox_poll_interval_s)
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            await self.aclose()

    async def _round(self) -> bool:
        expanded = await self.expand_once()
        free = self.settings.outbox_concurrency - len(self._tasks)
        claimed = await self.claim(min(free, self.settings.outbox_batch)) if free > 0 else []
        for row, sub in claimed:
            task = asyncio.create_task(self.send_one(row, sub))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if free <= 0 and self._tasks:
            await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
        return bool(expanded or claimed)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None


def start(db: Database, settings: Settings) -> tuple[asyncio.Task[None], asyncio.Event]:
    """The dispatcher of ``aduan serve``: a task and the event that stops it."""
    stop = asyncio.Event()
    task = asyncio.create_task(Dispatcher(db, settings).run_forever(stop), name="outbound-dispatcher")
    return task, stop

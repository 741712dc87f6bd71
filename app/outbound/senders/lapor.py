"""LAPOR! status sync: our follow-up and status of a report LAPOR! handed to the province.

LAPOR! publishes no API for this; the format is ours (docs/outbound-formats.md), defined beside
its inbound webhook (contracts.md, ``LaporEvent``) and signed exactly as that webhook is:

- ``POST {ADUAN_LAPOR_API_BASE}/laporan/{tracking_id}/tindak-lanjut``,
  ``Content-Type: application/json``, body (UTF-8, no insignificant whitespace)::

    {"event_id": Message.id, "tracking_id": "6120034", "status": "Ditindaklanjuti",
     "status_aduan": "in_progress", "tindak_lanjut": "<the text>",
     "waktu": "2026-03-03T09:00:00+07:00", "tiket": "K7M2-Q9XD"}

  ``event_id`` is the idempotency key (a resend carries the same one, and LAPOR! answers it
  as it answered the first); ``status`` is LAPOR!'s word (``Message.extra["lapor_status"]``,
  else ``lapor_status(Message.extra["status"])``); ``status_aduan`` our status code;
  ``waktu`` ``Message.now`` in ISO 8601, Jakarta time (WIB, +07:00) as LAPOR!'s own events;
- ``X-Lapor-Signature: sha256=<hex HMAC-SHA256(ADUAN_LAPOR_SECRET, raw body)>``, the scheme
  ``app.channels.adapters.lapor.verify`` checks on inbound events;
- the answer: any 2xx, optionally ``{"id": "<LAPOR!'s id of the tindak lanjut>"}`` (the
  receipt's ``provider_id``); 408, 425, 429 and 5xx are retried with backoff, other 4xx not.

``lapor_status`` maps our statuses (app.complaints.lifecycle) to LAPOR!'s words. The words
"Didisposisikan" and "Ditindaklanjuti" are the ones LAPOR!'s own events carry (contracts.md);
"Selesai" is LAPOR!'s closing of a report; "Ditolak" and "Diarsipkan" (LAPOR!'s admin action
"Arsipkan", used for reports that are not acted on, such as duplicates) are our choice of
words, to be confirmed with LAPOR!'s operators.
"""

from __future__ import annotations

import json
from datetime import UTC, timedelta, timezone
from typing import Any
from urllib.parse import quote

from app.complaints.lifecycle import ComplaintStatus
from app.core.config import secret_value
from app.outbound.senders.base import (
    Message,
    NotConfigured,
    Receipt,
    SendContext,
    SendError,
    check_response,
    json_object,
    post,
    sha256_signature,
)

WIB = timezone(timedelta(hours=7), "WIB")

_S = ComplaintStatus
LAPOR_STATUS: dict[str, str] = {
    # Still at the province, not yet acted on: as LAPOR! left it when it disposed the report.
    _S.RECEIVED: "Didisposisikan",
    _S.COORDINATION: "Didisposisikan",
    _S.DISPATCHED: "Didisposisikan",
    # A unit is working on it, or its work awaits validation.
    _S.IN_PROGRESS: "Ditindaklanjuti",
    _S.PENDING_VALIDATION: "Ditindaklanjuti",
    _S.RESOLVED: "Selesai",
    _S.REJECTED: "Ditolak",
    _S.DUPLICATE: "Diarsipkan",
}


def lapor_status(status_code: str) -> str:
    """LAPOR!'s word for our status ``status_code``; ``ValueError`` for an unknown status."""
    try:
        return LAPOR_STATUS[ComplaintStatus(status_code)]
    except (ValueError, KeyError):
        raise ValueError(f"unknown complaint status {status_code!r}") from None


def signature(secret: str, body: bytes) -> str:
    """The ``X-Lapor-Signature`` value of ``body``: ``sha256=<hex HMAC-SHA256(secret, body)>``."""
    return sha256_signature(secret, body)


def payload(message: Message, tracking_id: str) -> dict[str, Any]:
    """The JSON object sent for ``message`` (see the module docstring)."""
    status_code = message.extra.get("status")
    word = message.extra.get("lapor_status")
    if not word and status_code:
        try:
            word = lapor_status(str(status_code))
        except ValueError as exc:
            raise SendError(f"LAPOR!: {exc}", retryable=False) from None
    now = message.now if message.now.tzinfo is not None else message.now.replace(tzinfo=UTC)
    return {
        "event_id": message.id,
        "tracking_id": tracking_id,
        "status": word or None,
        "status_aduan": str(status_code) if status_code else None,
        "tindak_lanjut": message.text,
        "waktu": now.astimezone(WIB).isoformat(timespec="seconds"),
        "tiket": message.ticket,
    }


class LaporSender:
    platform = "lapor"

    async def send(self, message: Message, ctx: SendContext) -> Receipt:
        settings = ctx.settings
        base: str | None = settings.lapor_api_base
        secret = secret_value(settings.lapor_secret)
        if not base or not secret:
            raise NotConfigured("LAPOR! is not configured (ADUAN_LAPOR_API_BASE, ADUAN_LAPOR_SECRET)")
        tracking_id = str(message.to.get("tracking_id") or "").strip()
        if not tracking_id:
            raise SendError("LAPOR!: no tracking_id", retryable=False)
        if not message.text.strip():
            raise SendError("LAPOR!: empty tindak lanjut", retryable=False)

        body = json.dumps(payload(message, tracking_id), ensure_ascii=False, separators=(",", ":")).encode()
        url = f"{base.rstrip('/')}/laporan/{quote(tracking_id, safe='')}/tindak-lanjut"
        headers = {"Content-Type": "application/json", "X-Lapor-Signature": signature(secret, body)}
        response = await post(ctx, url, content=body, headers=headers)
        check_response(response)
        lapor_id = json_object(response).get("id")
        return Receipt(
            provider_id=str(lapor_id) if lapor_id not in (None, "") else None,
            status_code=response.status_code,
        )

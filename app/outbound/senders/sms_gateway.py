"""SMS through the local SMS aggregator: the send format is ours (docs/outbound-formats.md).

The aggregator has no public API; contracts.md defines only its inbound call
(``POST /v1/channels/sms/inbound``, ``SmsGatewayMessage``). Its send call is defined here,
beside the inbound one and signed the same way:

- ``POST {ADUAN_SMS_GATEWAY_SEND_URL}``, ``Content-Type: application/json``, body
  ``{"id": Message.id, "to": "+62...", "text": "...", "reference": "K7M2-Q9XD"}``
  (UTF-8, no insignificant whitespace); ``id`` is the idempotency key the gateway dedupes by
  (a resend after a timeout carries the same id), ``reference`` the ticket (or null);
- ``X-Signature: sha256=<hex HMAC-SHA256(ADUAN_SMS_GATEWAY_SECRET, raw body)>``, exactly the
  scheme ``app.channels.adapters.sms_gateway.verify`` checks on inbound calls;
- the answer: any 2xx, optionally ``{"id": "<gateway's id>"}`` (the receipt's ``provider_id``);
  408, 425, 429 and 5xx are retried by the dispatcher with backoff, other 4xx are not.

Length: at most three concatenated segments. ``segments`` counts them as 3GPP TS 23.038
(GSM 03.38) and TS 23.040 define: the GSM 7-bit default alphabet when every character is in
its basic set or extension table (an extension character is an escape plus one septet, so it
counts 2), 160 septets in a single SMS and 153 per part once the 6-octet concatenation header
is needed; otherwise UCS-2, 70 UTF-16 code units in one SMS and 67 per part (a character
outside the BMP is a surrogate pair: 2 units). An escape sequence or a surrogate pair is never
split across two parts (phones and Twilio's segment calculator do the same), so parts are
filled greedily. Three parts hold 459 GSM-7 septets or 201 UCS-2 units.
"""

from __future__ import annotations

import json
import re

from app.core.config import secret_value
from app.core.pii import normalise_phone
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

MAX_SEGMENTS = 3

# 3GPP TS 23.038 section 6.2.1: the GSM 7-bit default alphabet (ESC, 0x1B, left out: it is the
# escape to the extension table, not a character of a text) and its extension table (6.2.1.1).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
# (single-SMS capacity, capacity of one part of a concatenated SMS), in septets / code units.
_CAPACITY = {GSM7: (160, 153), UCS2: (70, 67)}

_E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")


def _costs(text: str) -> tuple[str, list[int]]:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        return GSM7, [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return UCS2, [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def segments(text: str) -> tuple[str, int]:
    """The encoding (``"GSM-7"`` or ``"UCS-2"``) and the number of SMS segments of ``text``.

    An empty text is one (empty) SMS.
    """
    encoding, costs = _costs(text)
    single, part = _CAPACITY[encoding]
    if sum(costs) <= single:
        return encoding, 1
    count, used = 1, 0
    for cost in costs:
        if used + cost > part:
            count, used = count + 1, 0
        used += cost
    return encoding, count


def e164(raw: str) -> str | None:
    """``raw`` as E.164: kept when it already is (``+`` and 7-15 digits), else read as an
    Indonesian number (``0813...``, ``62813...``); None when it is neither."""
    value = re.sub(r"[\s().-]", "", raw or "")
    if _E164_RE.match(value):
        return value
    return normalise_phone(raw) if raw else None


def signature(secret: str, body: bytes) -> str:
    """The ``X-Signature`` value of ``body``: ``sha256=<hex HMAC-SHA256(secret, body)>``."""
    return sha256_signature(secret, body)


class SmsGatewaySender:
    platform = "sms_gateway"

    async def send(self, message: Message, ctx: SendContext) -> Receipt:
        settings = ctx.settings
        url: str | None = settings.sms_gateway_send_url
        secret = secret_value(settings.sms_gateway_secret)
        if not url or not secret:
            raise NotConfigured(
                "the SMS aggregator is not configured (ADUAN_SMS_GATEWAY_SEND_URL, ADUAN_SMS_GATEWAY_SECRET)"
            )
        raw_phone = str(message.to.get("phone") or "").strip()
        phone = e164(raw_phone)
        if phone is None:
            raise SendError(f"SMS: no valid recipient phone ({raw_phone or 'missing'})", retryable=False)
        text = message.text
        if not text.strip():
            raise SendError("SMS: empty text", retryable=False)
        encoding, count = segments(text)
        if count > MAX_SEGMENTS:
            raise SendError(
                f"SMS: the text needs {count} {encoding} segments, at most {MAX_SEGMENTS} are sent",
                retryable=False,
            )

        payload = {"id": message.id, "to": phone, "text": text, "reference": message.ticket}
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "X-Signature": signature(secret, body)}
        response = await post(ctx, url, content=body, headers=headers)
        check_response(response)
        gateway_id = json_object(response).get("id")
        return Receipt(
            provider_id=str(gateway_id) if gateway_id not in (None, "") else None,
            status_code=response.status_code,
            detail=f"{encoding}, {count} segment{'s' if count > 1 else ''}",
        )

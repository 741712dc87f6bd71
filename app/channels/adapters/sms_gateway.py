"""Channel ``sms`` through the local SMS aggregator (``POST /v1/channels/sms/inbound``).

The format is ours (contracts.md, model ``SmsGatewayMessage``): one physical
SMS per call, signed ``X-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>``.

- A single SMS becomes a ``ComplaintDraft`` (external id = the gateway's ``id``),
  or a ``FollowUp`` with the draft as fallback when its text quotes a ticket code.
- A part of a concatenated SMS becomes a ``Fragment`` keyed
  ``f"{msisdn}:{concat.ref}"``; its ``draft`` carries everything but the joined
  text.  The draft's external id is ``concat:{msisdn}:{ref}:{total}:{YYYYMMDD}``
  (the WIB date of ``received_at``), identical for every part whatever order
  they arrive in, so a redelivered part cannot create a second complaint; the
  date keeps the 8-bit ``ref`` (which wraps) from colliding with a later
  message.  The part ids are in ``metadata["part_ids"]`` of each fragment's draft.
  Once the pipeline has joined the parts it calls ``app.intake.drafts.finish_joined(draft, text)``,
  which turns the draft into a ``FollowUp`` when the joined text quotes a ticket
  (the same rule as for a single SMS).
- ``received_at`` is WIB without an offset: +07:00 is attached.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from pydantic import ValidationError

from app.channels.adapters.email import find_ticket_code
from app.channels.schemas import WIB, SmsGatewayMessage, validation_message
from app.intake.drafts import (
    AdapterError,
    ComplaintDraft,
    Delivery,
    FollowUp,
    Fragment,
    Outcome,
    ReporterDraft,
    SignatureError,
    load_json,
)

CHANNEL = "sms"


def verify(headers: dict[str, str], body: bytes, secret: str) -> None:
    """Raise ``SignatureError`` unless ``X-Signature`` is ``sha256=<hex HMAC-SHA256(secret, body)>``."""
    value = next((v for k, v in headers.items() if k.lower() == "x-signature"), "").strip()
    if not value:
        raise SignatureError("missing X-Signature")
    scheme, _, given = value.partition("=")
    if scheme.strip().lower() != "sha256" or not given:
        raise SignatureError("X-Signature must be sha256=<hex>")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given.strip().lower()):
        raise SignatureError("X-Signature mismatch")


# Characters per part of a concatenated SMS (the UDH takes the rest of 140 octets).
_SEGMENT_CHARS = {"GSM7": 153, "UCS2": 67, "8BIT": 134, "BINARY": 134}


def _part_text(msg: SmsGatewayMessage) -> str:
    """The part's text such that joining all parts with ``""`` gives the message.

    A full part was cut by the phone at the segment limit, possibly inside a
    word, so it is kept verbatim.  A shorter non-final part was cut by the
    gateway at a word boundary whose space it dropped (contracts.md's
    example: "... mati sejak"), so the space is put back.
    """
    text = msg.text
    if msg.concat is None:
        return text
    capacity = _SEGMENT_CHARS.get((msg.encoding or "GSM7").upper().replace("-", ""), 153)
    if msg.concat.seq < msg.concat.total and len(text) < capacity and text and not text[-1].isspace():
        return text + " "
    return text


class SmsGatewayAdapter:
    code = CHANNEL

    def parse(self, delivery: Delivery) -> list[Outcome]:
        try:
            data = load_json(delivery.body)
        except AdapterError as exc:
            raise AdapterError(f"SMS gateway {exc}") from None
        if not isinstance(data, dict):
            raise AdapterError("SMS gateway body must be a JSON object")
        try:
            msg = SmsGatewayMessage.model_validate(data)
        except ValidationError as exc:
            raise AdapterError(f"SMS gateway message invalid: {validation_message(exc)}") from exc

        metadata: dict[str, Any] = {
            "provider": "sms_gateway",
            "gateway_id": msg.id,
            "msisdn": msg.msisdn,
            "to": msg.to,
            "operator": msg.operator,
            "encoding": msg.encoding,
        }
        metadata = {k: v for k, v in metadata.items() if v is not None}
        reporter = ReporterDraft(phone=msg.msisdn)
        text = msg.text.strip()

        if msg.concat is not None and msg.concat.total > 1:
            day = (msg.received_at.astimezone(WIB).strftime("%Y%m%d")) if msg.received_at else "nodate"
            metadata["concat"] = {"ref": msg.concat.ref, "total": msg.concat.total}
            metadata["part_ids"] = {str(msg.concat.seq): msg.id}
            draft = ComplaintDraft(
                channel=CHANNEL,
                external_id=f"concat:{msg.msisdn}:{msg.concat.ref}:{msg.concat.total}:{day}",
                description=text,
                metadata=metadata,
                reporter=reporter,
                received_at=msg.received_at,
            )
            return [
                Fragment(
                    group_key=f"{msg.msisdn}:{msg.concat.ref}",
                    seq=msg.concat.seq,
                    total=msg.concat.total,
                    text=_part_text(msg),
                    draft=draft,
                    external_id=msg.id,
                )
            ]

        if not text:
            raise AdapterError("empty SMS text")
        draft = ComplaintDraft(
            channel=CHANNEL,
            external_id=msg.id,
            description=text,
            metadata=metadata,
            reporter=reporter,
            received_at=msg.received_at,
        )
        ticket = find_ticket_code(text)
        if ticket:
            return [
                FollowUp(
                    channel=CHANNEL,
                    external_id=msg.id,
                    text=text,
                    ticket=ticket,
                    reporter=reporter,
                    received_at=msg.received_at,
                    metadata=dict(metadata),
                    fallback=draft,
                )
            ]
        return [draft]


ADAPTER = SmsGatewayAdapter()

"""WhatsApp Cloud API on the SMS/WA number (channel ``sms``, ``object: whatsapp_business_account``).

Each ``changes[].value`` of field ``messages`` carries ``contacts`` (the sender's
profile name), ``messages`` (inbound) and/or ``statuses`` (receipts for what we
sent).  Citizens on WhatsApp send a report in pieces: a text, then a photo, then
their location.  So a text (or a captioned photo) makes a complaint, while a bare
location or photo completes the same sender's recent complaint, with a fallback
draft so it is never lost when there is none.
"""

from __future__ import annotations

import re
from typing import Any

from app.channels.adapters import meta
from app.complaints.tickets import find_ticket
from app.intake.drafts import (
    AdapterError,
    AttachmentDraft,
    ComplaintDraft,
    Delivery,
    Ignored,
    LocationDraft,
    Outcome,
    ReporterDraft,
)

CODE = "sms"
LOCATION_TEXT = "Lokasi dikirim via WhatsApp"
_MEDIA_TYPES = ("image", "video", "document", "audio")
_MEDIA_TEXT = {
    "image": "Foto dikirim via WhatsApp",
    "video": "Video dikirim via WhatsApp",
    "document": "Dokumen dikirim via WhatsApp",
    "audio": "Pesan suara dikirim via WhatsApp",
}


class WhatsAppAdapter:
    code = CODE

    def parse(self, delivery: Delivery) -> list[Outcome]:
        payload = meta.load_payload(delivery.body, "whatsapp_business_account")
        outcomes: list[Outcome] = []
        for event in meta.iter_events(payload):
            if event.kind != "change":
                outcomes.append(Ignored("unsupported_event"))
            elif event.field != "messages":
                # account_update, message_template_status_update, ...: business events, not citizens.
                outcomes.append(Ignored("unsupported_field"))
            else:
                outcomes.extend(_value_outcomes(event.value))
        return outcomes


def _value_outcomes(value: dict[str, Any]) -> list[Outcome]:
    where = "changes.value"
    names: dict[str, str] = {}
    for i, contact in enumerate(meta.opt_list(value, "contacts", where)):
        if not isinstance(contact, dict):
            raise AdapterError(f"{where}.contacts[{i}] must be an object")
        wa_id = meta.opt_str(contact, "wa_id", f"{where}.contacts[{i}]")
        profile = meta.opt_obj(contact, "profile", f"{where}.contacts[{i}]") or {}
        name = meta.opt_str(profile, "name", f"{where}.contacts[{i}].profile")
        if wa_id and name:
            names[wa_id] = name
    business = meta.opt_obj(value, "metadata", where) or {}
    phone_number_id = meta.opt_str(business, "phone_number_id", f"{where}.metadata")

    outcomes: list[Outcome] = []
    for i, message in enumerate(meta.opt_list(value, "messages", where)):
        if not isinstance(message, dict):
            raise AdapterError(f"{where}.messages[{i}] must be an object")
        outcomes.append(_message(message, names, phone_number_id, f"{where}.messages[{i}]"))
    for i, status in enumerate(meta.opt_list(value, "statuses", where)):
        if not isinstance(status, dict):
            raise AdapterError(f"{where}.statuses[{i}] must be an object")
        outcomes.append(
            Ignored("delivery_receipt", external_id=meta.opt_str(status, "id", f"{where}.statuses[{i}]"))
        )
    if not outcomes and value.get("errors"):
        outcomes.append(Ignored("platform_error"))
    if not outcomes:
        raise AdapterError(f"{where} has no messages, statuses or errors")
    return outcomes


def _message(
    message: dict[str, Any], names: dict[str, str], phone_number_id: str | None, where: str
) -> Outcome:
    wamid = meta.str_field(message, "id", where)
    sender = meta.str_field(message, "from", where)
    kind = meta.str_field(message, "type", where)
    received = meta.timestamp(message.get("timestamp"), f"{where}.timestamp")
    metadata: dict[str, Any] = {"whatsapp_type": kind}
    if phone_number_id:
        metadata["phone_number_id"] = phone_number_id

    text = ""
    attachments: list[AttachmentDraft] = []
    location: LocationDraft | None = None
    if kind == "text":
        body = meta.opt_obj(message, "text", where) or {}
        text = (meta.opt_str(body, "body", f"{where}.text") or "").strip()
        if not text:
            return Ignored("empty_message", external_id=wamid)
    elif kind in _MEDIA_TYPES:
        media = meta.opt_obj(message, kind, where)
        if media is None:
            raise AdapterError(f"{where}.{kind} is required for a {kind} message")
        media_id = meta.str_field(media, "id", f"{where}.{kind}")
        caption = (meta.opt_str(media, "caption", f"{where}.{kind}") or "").strip()
        text = caption
        # The Cloud API gives an id, not a URL; the media must be fetched with the
        # business token, which is the storage layer's job, not the adapter's.
        attachments.append(
            AttachmentDraft(
                url=f"whatsapp-media:{media_id}",
                media_type=meta.opt_str(media, "mime_type", f"{where}.{kind}"),
                caption=caption or None,
                filename=meta.opt_str(media, "filename", f"{where}.{kind}"),
            )
        )
        metadata["media_id"] = media_id
        if media.get("sha256") is not None:
            metadata["media_sha256"] = media["sha256"]
    elif kind == "location":
        loc = meta.opt_obj(message, "location", where)
        if loc is None:
            raise AdapterError(f"{where}.location is required for a location message")
        label = ", ".join(
            part for part in (meta.opt_str(loc, "name", where), meta.opt_str(loc, "address", where)) if part
        )
        location = meta.coordinates(loc.get("latitude"), loc.get("longitude"), f"{where}.location", label)
    else:
        # reaction, sticker, contacts, interactive, button, system, unsupported, ...
        return Ignored(_reason(kind), external_id=wamid)

    context = meta.opt_obj(message, "context", where)
    thread_refs: list[str] = []
    if context:
        ref = meta.opt_str(context, "id", f"{where}.context")
        if ref:
            thread_refs.append(ref)
            metadata["context_id"] = ref
        if context.get("forwarded") is True:
            metadata["forwarded"] = True

    reporter = ReporterDraft(name=names.get(sender), phone=sender)
    draft = ComplaintDraft(
        channel=CODE,
        external_id=wamid,
        description=text or (LOCATION_TEXT if location else _MEDIA_TEXT[kind]),
        attachments=attachments,
        location=location,
        reporter=reporter,
        privacy="public",
        received_at=received,
        metadata=metadata,
        thread_keys=[wamid],
    )
    ticket = find_ticket(text)
    # A bare location or photo completes what the same sender just reported.
    recent = not text
    if ticket or thread_refs or recent:
        return meta.follow_up_from(draft, ticket=ticket, thread_refs=thread_refs, recent_from_reporter=recent)
    return draft


def _reason(kind: str) -> str:
    safe = re.sub(r"[^a-z0-9]+", "_", kind.lower()).strip("_")[:40] or "unknown"
    return f"unsupported_{safe}"


ADAPTER = WhatsAppAdapter()

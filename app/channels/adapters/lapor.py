"""Channel ``lapor``: SP4N-LAPOR! webhook (``POST /v1/channels/lapor/webhook``).

Format and signature in contracts.md (model ``LaporEvent``):
``X-Lapor-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>``.

- ``laporan.didisposisikan`` -> ``ComplaintDraft``: external id = ``tracking_id``
  (the id LAPOR! and the citizen know, and the key of the status sync back);
  title ``judul``; description ``isi``; ``kategori``, ``klasifikasi``,
  ``sumber``, ``instansi_tujuan``, ``status`` and both dates in metadata, with
  ``metadata["event_id"]``; ``lokasi`` lat/lon as the location with
  ``lokasi.teks`` as its address (without coordinates the text goes to
  ``metadata["lokasi_teks"]`` for the area enrichment); ``lampiran`` as
  attachments; ``received_at`` = ``tanggal_disposisi`` (when the report reached
  the province, which starts our SLA clock), else ``tanggal_laporan``.
  Privacy: ``rahasia`` -> ``secret``; else ``anonim`` -> ``anonymous``; else ``public``.
  ``anonim`` drops the reporter entirely: no name, phone or email anywhere in
  the outcome, metadata included.
- ``laporan.tanggapan_pelapor`` -> ``FollowUp`` with ``thread_refs=[tracking_id]``
  (it finds the complaint whose external id is the tracking id), text
  ``tanggapan.isi``, external id = ``event_id``.  A response not written by the
  reporter (``oleh`` other than ``pelapor``) is ``Ignored("not_from_reporter")``:
  it would be our own answer echoed back.
- any other event is ``Ignored("unknown_event")``.

Idempotency: ``event_id`` is unique per event.  Deliveries should be
deduplicated on (``lapor``, ``event_id``); a create is further deduplicated by
(``lapor``, ``tracking_id``) as its complaint external id, so a report disposed
twice (two event ids) still makes one complaint.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from pydantic import ValidationError

from app.channels.schemas import (
    LAPOR_EVENTS,
    LaporDisposisi,
    LaporEvent,
    LaporTanggapanPelapor,
    validation_message,
)
from app.intake.drafts import (
    AdapterError,
    AttachmentDraft,
    ComplaintDraft,
    Delivery,
    FollowUp,
    Ignored,
    LocationDraft,
    Outcome,
    Privacy,
    ReporterDraft,
    SignatureError,
    clean_value,
    load_json,
)

CHANNEL = "lapor"
TITLE_MAX = 200


def verify(headers: dict[str, str], body: bytes, secret: str) -> None:
    """Raise ``SignatureError`` unless ``X-Lapor-Signature`` is ``sha256=<hex HMAC-SHA256(secret, body)>``."""
    value = next((v for k, v in headers.items() if k.lower() == "x-lapor-signature"), "").strip()
    if not value:
        raise SignatureError("missing X-Lapor-Signature")
    scheme, _, given = value.partition("=")
    if scheme.strip().lower() != "sha256" or not given:
        raise SignatureError("X-Lapor-Signature must be sha256=<hex>")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given.strip().lower()):
        raise SignatureError("X-Lapor-Signature mismatch")


def _created(ev: LaporDisposisi) -> ComplaintDraft:
    privacy: Privacy = "secret" if ev.rahasia else "anonymous" if ev.anonim else "public"
    reporter = None
    if not ev.anonim and ev.pelapor is not None:
        p = ev.pelapor
        if any((p.nama, p.telepon, p.email)):
            reporter = ReporterDraft(
                name=(p.nama or "").strip() or None,
                phone=(p.telepon or "").strip() or None,
                email=(p.email or "").strip().lower() or None,
            )
    metadata: dict[str, Any] = {
        "event_id": ev.event_id,
        "event": ev.event,
        "tracking_id": ev.tracking_id,
        "klasifikasi": ev.klasifikasi,
        "kategori": ev.kategori.model_dump() if ev.kategori else None,
        "sumber": ev.sumber,
        "instansi_tujuan": ev.instansi_tujuan.model_dump() if ev.instansi_tujuan else None,
        "status": ev.status,
        "tanggal_laporan": ev.tanggal_laporan.isoformat() if ev.tanggal_laporan else None,
        "tanggal_disposisi": ev.tanggal_disposisi.isoformat() if ev.tanggal_disposisi else None,
        "rahasia": ev.rahasia,
        "anonim": ev.anonim,
    }
    location = None
    if ev.lokasi is not None:
        address = (ev.lokasi.teks or "").strip() or None
        if ev.lokasi.lat is not None and ev.lokasi.lon is not None:
            location = LocationDraft(lat=ev.lokasi.lat, lon=ev.lokasi.lon, address=address)
        elif address:
            metadata["lokasi_teks"] = address
    attachments = [
        AttachmentDraft(url=item.url, media_type=item.mime or None, filename=item.nama or None)
        for item in ev.lampiran or []
    ]
    title = (ev.judul or "").strip()[:TITLE_MAX] or None
    return ComplaintDraft(
        channel=CHANNEL,
        external_id=ev.tracking_id,
        description=ev.isi,
        title=title,
        attachments=attachments,
        metadata={k: v for k, v in metadata.items() if v is not None},
        location=location,
        reporter=reporter,
        privacy=privacy,
        received_at=ev.tanggal_disposisi or ev.tanggal_laporan,
    )


def _followed_up(ev: LaporTanggapanPelapor) -> Outcome:
    if ev.tanggapan.oleh and ev.tanggapan.oleh.strip().lower() != "pelapor":
        return Ignored(reason="not_from_reporter", external_id=ev.event_id)
    metadata = {
        "event_id": ev.event_id,
        "event": ev.event,
        "tracking_id": ev.tracking_id,
        "status": ev.status,
        "oleh": ev.tanggapan.oleh,
    }
    return FollowUp(
        channel=CHANNEL,
        external_id=ev.event_id,
        text=ev.tanggapan.isi,
        thread_refs=[ev.tracking_id],
        received_at=ev.tanggapan.waktu,
        metadata={k: v for k, v in metadata.items() if v is not None},
    )


class LaporAdapter:
    code = CHANNEL

    def parse(self, delivery: Delivery) -> list[Outcome]:
        try:
            data = load_json(delivery.body)
        except AdapterError as exc:
            raise AdapterError(f"LAPOR! {exc}") from None
        if not isinstance(data, dict):
            raise AdapterError("LAPOR! body must be a JSON object")
        event = data.get("event")
        if event not in LAPOR_EVENTS:
            event_id = data.get("event_id")
            return [
                Ignored(reason="unknown_event", external_id=str(event_id) if event_id is not None else None)
            ]
        try:
            ev = LaporEvent.model_validate(data).root
        except ValidationError as exc:
            raise AdapterError(f"LAPOR! {event} invalid: {validation_message(exc)}") from exc
        if isinstance(ev, LaporDisposisi):
            return [_created(ev)]
        return [_followed_up(ev)]

    @staticmethod
    def redact_raw(body: bytes) -> bytes | None:
        """The archived body of an ``anonim`` report without the reporter.

        ``anonim`` means no identity is stored at all, the raw archive included;
        the pipeline calls this once the delivery is mapped (until then the raw
        bytes are all there is, and they must not be lost).
        """
        try:
            data = load_json(body)
        except AdapterError:
            return None
        if isinstance(data, dict) and data.get("anonim") is True and data.get("pelapor"):
            data["pelapor"] = None
            return json.dumps(clean_value(data), ensure_ascii=False, separators=(",", ":")).encode()
        return None


ADAPTER = LaporAdapter()

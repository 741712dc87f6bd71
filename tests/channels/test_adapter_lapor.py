"""LAPOR! webhook: signature, disposition (create), reporter follow-up, privacy and anonymity."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest

from app.channels.adapters import lapor
from app.intake.drafts import AdapterError, ComplaintDraft, Delivery, FollowUp, Ignored, SignatureError

SECRET = "test-lapor-secret"
WIB = timezone(timedelta(hours=7))

DISPOSISI = {
    "event_id": "evt-20260301-000042",
    "event": "laporan.didisposisikan",
    "tracking_id": "6120034",
    "judul": "Lampu jalan mati",
    "isi": "Lampu jalan di Jl. Cikini Raya depan TIM mati sejak seminggu, rawan kejahatan.",
    "klasifikasi": "pengaduan",
    "kategori": {"id": "12", "parent": "1", "topic_name": "Penerangan Jalan"},
    "sumber": "web",
    "tanggal_laporan": "2026-03-01T09:00:00+07:00",
    "tanggal_disposisi": "2026-03-01T11:30:00+07:00",
    "instansi_tujuan": {"id": "3100", "nama": "Pemerintah Provinsi DKI Jakarta"},
    "lokasi": {"teks": "Jl. Cikini Raya, Menteng", "lat": -6.19, "lon": 106.84},
    "rahasia": False,
    "anonim": False,
    "pelapor": {"nama": "Budi", "telepon": "081311110000", "email": None},
    "lampiran": [
        {"nama": "foto.jpg", "url": "https://lapor.go.id/files/6120034/foto.jpg", "mime": "image/jpeg"}
    ],
    "status": "Didisposisikan",
}
TANGGAPAN = {
    "event_id": "evt-20260302-000107",
    "event": "laporan.tanggapan_pelapor",
    "tracking_id": "6120034",
    "status": "Ditindaklanjuti",
    "tanggapan": {
        "oleh": "pelapor",
        "isi": "Sudah dua hari masih mati.",
        "waktu": "2026-03-03T08:00:00+07:00",
    },
}


def body(obj: dict) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def parse(obj: dict) -> list:
    return lapor.ADAPTER.parse(Delivery(body=body(obj), content_type="application/json"))


def with_(base: dict, **changes) -> dict:
    out = copy.deepcopy(base)
    out.update(changes)
    return out


def sig(raw: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def test_verify_good() -> None:
    raw = body(DISPOSISI)
    lapor.verify({"x-lapor-signature": sig(raw)}, raw, SECRET)


@pytest.mark.parametrize(
    "headers",
    [
        {"x-lapor-signature": sig(body(DISPOSISI), "wrong")},
        {"x-lapor-signature": sig(body(TANGGAPAN))},
        {"x-lapor-signature": "sha256="},
        {"x-signature": sig(body(DISPOSISI))},
        {},
    ],
    ids=["forged", "other-body", "empty", "wrong-header", "missing"],
)
def test_verify_refuses(headers: dict[str, str]) -> None:
    with pytest.raises(SignatureError):
        lapor.verify(headers, body(DISPOSISI), SECRET)


def test_disposition_creates_complaint() -> None:
    [out] = parse(DISPOSISI)
    assert isinstance(out, ComplaintDraft)
    assert out.channel == "lapor"
    assert out.external_id == "6120034"
    assert out.title == "Lampu jalan mati"
    assert out.description.startswith("Lampu jalan di Jl. Cikini Raya")
    assert out.privacy == "public"
    assert out.location is not None
    assert (out.location.lat, out.location.lon, out.location.address) == (
        -6.19,
        106.84,
        "Jl. Cikini Raya, Menteng",
    )
    assert out.reporter is not None
    assert (out.reporter.name, out.reporter.phone, out.reporter.email) == ("Budi", "081311110000", None)
    assert [(a.url, a.media_type, a.filename) for a in out.attachments] == [
        ("https://lapor.go.id/files/6120034/foto.jpg", "image/jpeg", "foto.jpg")
    ]
    assert out.metadata["event_id"] == "evt-20260301-000042"
    assert out.metadata["kategori"]["topic_name"] == "Penerangan Jalan"
    assert out.metadata["klasifikasi"] == "pengaduan"
    assert out.metadata["sumber"] == "web"
    assert out.metadata["instansi_tujuan"]["id"] == "3100"
    assert out.received_at == datetime(2026, 3, 1, 11, 30, tzinfo=WIB)


@pytest.mark.parametrize(
    ("rahasia", "anonim", "privacy", "has_reporter"),
    [
        (False, False, "public", True),
        (True, False, "secret", True),
        (False, True, "anonymous", False),
        (True, True, "secret", False),
    ],
)
def test_privacy_and_anonymity(rahasia: bool, anonim: bool, privacy: str, has_reporter: bool) -> None:
    [out] = parse(with_(DISPOSISI, rahasia=rahasia, anonim=anonim))
    assert isinstance(out, ComplaintDraft)
    assert out.privacy == privacy
    assert (out.reporter is not None) is has_reporter
    if not has_reporter:
        # No trace of the identity anywhere in the outcome.
        dumped = json.dumps(out.metadata) + out.description + (out.title or "")
        assert "Budi" not in dumped and "081311110000" not in dumped


@pytest.mark.parametrize(
    ("changes", "location", "lokasi_teks"),
    [
        ({"lokasi": None}, None, None),
        ({"lokasi": {"teks": "Kelurahan Cikini", "lat": None, "lon": None}}, None, "Kelurahan Cikini"),
        ({"lokasi": {"lat": "-6.2", "lon": "106.8"}}, (-6.2, 106.8, None), None),
        ({"pelapor": None, "lampiran": None}, (-6.19, 106.84, "Jl. Cikini Raya, Menteng"), None),
        ({"lampiran": []}, (-6.19, 106.84, "Jl. Cikini Raya, Menteng"), None),
    ],
)
def test_optional_parts(changes: dict, location: tuple | None, lokasi_teks: str | None) -> None:
    [out] = parse(with_(DISPOSISI, **changes))
    assert isinstance(out, ComplaintDraft)
    got = (out.location.lat, out.location.lon, out.location.address) if out.location else None
    assert got == location
    assert out.metadata.get("lokasi_teks") == lokasi_teks


def test_numeric_ids_are_accepted_as_strings() -> None:
    [out] = parse(with_(DISPOSISI, tracking_id=6120034))
    assert isinstance(out, ComplaintDraft) and out.external_id == "6120034"


def test_reporter_response_is_follow_up() -> None:
    [out] = parse(TANGGAPAN)
    assert isinstance(out, FollowUp)
    assert out.channel == "lapor"
    assert out.thread_refs == ["6120034"]
    assert out.text == "Sudah dua hari masih mati."
    assert out.external_id == "evt-20260302-000107"
    assert out.received_at == datetime(2026, 3, 3, 8, 0, tzinfo=WIB)
    assert out.fallback is None
    assert out.metadata["status"] == "Ditindaklanjuti"


def test_response_from_agency_is_ignored() -> None:
    ev = with_(TANGGAPAN, tanggapan={"oleh": "instansi", "isi": "Sedang ditangani."})
    assert parse(ev) == [Ignored(reason="not_from_reporter", external_id="evt-20260302-000107")]


def test_unknown_event_is_ignored() -> None:
    ev = {"event_id": "evt-9", "event": "laporan.selesai", "tracking_id": "6120034"}
    assert parse(ev) == [Ignored(reason="unknown_event", external_id="evt-9")]


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1]",
        body(with_(DISPOSISI, isi="")),
        body({k: v for k, v in DISPOSISI.items() if k != "tracking_id"}),
        body({k: v for k, v in DISPOSISI.items() if k != "event_id"}),
        body(with_(DISPOSISI, lokasi={"lat": 123, "lon": 106.8})),
        body(with_(DISPOSISI, lampiran=[{"nama": "x.jpg"}])),
        body(with_(TANGGAPAN, tanggapan=None)),
    ],
    ids=[
        "not-json",
        "array",
        "empty-isi",
        "no-tracking-id",
        "no-event-id",
        "bad-lat",
        "lampiran-no-url",
        "no-tanggapan",
    ],
)
def test_malformed(raw: bytes) -> None:
    with pytest.raises(AdapterError):
        lapor.ADAPTER.parse(Delivery(body=raw, content_type="application/json"))

"""Request models of the channel formats that are ours (no platform defines them).

- ``OfficeIntake``: ``POST /v1/channels/{office}/intake`` (pendopo, inspektorat,
  walikota, kecamatan, kelurahan), a desk officer's form.
- ``MediaClipping``: ``POST /v1/channels/media/clippings``.
- ``JakiReport``: ``POST /v1/channels/jaki/reports`` as JSON; the multipart
  variant carries the same fields as form fields plus 1-5 ``photos`` files
  (``jaki_form_to_payload`` turns the form fields into this model's input).
- ``SmsGatewayMessage``: the SMS aggregator's JSON (contracts.md).
- ``LaporEvent``: the LAPOR! webhook, both events (contracts.md).

and the answer of the inbound review, ``InboundList``.

Our own intake formats forbid unknown fields so that a misspelt field name is a
422 naming it, not a silently lost value; the partner webhooks (SMS aggregator,
LAPOR!) ignore unknown fields because partners add fields without notice.

Times without an offset are Jakarta local time (WIB, UTC+7): the SMS aggregator
sends them that way and desk officers type them that way.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from app.complaints.catalogue import CATEGORY_CODES
from app.complaints.schemas import (
    MAX_DESCRIPTION,
    RECEIVED_AT_RANGE,
    check_received_at,
    no_nul,
    sane_received_at,
)
from app.core.pii import is_plausible_nik, normalise_phone
from app.core.schemas import Timestamp
from app.intake.drafts import AdapterError, LocationDraft, ReporterDraft, load_json

WIB = timezone(timedelta(hours=7), "WIB")
MAX_JAKI_PHOTOS = 5

Privacy = Literal["public", "anonymous", "secret"]
# Partner formats (SMS aggregator, LAPOR!): the pipeline fits their values to the columns.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Our own formats say their limits, the columns' or the canonical schema's.
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DESCRIPTION)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalText = Annotated[str | None, StringConstraints(strip_whitespace=True)]

Address = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=500)]

_AREA_CODE_RE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _wib_datetime(value: Any) -> Any:
    """Parse ``2026-03-01 10:12:40`` (WIB) and ISO 8601 with an offset alike."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            value = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValueError("expected a date-time such as 2026-03-01T10:12:40+07:00") from exc
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=WIB)
    return value


WibDatetime = Annotated[datetime, BeforeValidator(_wib_datetime)]
# A time a person typed or an app sent: 422 outside RECEIVED_AT_RANGE.
SaneWibDatetime = Annotated[datetime, BeforeValidator(_wib_datetime), AfterValidator(check_received_at)]


def _sane_or_none(value: datetime | None) -> datetime | None:
    return value if value is None or sane_received_at(value) else None


# A partner's timestamp: one outside RECEIVED_AT_RANGE is the partner's bug, not a reason to
# refuse the citizen's message; it is dropped and the time of arrival counts.
PartnerDatetime = Annotated[datetime, BeforeValidator(_wib_datetime), AfterValidator(_sane_or_none)]


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _check_category(value: str | None) -> str | None:
    if value is not None and value not in CATEGORY_CODES:
        raise ValueError(f"unknown category {value!r}; see GET /v1/categories")
    return value


def _check_area_code(value: str | None) -> str | None:
    if value is not None and not _AREA_CODE_RE.match(value):
        raise ValueError("expected a Kemendagri code such as 31.71.01.1001")
    return value


Category = Annotated[str | None, BeforeValidator(_blank_to_none)]
AreaCode = Annotated[str | None, BeforeValidator(_blank_to_none)]


class _Ours(BaseModel):
    """Our own intake formats: unknown fields are errors, and so is NUL in any text (forms and
    multipart do not pass through ``app.core.routes.JsonRoute``'s checks)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return no_nul(value)


class ChannelLocationIn(_Ours):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90, description="WGS 84 latitude")
    lon: float = Field(ge=-180, le=180, description="WGS 84 longitude")
    accuracy_m: float | None = Field(
        default=None, ge=0, le=100_000, description="GPS accuracy radius in metres"
    )
    address: Address = None


class ChannelReporterIn(_Ours):
    """The citizen; every field optional (a walk-in may refuse to give a name)."""

    model_config = ConfigDict(extra="forbid")

    name: OptionalText = Field(default=None, max_length=200)
    phone: OptionalText = Field(
        default=None, max_length=40, description="any Indonesian form; stored as E.164"
    )
    email: OptionalText = Field(default=None, max_length=320)
    nik: OptionalText = Field(default=None, max_length=40, description="16-digit Nomor Induk Kependudukan")

    @field_validator("name", "phone", "email", "nik", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        e164 = normalise_phone(value)
        if e164 is None:
            raise ValueError("not a valid phone number")
        return e164

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _EMAIL_RE.match(value):
            raise ValueError("not a valid email address")
        return value.lower()

    @field_validator("nik")
    @classmethod
    def _nik(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = re.sub(r"[\s.\-]", "", value)
        if not is_plausible_nik(digits):
            raise ValueError("not a valid NIK (16 digits: province, kota, kecamatan, birth date, serial)")
        return digits


class _Intake(_Ours):
    model_config = ConfigDict(extra="forbid")

    @field_validator("category", check_fields=False)
    @classmethod
    def _category(cls, value: str | None) -> str | None:
        return _check_category(value)

    @field_validator("area_code", "office_area_code", check_fields=False)
    @classmethod
    def _area(cls, value: str | None) -> str | None:
        return _check_area_code(value)


class OfficeIntake(_Intake):
    """A complaint written down by a desk officer at one of the offices.

    ``privacy`` defaults to ``public``, except at the Inspektorat, where it
    defaults to ``secret`` (misconduct reports are confidential).  At walikota,
    kecamatan and kelurahan offices the complaint's area defaults to
    ``office_area_code``; ``area_code`` overrides it when the complaint is about
    another place.  ``external_id`` is the desk form's number; it is unique only
    within one office, so the stored external id is ``{office_area_code}:{external_id}``
    when the office code is given.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Jalan berlubang di Jl. Cikini Raya",
                    "description": "Jalan berlubang di Jl. Cikini Raya dekat halte, motor sering jatuh "
                    "saat hujan. Pelapor datang langsung ke Balai Kota.",
                    "category": "roads",
                    "reporter": {"name": "Siti Rahmawati", "phone": "0813-1111-0000"},
                    "location": {"lat": -6.1915, "lon": 106.8391, "address": "Jl. Cikini Raya No. 73"},
                    "office_name": "Pendopo Balai Kota DKI Jakarta",
                    "external_id": "PBK-2026-03-0017",
                    "received_at": "2026-03-02T09:15:00+07:00",
                },
                {
                    "title": "Pungutan liar pembuatan KTP",
                    "description": "Oknum petugas kelurahan meminta uang Rp 200.000 untuk mempercepat "
                    "pembuatan KTP elektronik.",
                    "category": "misconduct",
                    "reporter": {"name": "Andi Wijaya", "phone": "081298765432", "nik": "3174052303850004"},
                    "office_name": "Inspektorat Provinsi DKI Jakarta",
                    "external_id": "INSP-2026-0042",
                },
                {
                    "title": "Sampah menumpuk di pinggir Kali Ciliwung",
                    "description": "Sampah rumah tangga menumpuk di bantaran Kali Ciliwung belakang pasar, "
                    "sudah seminggu tidak diangkut.",
                    "category": "rubbish",
                    "reporter": {"name": "Rudi Hartono"},
                    "office_area_code": "31.75",
                    "office_name": "Kantor Wali Kota Jakarta Timur",
                },
                {
                    "description": "Saluran air tersumbat di Jl. Kramat Sentiong, air meluap ke jalan setiap hujan.",
                    "category": "drainage_flood",
                    "reporter": {"name": "Dewi Lestari", "email": "dewi.lestari@example.com"},
                    "office_area_code": "31.71.03",
                    "office_name": "Kantor Kecamatan Senen",
                    "external_id": "SNN-031",
                },
                {
                    "title": "Lampu PJU mati di gang RT 05",
                    "description": "Lampu penerangan jalan di Gang Sawo RT 05/RW 02 mati sejak tiga hari.",
                    "category": "street_lights",
                    "privacy": "anonymous",
                    "office_area_code": "31.71.01.1001",
                    "office_name": "Kantor Kelurahan Gambir",
                },
            ]
        },
    )

    title: ShortText | None = None
    description: LongText
    category: Category = None
    reporter: ChannelReporterIn | None = None
    privacy: Privacy | None = Field(default=None, description="default public; secret at the Inspektorat")
    location: ChannelLocationIn | None = None
    area_code: AreaCode = Field(default=None, description="Kemendagri code of the complaint's area, if known")
    office_area_code: AreaCode = Field(default=None, description="Kemendagri code of the office's own area")
    office_name: OptionalText = Field(default=None, max_length=200)
    external_id: OptionalText = Field(default=None, max_length=100, description="the desk form's number")
    received_at: SaneWibDatetime | None = Field(
        default=None, description=f"when the citizen came; default now; {RECEIVED_AT_RANGE}"
    )


class MediaClipping(_Intake):
    """A public aspiration found in mass media, logged by media-monitoring staff.

    The clipping URL identifies it: logging the same article twice creates one complaint.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "outlet": "Kompas.com",
                    "url": "https://megapolitan.kompas.com/read/2026/03/01/10120001/warga-keluhkan-jalan-berlubang-di-cikini",
                    "headline": "Warga Keluhkan Jalan Berlubang di Cikini, Pemotor Sering Terjatuh",
                    "excerpt": "Jalan berlubang di Jl. Cikini Raya dekat halte Transjakarta dikeluhkan warga. "
                    "Sejumlah pemotor dilaporkan terjatuh saat hujan.",
                    "published_at": "2026-03-01T10:12:00+07:00",
                    "category": "roads",
                    "area_code": "31.71.06",
                    "location": {"lat": -6.1915, "lon": 106.8391, "address": "Jl. Cikini Raya, Menteng"},
                }
            ]
        },
    )

    outlet: ShortText
    # the clipping's id (external_id), stored in 500 characters
    url: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=500)]
    headline: ShortText
    excerpt: LongText
    published_at: SaneWibDatetime = Field(description=f"{RECEIVED_AT_RANGE}")
    category: Category = None
    area_code: AreaCode = None
    location: ChannelLocationIn | None = None


class JakiReport(_Intake):
    """A citizen's report from the JAKI app: a GPS fix is required.

    Multipart variant: the same fields as form fields (``location`` and
    ``reporter`` either as JSON strings or flat as ``lat``, ``lon``,
    ``accuracy_m``, ``address``, ``reporter_name``, ``reporter_phone``,
    ``reporter_email``, ``reporter_nik``) plus 1-5 image files named ``photos``.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Pohon tumbang menutup jalan",
                    "description": "Pohon angsana tumbang di Jl. Teuku Umar setelah hujan deras, "
                    "menutup satu lajur jalan.",
                    "category": "trees",
                    "location": {
                        "lat": -6.1962,
                        "lon": 106.8317,
                        "accuracy_m": 8.5,
                        "address": "Jl. Teuku Umar, Gondangdia, Menteng",
                    },
                    "privacy": "public",
                    "reporter": {"name": "Budi Santoso", "phone": "+6281311110000"},
                    "client_report_id": "jaki-7f3c9a2e-0b41-4c55-9d0e-2a6f1c8b7e10",
                    "submitted_at": "2026-03-01T16:40:12+07:00",
                }
            ]
        },
    )

    title: ShortText | None = None
    description: LongText
    category: Category = None
    location: ChannelLocationIn
    privacy: Privacy = "public"
    reporter: ChannelReporterIn | None = None
    client_report_id: OptionalText = Field(
        default=None, max_length=100, description="the app's own report id"
    )
    submitted_at: SaneWibDatetime | None = Field(default=None, description=f"{RECEIVED_AT_RANGE}")


class PhotoCountError(ValueError):
    pass


def validate_photo_count(count: int, *, multipart: bool) -> None:
    """JAKI reports carry 1-5 photos when multipart (none in the JSON variant)."""
    if count > MAX_JAKI_PHOTOS:
        raise PhotoCountError(f"at most {MAX_JAKI_PHOTOS} photos, got {count}")
    if multipart and count < 1:
        raise PhotoCountError("a multipart report needs at least one photo in 'photos'")


_FLAT_LOCATION = {"lat": "lat", "lon": "lon", "accuracy_m": "accuracy_m", "address": "address"}
_FLAT_REPORTER = {
    "reporter_name": "name",
    "reporter_phone": "phone",
    "reporter_email": "email",
    "reporter_nik": "nik",
}


def jaki_form_to_payload(form: Mapping[str, str]) -> dict[str, Any]:
    """The multipart JAKI form's text fields as ``JakiReport`` input.

    ``location``/``reporter`` may come as JSON strings or as flat fields; empty
    fields are dropped (HTML forms send them).  Raises ``ValueError`` for a
    field that claims to be JSON and is not.
    """
    payload: dict[str, Any] = {}
    location: dict[str, Any] = {}
    reporter: dict[str, Any] = {}
    for key, value in form.items():
        if key == "photos" or value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key in ("location", "reporter"):
            try:
                payload[key] = json.loads(value)
            except ValueError as exc:
                raise ValueError(f"{key}: not valid JSON") from exc
        elif key in _FLAT_LOCATION:
            location[_FLAT_LOCATION[key]] = value
        elif key in _FLAT_REPORTER:
            reporter[_FLAT_REPORTER[key]] = value
        else:
            payload[key] = value
    if location and "location" not in payload:
        payload["location"] = location
    if reporter and "reporter" not in payload:
        payload["reporter"] = reporter
    return payload


def validation_message(exc: ValidationError) -> str:
    """A one-line summary of a pydantic error, naming the fields (for ``AdapterError``)."""
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err["loc"]) or "body"
        parts.append(f"{loc}: {err['msg']}")
    more = len(exc.errors()) - 5
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


# --- partner formats (contracts.md) -------------------------------------------------------------


class _Partner(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class SmsConcat(_Partner):
    ref: int = Field(
        ge=0, le=65535, description="concatenation reference, shared by every part of one message"
    )
    total: int = Field(ge=1, le=255)
    seq: int = Field(ge=1, le=255)

    @model_validator(mode="after")
    def _seq_in_range(self) -> SmsConcat:
        if self.seq > self.total:
            raise ValueError(f"seq {self.seq} is greater than total {self.total}")
        return self


class SmsGatewayMessage(_Partner):
    """One physical SMS from the aggregator (``POST /v1/channels/sms/inbound``)."""

    model_config = ConfigDict(
        extra="ignore",
        coerce_numbers_to_str=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "MO-20260301-1012-01-0042",
                    "msisdn": "6281311110000",
                    "to": "08111272206",
                    "operator": "TELKOMSEL",
                    "text": "Jalan berlubang di Jl. Cikini Raya dekat halte, motor sering jatuh.",
                    "encoding": "GSM7",
                    "received_at": "2026-03-01 10:12:40",
                },
                {
                    "id": "MO-20260301-1012-02-0042",
                    "msisdn": "6281311110000",
                    "to": "08111272206",
                    "operator": "INDOSAT",
                    "text": "Lampu PJU di Jl. Cikini Raya mati sejak",
                    "encoding": "GSM7",
                    "received_at": "2026-03-01 10:12:40",
                    "concat": {"ref": 42, "total": 2, "seq": 1},
                },
            ]
        },
    )

    id: Text = Field(max_length=200)
    msisdn: Text = Field(max_length=40)
    to: OptionalText = None
    operator: OptionalText = None
    text: str
    encoding: OptionalText = None
    received_at: PartnerDatetime | None = None
    concat: SmsConcat | None = None


class LaporKategori(_Partner):
    id: str | None = None
    parent: str | None = None
    topic_name: str | None = None


class LaporInstansi(_Partner):
    id: str | None = None
    nama: str | None = None


class LaporLokasi(_Partner):
    teks: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class LaporPelapor(_Partner):
    nama: str | None = None
    telepon: str | None = None
    email: str | None = None


class LaporLampiran(_Partner):
    nama: str | None = None
    url: Text
    mime: str | None = None


class LaporTanggapan(_Partner):
    oleh: str | None = None
    isi: Text
    waktu: PartnerDatetime | None = None


class LaporDisposisi(_Partner):
    """``laporan.didisposisikan``: a report handed to the province."""

    event_id: Text = Field(max_length=200)
    event: Literal["laporan.didisposisikan"]
    tracking_id: Text = Field(max_length=200)
    judul: str | None = None
    isi: Text
    klasifikasi: str | None = None
    kategori: LaporKategori | None = None
    sumber: str | None = None
    tanggal_laporan: PartnerDatetime | None = None
    tanggal_disposisi: PartnerDatetime | None = None
    instansi_tujuan: LaporInstansi | None = None
    lokasi: LaporLokasi | None = None
    rahasia: bool = False
    anonim: bool = False
    pelapor: LaporPelapor | None = None
    lampiran: list[LaporLampiran] | None = None
    status: str | None = None


class LaporTanggapanPelapor(_Partner):
    """``laporan.tanggapan_pelapor``: the reporter added to a report."""

    event_id: Text = Field(max_length=200)
    event: Literal["laporan.tanggapan_pelapor"]
    tracking_id: Text = Field(max_length=200)
    status: str | None = None
    tanggapan: LaporTanggapan


LAPOR_EVENTS = ("laporan.didisposisikan", "laporan.tanggapan_pelapor")


class LaporEvent(RootModel[Annotated[LaporDisposisi | LaporTanggapanPelapor, Field(discriminator="event")]]):
    """A LAPOR! webhook event (``POST /v1/channels/lapor/webhook``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "event_id": "evt-20260301-000042",
                    "event": "laporan.didisposisikan",
                    "tracking_id": "6120034",
                    "judul": "Lampu jalan mati",
                    "isi": "Lampu jalan di Jl. Cikini Raya depan Taman Ismail Marzuki mati sejak seminggu.",
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
                        {
                            "nama": "foto.jpg",
                            "url": "https://lapor.go.id/files/6120034/foto.jpg",
                            "mime": "image/jpeg",
                        }
                    ],
                    "status": "Didisposisikan",
                },
                {
                    "event_id": "evt-20260302-000107",
                    "event": "laporan.tanggapan_pelapor",
                    "tracking_id": "6120034",
                    "status": "Ditindaklanjuti",
                    "tanggapan": {
                        "oleh": "pelapor",
                        "isi": "Sudah dua hari masih mati.",
                        "waktu": "2026-03-03T08:00:00+07:00",
                    },
                },
            ]
        }
    )


def intake_payload(context: Mapping[str, Any], body: bytes, model: type[BaseModel]) -> Any:
    """The validated intake model for an adapter.

    The endpoint validates the request with ``model`` first (answering 422
    problem+json on errors) and hands the result over as
    ``delivery.context["payload"]`` (a dict, or the model instance itself).
    Validating again is cheap and keeps the adapter correct when it is called
    with a stored delivery (re-parsing a failed one), where only the raw JSON
    body exists.  Raises ``ValueError`` with the fields that are wrong.
    """
    payload = context.get("payload")
    if isinstance(payload, model):
        return payload
    if payload is None:
        try:
            payload = load_json(body or b"null")
        except AdapterError as exc:
            raise ValueError(str(exc)) from None
    if not isinstance(payload, Mapping):
        raise ValueError("the payload must be a JSON object")
    try:
        return model.model_validate(dict(payload))
    except ValidationError as exc:
        raise ValueError(validation_message(exc)) from exc


def location_draft(loc: ChannelLocationIn | None) -> LocationDraft | None:
    if loc is None:
        return None
    return LocationDraft(lat=loc.lat, lon=loc.lon, accuracy_m=loc.accuracy_m, address=loc.address)


def reporter_draft(rep: ChannelReporterIn | None) -> ReporterDraft | None:
    if rep is None or not any((rep.name, rep.phone, rep.email, rep.nik)):
        return None
    return ReporterDraft(name=rep.name, phone=rep.phone, email=rep.email, nik=rep.nik)


# --------------------------------------------------------------------------- inbound review (answers)


class InboundDeliveryOut(BaseModel):
    """A stored delivery as ``GET /v1/inbound`` lists it (never its whole body)."""

    id: uuid.UUID
    channel: str
    endpoint: str
    status: str
    error: str | None = None
    content_type: str | None = None
    size: int
    outcomes: list[dict[str, Any]]
    deliveries: int
    attempts: int
    received_at: Timestamp
    processed_at: Timestamp | None = None
    body_preview: str = Field(description="The first 500 bytes of the body, decoded as UTF-8 (leniently)")


class InboundList(BaseModel):
    items: list[InboundDeliveryOut]
    next_cursor: str | None = None

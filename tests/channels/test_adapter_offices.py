"""Office desks (pendopo, inspektorat, walikota, kecamatan, kelurahan), media clippings and JAKI reports."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from app.channels.adapters import jaki, media
from app.channels.adapters.offices import ADAPTERS, OFFICES
from app.channels.schemas import JakiReport, MediaClipping, OfficeIntake, jaki_form_to_payload
from app.intake.drafts import AdapterError, AttachmentDraft, ComplaintDraft, Delivery

WIB = timezone(timedelta(hours=7))


def intake(office: str, payload: dict, **context) -> ComplaintDraft:
    """As the endpoint calls it: the model-validated dict in context["payload"]."""
    validated = OfficeIntake.model_validate(payload).model_dump()
    [out] = ADAPTERS[office].parse(
        Delivery(body=json.dumps(payload).encode(), context={"payload": validated, **context})
    )
    assert isinstance(out, ComplaintDraft)
    return out


FORM = {
    "title": "Saluran air tersumbat",
    "description": "Saluran air di Jl. Kramat Sentiong tersumbat, air meluap ke jalan setiap hujan.",
    "category": "drainage_flood",
    "reporter": {"name": "Dewi Lestari", "phone": "0813-1111-0000", "nik": "3171014101900001"},
    "office_area_code": "31.71.03",
    "office_name": "Kantor Kecamatan Senen",
    "external_id": "SNN-031",
}


def test_five_offices_one_adapter_each() -> None:
    assert (
        sorted(ADAPTERS)
        == sorted(OFFICES)
        == sorted(["pendopo", "inspektorat", "walikota", "kecamatan", "kelurahan"])
    )
    assert all(ADAPTERS[code].code == code for code in OFFICES)


@pytest.mark.parametrize(
    ("office", "privacy", "area_code"),
    [
        ("pendopo", "public", None),
        ("inspektorat", "secret", None),
        ("walikota", "public", "31.71.03"),
        ("kecamatan", "public", "31.71.03"),
        ("kelurahan", "public", "31.71.03"),
    ],
)
def test_office_defaults(office: str, privacy: str, area_code: str | None) -> None:
    out = intake(office, FORM)
    assert out.channel == office
    assert out.privacy == privacy
    assert out.area_code == area_code
    assert out.external_id == "31.71.03:SNN-031"
    assert out.title == "Saluran air tersumbat"
    assert out.category == "drainage_flood"
    assert out.reporter is not None
    assert (out.reporter.name, out.reporter.phone, out.reporter.nik) == (
        "Dewi Lestari",
        "+6281311110000",
        "3171014101900001",
    )
    assert out.metadata["office_name"] == "Kantor Kecamatan Senen"
    assert out.metadata["form_number"] == "SNN-031"


def test_explicit_privacy_and_area_win() -> None:
    out = intake("inspektorat", {**FORM, "privacy": "anonymous"})
    assert out.privacy == "anonymous"
    out = intake("kelurahan", {**FORM, "area_code": "31.71.03.1002"})
    assert out.area_code == "31.71.03.1002"


def test_minimal_form() -> None:
    out = intake("pendopo", {"description": "Pohon tumbang di Jl. Medan Merdeka Selatan."})
    assert (out.external_id, out.title, out.reporter, out.location, out.received_at) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert out.privacy == "public"


def test_received_at_without_offset_is_wib_and_location_kept() -> None:
    out = intake(
        "pendopo",
        {
            "description": "Jalan berlubang di Jl. Cikini Raya dekat halte.",
            "received_at": "2026-03-02 09:15:00",
            "location": {"lat": -6.1915, "lon": 106.8391, "address": "Jl. Cikini Raya No. 73"},
        },
        api_key_name="desk-balaikota-1",
    )
    assert out.received_at == datetime(2026, 3, 2, 9, 15, tzinfo=WIB)
    assert out.location is not None and (out.location.lat, out.location.address) == (
        -6.1915,
        "Jl. Cikini Raya No. 73",
    )
    assert out.metadata["entered_by"] == "desk-balaikota-1"


def test_without_context_payload_the_body_is_validated() -> None:
    [out] = ADAPTERS["kecamatan"].parse(Delivery(body=json.dumps(FORM).encode()))
    assert isinstance(out, ComplaintDraft) and out.area_code == "31.71.03"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"description": "  "},
        {"description": "x", "category": "jalan"},
        {"description": "x", "privacy": "rahasia"},
        {"description": "x", "office_area_code": "3171"},
        {"description": "x", "reporter": {"phone": "12345"}},
        {"description": "x", "reporter": {"nik": "1234567890123456"}},
        {"description": "x", "reporter": {"email": "bukan-email"}},
        {"description": "x", "location": {"lat": -96, "lon": 106.8}},
        {"description": "x", "descripton": "typo"},
        {"description": "x", "received_at": "kemarin"},
    ],
)
def test_office_invalid(payload: dict) -> None:
    with pytest.raises(AdapterError):
        ADAPTERS["pendopo"].parse(Delivery(body=json.dumps(payload).encode()))
    with pytest.raises(AdapterError):
        ADAPTERS["pendopo"].parse(Delivery(body=b"", context={"payload": payload}))


def test_office_body_not_json() -> None:
    with pytest.raises(AdapterError):
        ADAPTERS["walikota"].parse(Delivery(body=b"<form/>"))


def test_schema_examples_are_valid() -> None:
    for model in (OfficeIntake, MediaClipping, JakiReport):
        examples = model.model_json_schema()["examples"]
        assert examples
        for example in examples:
            model.model_validate(example)


# --- media ---------------------------------------------------------------------------------------

CLIP = {
    "outlet": "Kompas.com",
    "url": "https://megapolitan.kompas.com/read/2026/03/01/10120001/warga-keluhkan-jalan-berlubang-di-cikini",
    "headline": "Warga Keluhkan Jalan Berlubang di Cikini",
    "excerpt": "Jalan berlubang di Jl. Cikini Raya dekat halte Transjakarta dikeluhkan warga.",
    "published_at": "2026-03-01T10:12:00+07:00",
    "category": "roads",
    "area_code": "31.71.06",
}


def test_media_clipping() -> None:
    validated = MediaClipping.model_validate(CLIP).model_dump(mode="json")
    [out] = media.ADAPTER.parse(Delivery(body=b"", context={"payload": validated}))
    assert isinstance(out, ComplaintDraft)
    assert out.channel == "media"
    assert out.external_id == CLIP["url"]
    assert out.title == CLIP["headline"]
    assert out.description == CLIP["excerpt"]
    assert out.received_at == datetime(2026, 3, 1, 10, 12, tzinfo=WIB)
    assert out.reporter is not None
    assert (out.reporter.name, out.reporter.phone, out.reporter.email) == ("Kompas.com", None, None)
    assert out.reporter.handles == {"media": "kompas.com"}
    assert (out.category, out.area_code, out.privacy, out.location) == ("roads", "31.71.06", "public", None)


@pytest.mark.parametrize(
    "payload",
    [
        {k: v for k, v in CLIP.items() if k != "url"},
        {**CLIP, "url": "kompas.com/berita"},
        {**CLIP, "published_at": None},
        {**CLIP, "excerpt": ""},
        {**CLIP, "outlet": "  "},
    ],
    ids=["no-url", "url-not-http", "no-date", "empty-excerpt", "blank-outlet"],
)
def test_media_invalid(payload: dict) -> None:
    with pytest.raises(AdapterError):
        media.ADAPTER.parse(Delivery(body=json.dumps(payload).encode()))


# --- JAKI ----------------------------------------------------------------------------------------

REPORT = {
    "title": "Pohon tumbang menutup jalan",
    "description": "Pohon angsana tumbang di Jl. Teuku Umar setelah hujan deras.",
    "category": "trees",
    "location": {"lat": -6.1962, "lon": 106.8317, "accuracy_m": 8.5, "address": "Jl. Teuku Umar, Menteng"},
    "reporter": {"name": "Budi Santoso", "phone": "+6281311110000"},
    "client_report_id": "jaki-7f3c9a2e",
    "submitted_at": "2026-03-01T16:40:12+07:00",
}
PHOTOS = [
    AttachmentDraft(url=f"media://jaki/{n}.jpg", media_type="image/jpeg", size=1000 + n) for n in range(2)
]


def test_jaki_json_report() -> None:
    [out] = jaki.ADAPTER.parse(
        Delivery(
            body=b"", content_type="application/json", context={"payload": JakiReport.model_validate(REPORT)}
        )
    )
    assert isinstance(out, ComplaintDraft)
    assert out.channel == "jaki"
    assert out.external_id == "jaki-7f3c9a2e"
    assert out.location is not None
    assert (out.location.lat, out.location.lon, out.location.accuracy_m) == (-6.1962, 106.8317, 8.5)
    assert out.reporter is not None and out.reporter.phone == "+6281311110000"
    assert out.received_at == datetime(2026, 3, 1, 16, 40, 12, tzinfo=WIB)
    assert out.attachments == []


def test_jaki_multipart_form_with_photos() -> None:
    form = {
        "description": "Sampah menumpuk di Jl. Kramat Raya.",
        "lat": "-6.1870",
        "lon": "106.8440",
        "accuracy_m": "12",
        "reporter_name": "Siti",
        "reporter_phone": "0813 1111 0000",
        "client_report_id": "jaki-1",
        "category": "",
    }
    [out] = jaki.ADAPTER.parse(
        Delivery(body=b"--b--", content_type="multipart/form-data; boundary=b", form=form, files=PHOTOS)
    )
    assert isinstance(out, ComplaintDraft)
    assert out.attachments == PHOTOS
    assert out.location is not None and (out.location.lat, out.location.accuracy_m) == (-6.187, 12.0)
    assert out.reporter is not None and (out.reporter.name, out.reporter.phone) == ("Siti", "+6281311110000")
    assert out.category is None


def test_jaki_form_json_fields() -> None:
    payload = jaki_form_to_payload(
        {"description": "x", "location": '{"lat": -6.2, "lon": 106.8}', "photos": "ignored"}
    )
    assert payload == {"description": "x", "location": {"lat": -6.2, "lon": 106.8}}
    with pytest.raises(ValueError):
        jaki_form_to_payload({"description": "x", "location": "{lat"})


@pytest.mark.parametrize(
    ("payload", "files", "content_type"),
    [
        ({k: v for k, v in REPORT.items() if k != "location"}, [], "application/json"),
        ({**REPORT, "location": {"lat": -6.2}}, [], "application/json"),
        ({**REPORT, "location": {"lat": -6.2, "lon": 200}}, [], "application/json"),
        ({**REPORT, "description": ""}, [], "application/json"),
        (REPORT, [], "multipart/form-data; boundary=b"),
        (REPORT, PHOTOS * 3, "multipart/form-data; boundary=b"),
    ],
    ids=[
        "no-location",
        "no-lon",
        "lon-out-of-range",
        "empty-description",
        "multipart-no-photo",
        "six-photos",
    ],
)
def test_jaki_invalid(payload: dict, files: list, content_type: str) -> None:
    with pytest.raises(AdapterError):
        jaki.ADAPTER.parse(
            Delivery(body=json.dumps(payload).encode(), content_type=content_type, files=files)
        )

"""The texts Aduan sends citizens: what each route may say, and that every one fits its platform."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.complaints.lifecycle import STATUSES
from app.complaints.tickets import ALPHABET
from app.core.pii import find_pii
from app.outbound.templates import (
    EVENTS,
    LIMITS,
    PUBLIC_PLATFORMS,
    SMS_PLATFORMS,
    URL_MAX,
    Facts,
    Rendered,
    fits,
    format_date,
    render,
    sms_segments,
    x_weighted_length,
)

TICKET = "K7M2-Q9XD"
URL = f"https://aduan.example.go.id/track/{TICKET}"
UNIT = "Suku Dinas Bina Marga Kota Administrasi Jakarta Pusat"
PHONE, EMAIL, NIK = "0812-3456-7890", "budi.santoso@gmail.com", "3171014101900001"
PII_COMMENT = f"Lubang sudah ditambal. Hubungi {PHONE}, {EMAIL}, NIK {NIK} untuk info."
ROUTES = sorted(LIMITS)
LANGUAGES = ("id", "en")


def facts(event: str = "created", status: str = "received", **kw: Any) -> Facts:
    base: dict[str, Any] = {"ticket": TICKET, "language": "id", "track_url": URL, **kw}
    return Facts(event=event, status=status, **base)


def rendered(f: Facts, platform: str, visibility: Any = "private") -> Rendered:
    r = render(f, platform, visibility)
    assert r is not None
    return r


# --------------------------------------------------------------------------- counting


def test_x_weighted_length_counts_urls_as_23_and_non_latin_as_2() -> None:
    assert x_weighted_length("abc") == 3
    assert x_weighted_length(URL) == 23
    assert x_weighted_length(f"Pantau di {URL}") == 10 + 23
    assert x_weighted_length(f"lihat {URL}.") == 6 + 23 + 1  # the full stop is not part of the link
    assert x_weighted_length("http://a.co") == 23  # short links count 23 as well
    assert x_weighted_length("\u2014") == 1  # em dash: 8212 is in a light range
    assert x_weighted_length("\u2026") == 2  # ellipsis (8230) is not
    assert x_weighted_length("雅加达") == 6
    assert x_weighted_length("👍") == 2
    assert x_weighted_length("e\u0301") == 1  # NFC first: one "é"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("GSM-7", 1)),
        ("a" * 160, ("GSM-7", 1)),
        ("a" * 161, ("GSM-7", 2)),
        ("a" * 306, ("GSM-7", 2)),
        ("a" * 307, ("GSM-7", 3)),
        ("a" * 459, ("GSM-7", 3)),
        ("a" * 460, ("GSM-7", 4)),
        ("é" * 160, ("GSM-7", 1)),  # é, à, ñ ... are in the basic alphabet
        ("[" * 80, ("GSM-7", 1)),  # extension characters take two septets
        ("[" * 81, ("GSM-7", 2)),
        ("€" * 228, ("GSM-7", 3)),  # 456 septets, 76 escape pairs a part
        ("€" * 229, ("GSM-7", 4)),  # 458 septets, but a pair is never split across parts
        ("a" * 152 + "[" + "a" * 152, ("GSM-7", 3)),  # the escape pair is not split: [ opens part 2
        ("ş" * 70, ("UCS-2", 1)),
        ("ş" * 71, ("UCS-2", 2)),
        ("ş" * 201, ("UCS-2", 3)),
        ("ş" * 202, ("UCS-2", 4)),
        ("👍" * 35, ("UCS-2", 1)),  # a surrogate pair is two code units
        ("👍" * 36, ("UCS-2", 2)),
        ("a" * 66 + "👍" + "a" * 66, ("UCS-2", 3)),  # ... and is never split
    ],
)
def test_sms_segments(text: str, expected: tuple[str, int]) -> None:
    assert sms_segments(text) == expected


def test_fits_applies_each_platforms_measure() -> None:
    assert fits("a" * 280, "x", "public") and not fits("a" * 281, "x", "public")
    assert fits("a" * 200 + " " + "https://example.com/" + "x" * 300, "x", "public")
    assert fits("雅" * 140, "x", "public") and not fits("雅" * 141, "x", "public")
    assert fits("a" * 459, "twilio", "private") and not fits("a" * 460, "sms_gateway", "private")
    assert not fits("ş" * 202, "twilio", "private")
    assert fits("a" * 1000, "instagram", "private")
    assert not fits("é" * 501, "instagram", "private")  # 1,002 UTF-8 bytes
    assert fits("a" * 2000, "facebook", "private") and not fits("a" * 2001, "facebook", "private")
    assert fits("👍" * 1000, "facebook", "private") and not fits("👍" * 1001, "facebook", "private")
    assert fits("a" * 4096, "whatsapp", "private") and not fits("a" * 4097, "whatsapp", "private")
    assert fits("a" * 2000, "lapor", "private") and not fits("a" * 2001, "lapor", "private")
    with pytest.raises(ValueError):
        fits("a", "whatsapp", "public")
    with pytest.raises(ValueError):
        fits("a", "telegram", "private")


def test_limits_cover_every_route() -> None:
    assert {p for p, v in LIMITS if v == "public"} == set(PUBLIC_PLATFORMS)
    assert {p for p, v in LIMITS if v == "private"} == {
        "x",
        "facebook",
        "instagram",
        "whatsapp",
        "twilio",
        "sms_gateway",
        "email",
        "lapor",
        "record",
    }
    assert LIMITS["x", "public"] == 280 and LIMITS["lapor", "private"] == 2000


def test_dates_are_written_out() -> None:
    assert format_date(date(2026, 12, 12), "id") == "12 Desember 2026"
    assert format_date(date(2026, 12, 12), "en") == "12 December 2026"
    assert format_date(date(2027, 2, 1), "id") == "1 Februari 2027"
    assert format_date(date(2027, 8, 5), "xx") == "5 Agustus 2027"


# --------------------------------------------------------------------------- examples


def test_created_sms_and_whatsapp_end_with_how_to_stop() -> None:
    for platform in ("twilio", "sms_gateway", "whatsapp"):
        text = rendered(facts(), platform).text
        assert TICKET in text and URL in text
        assert text.endswith("Balas BERHENTI untuk berhenti menerima pesan.")
        en = rendered(facts(language="en"), platform).text
        assert en.endswith("Reply STOP to stop these messages.")
    for platform in ("x", "facebook", "instagram", "email", "lapor", "record"):
        assert "BERHENTI" not in rendered(facts(), platform).text
    # only the first message says it
    later = rendered(facts("status_changed", "in_progress", from_status="dispatched"), "twilio").text
    assert "BERHENTI" not in later


def test_resolved_asks_to_confirm_privately_only() -> None:
    f = facts(
        "status_changed",
        "resolved",
        from_status="pending_validation",
        unit_name=UNIT,
        comment="Sudah ditambal.",
    )
    for platform in ("x", "facebook", "instagram", "whatsapp", "twilio", "sms_gateway", "email", "lapor"):
        text = rendered(f, platform).text
        assert "selesai" in text and "YA" in text and "TIDAK" in text, platform
        en = rendered(replace(f, language="en"), platform).text
        assert "resolved" in en and "YES" in en and " NO " in en, platform
    record = rendered(f, "record").text
    assert record.startswith("Sampaikan kepada pelapor") and "(YA/TIDAK)" in record
    for platform in PUBLIC_PLATFORMS:
        public = rendered(f, platform, "public").text
        assert public == f"Laporan {TICKET} sudah selesai ditangani (status: Selesai). Detail: {URL}"
        assert "YA" not in public and UNIT not in public and "ditambal" not in public


def test_in_progress_says_officers_are_on_their_way_with_the_estimate() -> None:
    f = facts(
        "status_changed", "in_progress", from_status="dispatched", unit_name=UNIT, ews_at=date(2026, 12, 12)
    )
    text = rendered(f, "whatsapp").text
    assert "petugas menuju lokasi" in text
    assert f"Ditangani oleh {UNIT}." in text
    assert "Perkiraan selesai: 12 Desember 2026." in text
    en = rendered(replace(f, language="en"), "whatsapp").text
    assert "on their way" in en and "Expected completion: 12 December 2026." in en
    assert rendered(f, "x", "public").text == f"Laporan {TICKET} kini berstatus Proses. Detail: {URL}"


def test_reopen_has_its_own_text() -> None:
    f = facts("status_changed", "in_progress", from_status="resolved")
    assert "kami buka kembali" in rendered(f, "twilio").text
    assert (
        rendered(f, "x", "public").text == f"Laporan {TICKET} dibuka kembali (status: Proses). Detail: {URL}"
    )


@pytest.mark.parametrize("platform", sorted({p for p, _ in LIMITS}))
def test_nothing_to_tell(platform: str) -> None:
    quiet = [
        facts("status_changed", "pending_validation", from_status="in_progress"),
        facts("status_changed", "in_progress", from_status="pending_validation"),  # TL ditolak
        facts("status_changed", "dispatched", from_status="dispatched"),
        facts("assigned", "dispatched"),  # no unit name
        facts("commented", "in_progress", comment="  \n "),
        facts("ews_set", "in_progress"),  # no date
        facts("ews_set", "resolved", ews_at=date(2026, 12, 12)),  # closed
    ]
    for f in quiet:
        assert render(f, platform, "private") is None, f
        if platform in PUBLIC_PLATFORMS:
            assert render(f, platform, "public") is None, f


def test_public_replies_skip_assignment_and_estimates() -> None:
    for f in (
        facts("assigned", "dispatched", unit_name=UNIT),
        facts("ews_set", "in_progress", ews_at=date(2026, 12, 12)),
    ):
        assert render(f, "x", "public") is None
        assert render(f, "x", "private") is not None


def test_public_reply_says_only_ticket_status_and_link() -> None:
    f = facts("commented", "in_progress", unit_name=UNIT, comment=PII_COMMENT, ews_at=date(2026, 12, 12))
    for lang in LANGUAGES:
        text = rendered(replace(f, language=lang), "x", "public").text
        assert TICKET in text and URL in text and "Proses" in text
        for leak in (UNIT, "ditambal", PHONE, EMAIL, NIK, "Desember", "December", "YA"):
            assert leak not in text
        assert find_pii(text) == []


def test_comments_are_masked() -> None:
    f = facts("commented", "in_progress", comment=PII_COMMENT)
    for platform in ("x", "whatsapp", "twilio", "email", "lapor", "record"):
        text = rendered(f, platform).text
        assert "ditambal" in text
        for raw in (PHONE, EMAIL, NIK):
            assert raw not in text
        assert "0812-****-7890" in text and "b***@***.com" in text


def test_full_width_and_hidden_separators_do_not_unmask_a_phone() -> None:
    # Full-width digits and zero-width spaces must not slip past the mask (NFKC first).
    sneaky = "hubungi \uff10\uff18\uff11\uff12-\uff13\uff14\uff15\uff16-\uff17\uff18\uff19\uff10 atau 0812\u200b3456\u200b7890"
    for platform in ("whatsapp", "twilio"):
        text = rendered(facts("commented", "in_progress", comment=sneaky), platform).text
        assert "3456" not in text
    arabic = "hubungi \u0660\u0668\u0661\u0662-\u0663\u0664\u0665\u0666-\u0667\u0668\u0669\u0660"
    assert "0812-****-7890" in rendered(facts("commented", "in_progress", comment=arabic), "whatsapp").text


def test_sms_stays_in_the_gsm_alphabet() -> None:
    f = facts(
        "status_changed",
        "resolved",
        from_status="pending_validation",
        unit_name="Kelurahan Çiğdem – Şişli",
        comment="“Selesai” — terima kasih 🙏 ٣ 雅加达 …",
    )
    for platform in SMS_PLATFORMS:
        text = rendered(f, platform).text
        assert sms_segments(text)[0] == "GSM-7", text
        assert "Kelurahan Çigdem - Sisli" in text
        assert '"Selesai" - terima kasih ? 3 ??? ...' in text


def test_a_long_comment_is_shortened_never_the_ticket_or_link() -> None:
    comment = "Saluran air di depan rumah sudah dibersihkan dan diperiksa kembali oleh petugas. " * 40
    f = facts("status_changed", "resolved", from_status="pending_validation", unit_name=UNIT, comment=comment)
    for platform in ("twilio", "sms_gateway", "instagram"):
        text = rendered(f, platform).text
        assert fits(text, platform, "private")
        assert TICKET in text and text.count(URL) == 1 and "TIDAK" in text
        ell = "..." if platform in SMS_PLATFORMS else "…"
        note = re.search(r'Keterangan petugas: "(.*)"', text)
        assert note and note.group(1).endswith(ell) and len(note.group(1)) > 40
        assert not note.group(1)[: -len(ell)].endswith(" ")
    whatsapp = rendered(f, "whatsapp").text  # room enough: only COMMENT_MAX applies
    assert len(re.search(r'"(.*)"', whatsapp).group(1)) == 500


def test_email_subject_carries_the_ticket() -> None:
    assert rendered(facts(), "email").subject == f"[{TICKET}] Laporan Anda diterima"
    assert rendered(facts(language="en"), "email").subject == f"[{TICKET}] Your report has been received"
    f = facts("status_changed", "resolved", from_status="pending_validation")
    assert rendered(f, "email").subject == f"[{TICKET}] Laporan selesai, mohon konfirmasi"
    f = facts("status_changed", "dispatched", from_status="received")
    assert rendered(f, "email").subject == f"[{TICKET}] Status laporan: Disposisi"
    assert (
        rendered(facts(subject="Jalan rusak di Gambir"), "email").subject
        == f"[{TICKET}] Re: Jalan rusak di Gambir"
    )
    again = facts(subject=f"RE: Fwd: [{TICKET}] Re: Jalan rusak")
    assert rendered(again, "email").subject == f"[{TICKET}] Re: Jalan rusak"
    injected = rendered(facts(subject="Halo\r\nBcc: x@example.com"), "email").subject
    assert injected == f"[{TICKET}] Re: Halo Bcc: x@example.com"
    assert rendered(facts(subject=f"Re: [{TICKET}]"), "email").subject == f"[{TICKET}] Laporan Anda diterima"
    for platform in ("x", "whatsapp", "lapor", "record"):
        assert rendered(facts(subject="Jalan rusak"), platform).subject is None


def test_email_body_greets_links_and_explains_how_to_answer() -> None:
    text = rendered(facts(), "email").text
    assert text.startswith("Yth. Bapak/Ibu pelapor,")
    assert f"\n{URL}\n" in text
    assert f"balas email ini dan biarkan [{TICKET}] tetap ada di subjek" in text
    en = rendered(facts(language="en"), "email").text
    assert en.startswith("Dear reporter,") and f"keep [{TICKET}] in the subject" in en


def test_record_is_an_indonesian_note_for_the_officer() -> None:
    f = facts("ews_set", "in_progress", ews_at=date(2026, 12, 12), language="en")
    text = rendered(f, "record").text
    assert text.startswith(
        "Sampaikan kepada pelapor bahwa laporan K7M2-Q9XD diperkirakan selesai pada 12 Desember 2026."
    )
    assert "pelapor memilih bahasa Inggris" in text
    assert URL in text


def test_language_fallback() -> None:
    en = rendered(facts(language="en-GB"), "whatsapp").text
    assert en.startswith("Thank you") and "Waiting (Menunggu)" in en
    for lang in ("id", "jv", "", "english", "fr-en"):
        assert rendered(facts(language=lang), "whatsapp").text.startswith("Terima kasih")


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        render(facts(event="deleted"), "x", "private")
    with pytest.raises(ValueError):
        render(facts(status="open"), "x", "private")
    with pytest.raises(ValueError):
        render(facts(), "telegram", "private")
    for platform in ("whatsapp", "twilio", "sms_gateway", "email", "lapor", "record"):
        with pytest.raises(ValueError):
            render(facts(), platform, "public")


# --------------------------------------------------------------------------- every combination

LONG_COMMENT = (PII_COMMENT + " Pekerjaan [tahap] {dua} ~ selesai € 雅加达 👍 ") * 6
LONG_UNIT = "Suku Dinas Sumber Daya Air Kota Administrasi Jakarta Utara [Wilayah ~ II] " * 3
FROMS: tuple[str | None, ...] = (None, *STATUSES)


def _every_facts() -> list[Facts]:
    out = []
    for event, status, lang in itertools.product(EVENTS, STATUSES, LANGUAGES):
        froms = FROMS if event == "status_changed" else (None,)
        for from_status, unit, comment, ews in itertools.product(
            froms,
            (None, "Kelurahan Gambir", LONG_UNIT),
            (None, "Sudah dicek.", LONG_COMMENT),
            (None, date(2026, 12, 12)),
        ):
            if unit is LONG_UNIT and comment is not LONG_COMMENT:
                continue
            subject = None if ews is None else "Re: " + "Jalan rusak " * 30
            out.append(Facts(event, TICKET, status, lang, URL, from_status, unit, comment, ews, subject))
    return out


EVERY_FACTS = _every_facts()


@pytest.mark.parametrize(("platform", "visibility"), ROUTES)
def test_every_rendering_fits(platform: str, visibility: str) -> None:
    seen = 0
    for f in EVERY_FACTS:
        r = render(f, platform, visibility)
        if r is None:
            continue
        seen += 1
        assert fits(r.text, platform, visibility), (f, r.text)
        assert TICKET in r.text and URL in r.text
        if platform in SMS_PLATFORMS:
            assert sms_segments(r.text)[0] == "GSM-7", r.text
        if platform == "email":
            assert r.subject and r.subject.startswith(f"[{TICKET}] ") and len(r.subject) < 160
        else:
            assert r.subject is None
        if visibility == "public":
            for leak in ("Gambir", "Sumber Daya", "dicek", "ditambal", "Desember", "December", "YA", "YES"):
                assert leak not in r.text
            assert find_pii(r.text) == []
        for raw in (PHONE, EMAIL, NIK):
            assert raw not in r.text
    assert seen > 100


# --------------------------------------------------------------------------- properties

tickets = st.builds(
    lambda a, b: f"{a}-{b}",
    st.text(alphabet=ALPHABET, min_size=4, max_size=4),
    st.text(alphabet=ALPHABET, min_size=4, max_size=4),
)
paths = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/", max_size=URL_MAX - 40)
pii = st.sampled_from(
    [PHONE, EMAIL, NIK, "+62 812 3456 7890", "budi [at] gmail [dot] com", "3171-0141-0190-0001"]
)
comments = st.one_of(
    st.none(),
    st.text(max_size=3000),
    st.lists(st.one_of(st.text(max_size=40), pii), max_size=30).map(" ".join),
)
units = st.one_of(st.none(), st.text(max_size=300))
every_status = st.sampled_from(sorted(STATUSES))


@settings(max_examples=300, deadline=None)
@given(
    event=st.sampled_from(EVENTS),
    status=every_status,
    from_status=st.one_of(st.none(), every_status),
    language=st.sampled_from(["id", "en", "xx"]),
    ticket=tickets,
    path=paths,
    unit=units,
    comment=comments,
    ews=st.one_of(st.none(), st.dates()),
    subject=st.one_of(st.none(), st.text(max_size=300)),
    route=st.sampled_from(ROUTES),
)
def test_any_rendering_fits_and_keeps_ticket_and_link(
    event: str,
    status: str,
    from_status: str | None,
    language: str,
    ticket: str,
    path: str,
    unit: str | None,
    comment: str | None,
    ews: date | None,
    subject: str | None,
    route: tuple[str, str],
) -> None:
    platform, visibility = route
    url = f"https://aduan.example.go.id/{path}"
    f = Facts(event, ticket, status, language, url, from_status, unit, comment, ews, subject)
    r = render(f, platform, visibility)
    if r is None:
        return
    assert fits(r.text, platform, visibility)
    assert ticket in r.text and url in r.text
    if platform in SMS_PLATFORMS:
        assert sms_segments(r.text)[0] == "GSM-7"
    if platform == "email":
        assert r.subject is not None and r.subject.startswith(f"[{ticket}] ")
        assert "\n" not in r.subject and "\r" not in r.subject


@settings(max_examples=300, deadline=None)
@given(
    event=st.sampled_from(EVENTS),
    status=every_status,
    from_status=st.one_of(st.none(), every_status),
    language=st.sampled_from(["id", "en"]),
    ticket=tickets,
    unit=units,
    comment=comments,
    platform=st.sampled_from(PUBLIC_PLATFORMS),
)
def test_public_replies_never_carry_the_comment_the_unit_or_personal_data(
    event: str,
    status: str,
    from_status: str | None,
    language: str,
    ticket: str,
    unit: str | None,
    comment: str | None,
    platform: str,
) -> None:
    url = f"https://aduan.example.go.id/track/{ticket}"
    f = Facts(event, ticket, status, language, url, from_status, unit, comment, date(2026, 12, 12))
    r = render(f, platform, "public")
    # The same as without any comment, unit or date: none of them can be in it.
    bare = Facts(event, ticket, status, language, url, from_status)
    if event in ("assigned", "commented", "ews_set"):
        if r is not None:
            assert event == "commented"
            assert r == render(replace(bare, comment="x"), platform, "public")
    else:
        assert r == render(bare, platform, "public")
    if r is not None:
        assert find_pii(r.text) == []
        assert "Desember" not in r.text and "December" not in r.text


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(max_size=200),
    value=pii,
    after=st.text(max_size=200),
    route=st.sampled_from([r for r in ROUTES if r[1] == "private"]),
)
def test_private_messages_mask_personal_data_in_comments(
    before: str, value: str, after: str, route: tuple[str, str]
) -> None:
    platform, _ = route
    f = facts("commented", "in_progress", comment=f"{before} {value} {after}")
    r = render(f, platform, "private")
    assert r is not None
    assert value not in r.text

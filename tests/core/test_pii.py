"""NIK and phone detection, masking and E.164 normalisation."""

from __future__ import annotations

import pytest

from app.core.pii import find_pii, is_plausible_nik, mask_pii, normalise_phone


@pytest.mark.parametrize(
    ("nik", "plausible"),
    [
        ("3171010101900001", True),  # man born 01-01-1990, Jakarta Pusat
        ("3171014101900001", True),  # woman: day + 40
        ("3174057112850004", True),  # woman born 31-12
        ("1101012902000001", True),  # 29 February 2000
        ("1101012902010001", False),  # 29-02-01: neither 1901 nor 2001 is a leap year
        ("0971010101900001", False),  # province 09 does not exist
        ("9571010101900001", False),  # province above 94
        ("3100010101900001", False),  # kabupaten/kota 00
        ("3171003201900001", False),  # day 32
        ("3171017201900001", False),  # woman day 72 = 32
        ("3171010113900001", False),  # month 13
        ("3171013102900001", False),  # 31 February
        ("3171010101900000", False),  # serial 0000
        ("317101010190001", False),  # 15 digits
        ("31710101019000a1", False),
    ],
)
def test_nik_plausibility(nik: str, plausible: bool) -> None:
    assert is_plausible_nik(nik) is plausible


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NIK saya 3171014101900001, tolong", [("nik", "3171014101900001")]),
        # 16 digits that are no NIK (the day would be 78) are still masked: card, KK, account
        ("nomor pesanan 1234567890123456", [("number16", "1234567890123456")]),
        ("hubungi 081311110000", [("phone", "081311110000")]),
        ("hubungi 0813-1111-0000 ya", [("phone", "0813-1111-0000")]),
        ("WA +62 813 1111 0000.", [("phone", "+62 813 1111 0000")]),
        ("sms 6281311110000", [("phone", "6281311110000")]),
        ("nomor 0813.1111.0000", [("phone", "0813.1111.0000")]),
        ("+62-812-1111-7890", [("phone", "+62-812-1111-7890")]),
        ("kantor (021) 3822255", [("phone", "(021) 3822255")]),
        ("tanggal 2026-03-01 pukul 10.12, Rp 150.000", []),
        ("kode 08123", []),  # too short
        # digits run on: not a phone, but a 16-digit run inside a longer one
        ("id 0813111100001234567", [("number16", "0813111100001234567")]),
        (
            "NIK 3171010101900001 HP 08111272206",
            [("nik", "3171010101900001"), ("phone", "08111272206")],
        ),
    ],
)
def test_find_pii(text: str, expected: list[tuple[str, str]]) -> None:
    found = find_pii(text)
    assert [(m.kind, m.value) for m in found] == expected
    for m in found:
        assert text[m.start : m.end] == m.value


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("NIK 3171014101900001", "NIK 3171**********01"),
        ("HP 081211117890", "HP 0812****7890"),
        ("HP 0812-1111-7890", "HP 0812-****-7890"),
        ("HP +62 812 1111 7890", "HP +62 81* **** 7890"),
        ("tanpa data pribadi", "tanpa data pribadi"),
        ("", ""),
    ],
)
def test_mask_pii(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("081311110000", "+6281311110000"),
        ("6281311110000", "+6281311110000"),
        ("+62 813-1111-0000", "+6281311110000"),
        ("0813.1111.0000", "+6281311110000"),
        ("(0813) 1111 0000", "+6281311110000"),
        ("whatsapp:+6281311110000", "+6281311110000"),
        ("0811-1272-206", "+628111272206"),
        ("021-3822255", "+62213822255"),
        ("12345", None),
        ("bukan nomor", None),
        ("", None),
    ],
)
def test_normalise_phone(raw: str, e164: str | None) -> None:
    assert normalise_phone(raw) == e164

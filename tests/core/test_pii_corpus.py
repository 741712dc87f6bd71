"""Masking against a corpus of how citizens actually write personal data (pii_corpus.csv).

``mask`` rows: every secret is gone from ``mask_pii(text)`` (also with its
separators dropped) and the ``keep`` parts are still there.  ``keep`` rows:
ordinary numbers people need to read (dates, amounts, RT/RW, house numbers)
come back unchanged.
"""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

import pytest

from app.core.pii import find_pii, mask_pii

CORPUS = Path(__file__).with_name("pii_corpus.csv")


def _rows() -> list[dict[str, str]]:
    with CORPUS.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


ROWS = _rows()


def _squeeze(s: str) -> str:
    """Digits, letters and mask stars only: a secret must not survive by losing its separators."""
    return re.sub(r"[^0-9A-Za-z*]", "", s).lower()


def test_the_corpus_is_large_enough() -> None:
    assert len(ROWS) >= 60
    assert sum(r["expect"] == "mask" for r in ROWS) >= 40
    assert sum(r["expect"] == "keep" for r in ROWS) >= 25


@pytest.mark.parametrize("row", [r for r in ROWS if r["expect"] == "mask"], ids=lambda r: r["text"][:40])
def test_secret_is_masked(row: dict[str, str]) -> None:
    masked = mask_pii(row["text"])
    for secret in filter(None, row["secrets"].split("|")):
        assert secret not in masked, masked
        assert _squeeze(secret) not in _squeeze(masked), masked
        digits = re.sub(r"\D", "", secret)
        # no 16 consecutive digits of a long number survive, not even inside a longer one
        masked_digits = re.sub(r"[^0-9*]", "", masked)
        for i in range(0, max(0, len(digits) - 15)):
            assert digits[i : i + 16] not in masked_digits, masked
        if len(digits) >= 16:
            # at most the first 4 and the last 2 stay readable
            assert masked.count("*") >= len(digits) - 6, masked
        elif len(digits) >= 10:
            assert masked.count("*") >= 4, masked
    for part in filter(None, row["keep"].split("|")):
        assert part in masked, masked


@pytest.mark.parametrize("row", [r for r in ROWS if r["expect"] == "keep"], ids=lambda r: r["text"][:40])
def test_ordinary_numbers_stay_readable(row: dict[str, str]) -> None:
    assert mask_pii(row["text"]) == row["text"]
    assert find_pii(row["text"]) == []


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("NIK 3171 0141 0190 0001", ["nik"]),
        ("kartu 5500 0000 0000 0004", ["number16"]),  # 4111 1111 1111 1111 reads as a NIK
        ("email budi@example.com", ["email"]),
        ("email budi [at] gmail [dot] com", ["email"]),
        ("hp +62 (812) 1111 7890", ["phone"]),
        ("budi3171014101900001@example.com", ["email"]),  # one address, not a NIK inside it
        ("NIK 3171014101900001, HP 0812-1111-7890, email siti@example.co.id", ["nik", "phone", "email"]),
    ],
)
def test_kinds_feed_the_officer_flags(text: str, kinds: list[str]) -> None:
    found = find_pii(text)
    assert [m.kind for m in found] == kinds
    for m in found:
        assert text[m.start : m.end] == m.value


def test_masked_forms_keep_a_little_for_recognition() -> None:
    assert mask_pii("NIK 3171 0141 0190 0001") == "NIK 3171 **** **** **01"
    assert mask_pii("HP 0812-1111-7890") == "HP 0812-****-7890"
    assert mask_pii("email Budi.Santoso@Gmail.COM.") == "email B***@***.com."
    assert mask_pii("telp (021) 382-2255") == "telp (021) 3**-**55"


ADVERSARIAL = [
    "1 " * 2500,
    "1-" * 2500,
    "0812-" * 1000,
    "+62 " * 1250,
    "a" * 5000,
    "a." * 2500,
    "a@" * 2500,
    "a@a." * 1250,
    "a@" + "a." * 2499,
    "[at]" * 1250,
    "a [at] " * 700,
    "a [dot] " * 600,
    "a @ b . " * 600,
    "(" * 5000,
    "(0" * 2500,
    "12.345." * 700,
    "12-03-2026 " * 450,
    "9" * 5000,
    "08123456789 " * 400,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: repr(t[:8]))
def test_adversarial_input_is_linear(text: str) -> None:
    start = time.perf_counter()
    mask_pii(text)
    assert time.perf_counter() - start < 0.25

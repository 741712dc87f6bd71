"""Personal data in free text: NIK numbers and Indonesian phone numbers.

Complaints are shown publicly (tracking portal, Open311, the GeoJSON feed), and
citizens routinely type their NIK or WhatsApp number into the complaint itself
("hubungi saya di 0812-1111-7890").  ``find_pii`` locates such data so that the
public views can show ``mask_pii(text)`` while officers see the original.

NIK (Nomor Induk Kependudukan) layout, 16 digits::

    PP KK CC DDMMYY SSSS
    |  |  |  |      +-- serial, 0001-9999
    |  |  |  +--------- birth date; women add 40 to the day (41-71)
    |  |  +------------ kecamatan
    |  +--------------- kabupaten / kota
    +------------------ province, 11-94

Sixteen digits that do not fit this layout (a bank account, an order number)
are not reported: masking them would only hide useful information.

Masking keeps enough to let an officer or the reporter recognise the value
without disclosing it:

- NIK: the first 4 digits (province and kota, which the complaint's area shows
  anyway) and the last 2; ``3171014101900001`` -> ``3171**********01``.
- phone: the first 4 and last 4 digits, separators kept in place;
  ``0812-1111-7890`` -> ``0812-****-7890``; the country code counts as digits,
  so ``+62 812 1111 7890`` -> ``+62 81* **** 7890``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers

PiiKind = Literal["nik", "phone"]


@dataclass(frozen=True, slots=True)
class PiiMatch:
    kind: PiiKind
    start: int
    end: int
    value: str


_NIK_RE = re.compile(r"(?<![\d])(\d{16})(?![\d])")

# Mobile numbers: 08.., 628.., +62 8.. with optional separators between digit groups.
# Fixed lines: (021) 382-2255, 021-3822255, +62 21 3822255.  Every candidate is
# confirmed with ``phonenumbers`` so that dates and amounts do not match.
_SEP = r"[ \t.\-]?"
_PHONE_RE = re.compile(
    r"(?<![\w+])"
    r"(?:"
    r"(?:\+62|62|0)" + _SEP + r"\(?8\d\)?(?:" + _SEP + r"\d){6,11}"
    r"|"
    r"(?:\+62" + _SEP + r"\(?0?[2-9]\d{1,2}\)?|\(0[2-9]\d{1,2}\)|0[2-9]\d{1,2})"
    r"(?:" + _SEP + r"\d){5,8}"
    r")"
    r"(?![\w])"
)


def is_plausible_nik(value: str) -> bool:
    """True when ``value`` is 16 digits laid out like a real NIK."""
    if len(value) != 16 or not value.isdigit():
        return False
    province = int(value[0:2])
    if not 11 <= province <= 94:
        return False
    if value[2:4] == "00" or value[4:6] == "00":
        return False
    day, month, year2 = int(value[6:8]), int(value[8:10]), int(value[10:12])
    if day > 40:
        day -= 40
    if not 1 <= month <= 12 or day < 1:
        return False
    # The century is unknown: accept 29 February whenever either candidate
    # year (19yy or 20yy) is a leap year.
    max_day = max(calendar.monthrange(1900 + year2, month)[1], calendar.monthrange(2000 + year2, month)[1])
    if day > max_day:
        return False
    return value[12:16] != "0000"


def _valid_phone(candidate: str) -> bool:
    try:
        number = phonenumbers.parse(candidate, "ID")
    except phonenumbers.NumberParseException:
        return False
    return number.country_code == 62 and phonenumbers.is_valid_number(number)


def find_pii(text: str) -> list[PiiMatch]:
    """Every NIK and phone number in ``text``, in order of position, never overlapping."""
    if not text:
        return []
    found: list[PiiMatch] = []
    for m in _NIK_RE.finditer(text):
        if is_plausible_nik(m.group(1)):
            found.append(PiiMatch("nik", m.start(1), m.end(1), m.group(1)))
    taken = [(p.start, p.end) for p in found]
    for m in _PHONE_RE.finditer(text):
        start, end = m.span()
        if any(start < e and s < end for s, e in taken):
            continue
        if _valid_phone(m.group(0)):
            found.append(PiiMatch("phone", start, end, m.group(0)))
    found.sort(key=lambda p: p.start)
    return found


def _mask_digits(value: str, keep_head: int, keep_tail: int) -> str:
    """Replace digits with ``*`` except the first ``keep_head`` and last ``keep_tail``.

    Non-digits (``+``, spaces, dashes, brackets) stay where they are, so the
    masked value still reads like the number the citizen wrote.
    """
    positions = [i for i, ch in enumerate(value) if ch.isdigit()]
    if len(positions) <= keep_head + keep_tail:
        hidden = set(positions)
    else:
        hidden = set(positions[keep_head : len(positions) - keep_tail])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(value))


def mask_value(kind: PiiKind, value: str) -> str:
    if kind == "nik":
        return _mask_digits(value, 4, 2)
    return _mask_digits(value, 4, 4)


def mask_pii(text: str) -> str:
    """``text`` with every NIK and phone number masked (see the module docstring)."""
    matches = find_pii(text)
    if not matches:
        return text
    out: list[str] = []
    pos = 0
    for m in matches:
        out.append(text[pos : m.start])
        out.append(mask_value(m.kind, m.value))
        pos = m.end
    out.append(text[pos:])
    return "".join(out)


def normalise_phone(raw: str) -> str | None:
    """E.164 form of an Indonesian (or international) number, or None if it is not valid.

    Accepts ``081311110000``, ``6281311110000`` (no plus, as SMS gateways send
    it), ``+62 813-1111-0000``, ``0813.1111.0000``, ``whatsapp:+62...``, ``tel:...``.
    """
    if not raw:
        return None
    value = raw.strip()
    for prefix in ("whatsapp:", "tel:", "sms:"):
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
    try:
        number = phonenumbers.parse(value, "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

"""Personal data in free text: NIKs and other 16-digit numbers, phone numbers, email addresses.

Complaints are shown publicly (tracking portal, Open311, the GeoJSON feed), and
citizens routinely type their NIK, WhatsApp number or email into the complaint
itself ("hubungi saya di 0812-1111-7890").  ``find_pii`` locates such data so
that the public views can show ``mask_pii(text)`` while officers see the
original.  Kinds: ``nik``, ``number16``, ``phone``, ``email``.

Sixteen digits, however written
-------------------------------
Digit groups joined by a separator (one space, dot, dash or slash, optionally
with a space on either side: ``3171 0141 0190 0001``, ``3171-0141-0190-0001``,
``3171.014101.900001``, ``4111 1111 1111 1111``) form one *run*.  A run of 16
or more digits is masked whole, whether or not it is a plausible NIK: family
card (KK) numbers, payment cards and bank accounts are just as personal, and a
16-digit run inside a longer one must not leak either.  It is reported as
``nik`` when it is exactly 16 digits laid out like a NIK, else ``number16``.

Joining on single spaces means numbers that merely stand next to each other
can add up to 16 digits.  Two shapes people need to read are therefore cut out
of a run before counting: dates with a four-digit year whose inner separator
differs from the one around them (``12-03-2026 - 15-03-2026``) and thousands-
grouped amounts (``Rp 15.000.000-25.000.000``).  Anything else that adds up to
16 digits is masked: hiding an odd list of numbers costs less than showing a
card number.

NIK (Nomor Induk Kependudukan) layout, 16 digits::

    PP KK CC DDMMYY SSSS
    |  |  |  |      +-- serial, 0001-9999
    |  |  |  +--------- birth date; women add 40 to the day (41-71)
    |  |  +------------ kecamatan
    |  +--------------- kabupaten / kota
    +------------------ province, 11-94

Phone numbers
-------------
Mobile numbers in every form people type: ``0812-1111-7890``, ``0812 1111
7890``, ``0812.1111.7890``, ``081211117890``, ``62812...``, ``+62 812-...``,
``+62 (812) 1111 7890``, ``(0812) ...``, 10 to 13 digits with the trunk ``0``.
Fixed lines with their area code: ``(021) 382-2255``, ``021-3822255``, ``021
382 2255``, ``+62 21 3822255``, ``+62-21-382-2255``.  Recognised by shape only
(no number-plan lookup on this hot path): the prefix must be contiguous
(``081``, ``021``), which keeps dates such as ``08-12-2026`` out.  A letter
right before or after the number does not stop it (``hub0812...``, ``WA:0812``,
``telp.021...``): citizens glue numbers to words, and an order code that looks
like a phone number loses nothing by being masked.  A digit before or after
does stop it, so a longer number is never cut into a "phone".

Email addresses
---------------
Plain addresses (dots, plus, dashes, subdomains, any case) with any alphabetic
top-level domain.  The usual obfuscations are masked too (``nama [at] gmail
[dot] com``, ``nama(at)gmail.com``, ``nama @ gmail . com``) but only when the
address ends in a common top-level domain (``com``, ``id``, ``co.id`` ...), so
that prose such as "kirim ke @ budi . Terima kasih" is left alone.  The bare
words ``at`` and ``dot`` are not taken as obfuscation: they are ordinary words.

Masking
-------
Enough stays to let an officer or the reporter recognise the value, never
enough to reconstruct it; separators stay in place, so the masked value reads
like what the citizen wrote.

- 16-digit runs: the first 4 digits (for a NIK: province and kota, which the
  complaint's area shows anyway) and the last 2; ``3171014101900001`` ->
  ``3171**********01``.
- phone: the first 4 and up to the last 4 digits, always hiding at least 4;
  ``0812-1111-7890`` -> ``0812-****-7890``; the country code counts as digits,
  so ``+62 812 1111 7890`` -> ``+62 81* **** 7890``.
- email: the first character and the top-level domain; ``budi.s@gmail.com`` ->
  ``b***@***.com``.

Every pattern is precompiled and linear in the length of the text (possessive
quantifiers, bounded separators, starts anchored at token boundaries): the
tracking page masks on every request.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers

PiiKind = Literal["nik", "number16", "phone", "email"]


@dataclass(frozen=True, slots=True)
class PiiMatch:
    kind: PiiKind
    start: int
    end: int
    value: str


# --------------------------------------------------------------------------- 16-digit runs

_RUN_SEP = r"(?:[ \t]?[.\-/][ \t]?|[ \t])"
# No lookbehind: a match always takes its whole run, so none starts mid-run, and a pattern
# that starts with a digit lets the engine skip straight to the next digit.
_RUN_RE = re.compile(r"\d++(?:" + _RUN_SEP + r"\d++)*+")
_GROUP_RE = re.compile(r"\d+")
# The shortest phone number has 8 digits: text with fewer (most notes, most titles) skips the
# digit patterns altogether.
_EIGHT_DIGITS_RE = re.compile(r"\d(?:\D*+\d){7}")
_RUN_MIN_DIGITS = 16

# --------------------------------------------------------------------------- phones

# Between digit groups: up to three of space, dot, dash, bracket ("+62 (812) 1111").
_SEP = r"[ \t.\-()]{0,3}"
_MOBILE = r"8[1-9](?:" + _SEP + r"\d){7,10}"  # 10-13 digits with the trunk 0
_FIXED = r"[2-79]\d{1,2}\)?(?:" + _SEP + r"\d){5,8}"  # area code 02x-07x, 09x; 5-8 digits
# Every branch starts with a literal, so the engine jumps between candidate characters
# instead of trying each position; the width-2 lookbehind after that first character
# refuses a start right after a digit (a longer number is not a phone).
_PHONE_RE = re.compile(
    r"(?:"
    r"\+(?<!\d\+)62\)?" + _SEP + r"\(?0?(?:" + _MOBILE + "|" + _FIXED + ")"
    r"|\((?<!\d\()(?:\+62\)?" + _SEP + r"\(?0?|0)(?:" + _MOBILE + "|" + _FIXED + ")"
    r"|6(?<!\d6)2[ \-]?\(?" + _MOBILE + r"|0(?<!\d0)(?:" + _MOBILE + "|" + _FIXED + ")"
    r")"
    r"(?!\d)"
)

# --------------------------------------------------------------------------- email

_LOCAL = r"(?<![\w.%+\-])[A-Za-z0-9_][\w.%+\-]*+"
_LABEL = r"[A-Za-z0-9\-]++"
_EMAIL_RE = re.compile(_LOCAL + r"@(?:" + _LABEL + r"\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\-])")
# Obfuscated: "[at]" "(at)" "{at}" or a spaced "@"; "[dot]" "(dot)" or a spaced "."; only
# with a common top-level domain, so that prose around a stray "@" stays readable.
_OB_AT = (
    r"(?:[ \t]{0,3}[\[({<][ \t]{0,2}(?i:at)[ \t]{0,2}[\])}>][ \t]{0,3}|[ \t]{1,3}@[ \t]{0,3}|@[ \t]{1,3}|@)"
)
_OB_DOT = r"(?:[ \t]{0,3}[\[({<][ \t]{0,2}(?i:dot)[ \t]{0,2}[\])}>][ \t]{0,3}|[ \t]{1,3}\.[ \t]{1,3}|\.)"
_COMMON_TLD = r"(?i:com|id|net|org|co|info|biz|me|io|edu|gov|ac|sch|web|my|sg|xyz|online|site)"
_OBFUSCATED_EMAIL_RE = re.compile(
    _LOCAL + _OB_AT + r"(?:" + _LABEL + _OB_DOT + r")+" + _COMMON_TLD + r"(?![A-Za-z0-9\-])"
)
_TLD_RE = re.compile(r"[A-Za-z]+$")
_AT_HINT_RE = re.compile(r"[\[({<][ \t]{0,2}(?i:at)[ \t]{0,2}[\])}>]")


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


def _is_date(g: list[str], seps: list[str], i: int) -> bool:
    """Groups ``i..i+2`` read as d-m-yyyy or yyyy-m-d with one separator, set apart from the rest."""
    if i + 2 >= len(g):
        return False
    inner = seps[i + 1]
    if inner not in (".", "-", "/") or seps[i + 2] != inner:
        return False
    if seps[i] == inner or (i + 3 < len(g) and seps[i + 3] == inner):
        return False
    a, b, c = g[i], g[i + 1], g[i + 2]
    if len(a) <= 2 and len(b) <= 2 and len(c) == 4:
        day, month, year = int(a), int(b), int(c)
    elif len(a) == 4 and len(b) <= 2 and len(c) <= 2:
        year, month, day = int(a), int(b), int(c)
    else:
        return False
    return 1 <= day <= 31 and 1 <= month <= 12 and 1900 <= year <= 2099


def _amount_len(g: list[str], seps: list[str], i: int) -> int:
    """How many groups from ``i`` form a thousands-grouped amount (``15.000.000``); 0 if none."""
    if not 1 <= len(g[i]) <= 3 or seps[i] == ".":
        return 0
    j = i + 1
    while j < len(g) and seps[j] == "." and len(g[j]) == 3:
        j += 1
    if j == i + 1 or (j < len(g) and seps[j] == "."):
        return 0
    return j - i


def _runs_of_16(text: str) -> list[PiiMatch]:
    found: list[PiiMatch] = []
    for m in _RUN_RE.finditer(text):
        run = m.group(0)
        if len(run) < _RUN_MIN_DIGITS:
            continue
        spans = [(g.start(), g.end()) for g in _GROUP_RE.finditer(run)]
        if len(spans) == 1:
            found.append(_run_match(text, m.start(), m.end()))
            continue
        groups = [run[s:e] for s, e in spans]
        if sum(len(x) for x in groups) < _RUN_MIN_DIGITS:
            continue
        seps = [""] + [run[spans[k - 1][1] : spans[k][0]] for k in range(1, len(spans))]
        # Cut dates and amounts out; what is left between them is judged piece by piece.
        pieces: list[tuple[int, int]] = []
        first = None
        i = 0
        while i < len(groups):
            skip = 3 if _is_date(groups, seps, i) else _amount_len(groups, seps, i)
            if skip:
                if first is not None:
                    pieces.append((first, i - 1))
                    first = None
                i += skip
                continue
            if first is None:
                first = i
            i += 1
        if first is not None:
            pieces.append((first, len(groups) - 1))
        for a, b in pieces:
            if sum(len(groups[k]) for k in range(a, b + 1)) >= _RUN_MIN_DIGITS:
                found.append(_run_match(text, m.start() + spans[a][0], m.start() + spans[b][1]))
    return found


def _run_match(text: str, start: int, end: int) -> PiiMatch:
    value = text[start:end]
    digits = "".join(ch for ch in value if ch.isdigit())
    kind: PiiKind = "nik" if is_plausible_nik(digits) else "number16"
    return PiiMatch(kind, start, end, value)


def find_pii(text: str) -> list[PiiMatch]:
    """Every email, 16-digit run and phone number in ``text``, in order, never overlapping.

    An email wins over digits inside it; a 16-digit run wins over a phone number
    it contains.
    """
    if not text:
        return []
    found: list[PiiMatch] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(start < e and s < end for s, e in taken)

    if "@" in text or _AT_HINT_RE.search(text):
        for rx in (_EMAIL_RE, _OBFUSCATED_EMAIL_RE):
            for m in rx.finditer(text):
                if free(m.start(), m.end()):
                    found.append(PiiMatch("email", m.start(), m.end(), m.group(0)))
                    taken.append(m.span())
    if _EIGHT_DIGITS_RE.search(text):
        for p in _runs_of_16(text):
            if free(p.start, p.end):
                found.append(p)
                taken.append((p.start, p.end))
        for m in _PHONE_RE.finditer(text):
            if free(m.start(), m.end()):
                found.append(PiiMatch("phone", m.start(), m.end(), m.group(0)))
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
    if kind in ("nik", "number16"):
        return _mask_digits(value, 4, 2)
    if kind == "email":
        tld = _TLD_RE.search(value)
        return value[0] + "***@***." + (tld.group(0).lower() if tld else "***")
    digits = sum(ch.isdigit() for ch in value)
    # at least 4 digits hidden, whatever the length
    return _mask_digits(value, 4, max(0, min(4, digits - 8)))


def mask_pii(text: str) -> str:
    """``text`` with every NIK, 16-digit run, phone number and email masked (see the module docstring)."""
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

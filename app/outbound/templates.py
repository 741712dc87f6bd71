"""The texts Aduan sends citizens, one per event, status, channel and language (pure, no I/O).

``render(facts, platform, visibility)`` returns the ``Rendered`` text (and, for email, the
subject) of one message, or ``None`` when the event is not worth telling on that route.

What each route may say
-----------------------
*public* is a reply everybody can read (an X reply, a comment under a Facebook or Instagram
post). It says only the ticket, the public status label (``app.complaints.lifecycle``) and
the tracking link: never the unit, an officer's comment, a date, the confirmation question or
anything about the reporter. ``assigned`` and ``ews_set`` therefore say nothing publicly.
Only ``x``, ``facebook`` and ``instagram`` have a public route; asking another platform for
one is a ``ValueError``.

*private* is a DM (X, Messenger, Instagram), WhatsApp, SMS (``twilio``, ``sms_gateway``),
email, LAPOR!'s tindak lanjut, or ``record``: the note an officer reads at a walk-in desk, an
office or for a media clipping, saying (always in Indonesian) what to tell the citizen. A
private text may add the unit now handling the complaint, the officer's public comment (with
NIKs, phone numbers and email addresses masked by ``app.core.pii.mask_pii``; never more than
``COMMENT_MAX`` characters) and the estimated completion date ("12 Desember 2026" /
"12 December 2026"); on the move to ``resolved`` it asks the citizen to confirm: YA or TIDAK
(YES or NO in English), which ``app.outbound.words.read_answer`` reads back. The first SMS
and WhatsApp message (``created``) ends with how to stop them ("Balas BERHENTI ...").

Nothing to tell (``None``): ``status_changed`` to ``pending_validation`` (internal: the
officer reported it done and a supervisor validates it) and its way back to ``in_progress``
("TL ditolak": the citizen was never told it was done); a status change to the same status;
``assigned`` without a unit name; ``commented`` without a comment; ``ews_set`` without a date
or on a closed complaint.

Language: ``"en"`` (or ``"en-GB"`` and the like) gives English, anything else Indonesian;
English texts show the status label as "Resolved (Selesai)" so that it matches the tracking
page.

Email: ``subject`` is ``[K7M2-Q9XD] Re: <the reporter's subject>`` (earlier ``Re:``/``Fwd:``
prefixes and our ``[ticket]`` dropped), or ``[K7M2-Q9XD] <a short subject>`` without one; the
channel contracts find the ticket by that bracketed form. The body greets, tells, links, and
explains how to answer (reply, keeping the ticket in the subject).

Limits
------
``LIMITS`` holds the most each (platform, visibility) accepts; ``fits`` checks a text against
it. Where they come from:

- X: a post (public reply) is at most 280 *weighted* characters (X's counting, see
  ``x_weighted_length``); a DM 10,000 characters.
- Facebook: a comment 8,000 characters; a Messenger message 2,000.
- Instagram: a comment 2,200 characters; a DM 1,000 (Meta documents both "characters" and
  "UTF-8 bytes", so both are checked).
- WhatsApp Cloud API: a text body 4,096 characters.
- SMS (both senders): at most ``SMS_MAX_SEGMENTS`` (3) segments, counted by ``sms_segments``:
  459 GSM-7 characters. Every SMS text is kept in the GSM 03.38 alphabet (the unit name and the
  comment are transliterated, "é" stays, "ş" becomes "s", what has no equivalent becomes "?"),
  so a message never falls back to UCS-2 (70 characters a segment).
- LAPOR!: a tindak lanjut text 2,000 characters.
- email and record: no platform limit; Aduan's own bounds (10,000 and 2,000) keep them short.

Characters are counted as UTF-16 code units, never fewer than the code points a platform may
count instead. A comment that would push a text over its limit is shortened at a word with an
ellipsis (then the unit name, should that still not do); the ticket and the link are never
cut. Every rendering fits for any comment and unit name, given a tracking URL of up to
``URL_MAX`` characters (the tests check this for every event, status, platform, visibility and
language).
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

from app.complaints.lifecycle import STATUSES, label
from app.core.pii import mask_pii
from app.outbound.senders.sms_gateway import GSM7_BASIC, GSM7_EXTENSION, segments
from app.outbound.senders.x import weighted_length

EVENTS = ("created", "assigned", "status_changed", "commented", "ews_set")
PLATFORMS = ("x", "facebook", "instagram", "whatsapp", "twilio", "sms_gateway", "email", "lapor", "record")
PUBLIC_PLATFORMS = ("x", "facebook", "instagram")
SMS_PLATFORMS = ("twilio", "sms_gateway")
Visibility = Literal["public", "private"]

SMS_MAX_SEGMENTS = 3
COMMENT_MAX = 500  # characters of an officer's comment any message carries; the tracking page has it all
UNIT_MAX = 100
URL_MAX = 200  # the longest tracking URL the limits are guaranteed for

LIMITS: dict[tuple[str, str], int] = {
    ("x", "public"): 280,  # weighted, see x_weighted_length
    ("x", "private"): 10_000,
    ("facebook", "public"): 8_000,
    ("facebook", "private"): 2_000,
    ("instagram", "public"): 2_200,
    ("instagram", "private"): 1_000,  # characters and UTF-8 bytes
    ("whatsapp", "private"): 4_096,
    ("twilio", "private"): 459,  # 3 GSM-7 segments; fits() counts segments
    ("sms_gateway", "private"): 459,
    ("email", "private"): 10_000,  # Aduan's own bound
    ("lapor", "private"): 2_000,
    ("record", "private"): 2_000,  # Aduan's own bound
}


@dataclass(frozen=True, slots=True)
class Facts:
    """What happened to a complaint, as much as a message about it may use."""

    event: str  # one of EVENTS
    ticket: str  # e.g. "K7M2-Q9XD"
    status: str  # the complaint's status code after the event
    language: str  # "id" or "en"; anything else is treated as "id"
    track_url: str  # the public tracking page
    from_status: str | None = None
    unit_name: str | None = None  # the unit now handling it
    comment: str | None = None  # a public officer comment (masked before use)
    ews_at: date | None = None  # estimated completion date
    subject: str | None = None  # email: the reporter's original subject


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    subject: str | None = None  # email only


# --------------------------------------------------------------------------- counting

# X's weighted length: the sender's count (app.outbound.senders.x, twitter-text configuration v3),
# so a reply fitted here is never refused there.
x_weighted_length = weighted_length


# SMS: the aggregator sender's count and GSM 03.38 tables (app.outbound.senders.sms_gateway), so a
# text fitted here is never refused there.
sms_segments = segments
_GSM_BASIC = GSM7_BASIC
_GSM_EXTENSION = GSM7_EXTENSION


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fits(text: str, platform: str, visibility: str) -> bool:
    """True when ``text`` is within what ``platform`` accepts on that route (see ``LIMITS``)."""
    key = (platform, visibility)
    if key not in LIMITS:
        raise ValueError(f"no {visibility} route on {platform!r}")
    if key == ("x", "public"):
        return x_weighted_length(text) <= LIMITS[key]
    if platform in SMS_PLATFORMS:
        return sms_segments(text)[1] <= SMS_MAX_SEGMENTS
    if key == ("instagram", "private") and len(text.encode("utf-8")) > LIMITS[key]:
        return False
    return _utf16_units(text) <= LIMITS[key]


# --------------------------------------------------------------------------- cleaning

_SPACE_RE = re.compile(r"\s+")
_GSM_LOOKALIKE = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2033": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2022": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


def _plain(ch: str) -> str:
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Zl", "Zp"):
        return " "
    if category == "Nd":
        return str(unicodedata.decimal(ch))  # "٠٨١٢" is a phone number too
    return ch


def _one_line(text: str | None) -> str | None:
    """NFKC (full-width digits become digits), every script's digits as ASCII digits, control
    and format characters (zero-width spaces) as spaces, whitespace collapsed to single spaces,
    so that the masker sees numbers as it knows them; None when nothing is left."""
    if text is None:
        return None
    text = "".join(_plain(ch) for ch in unicodedata.normalize("NFKC", text))
    text = _SPACE_RE.sub(" ", text).strip()
    return text or None


def _gsm(text: str) -> str:
    """``text`` in the GSM 03.38 alphabet: look-alikes mapped, accents stripped where the
    alphabet lacks the letter, anything else "?"."""
    out: list[str] = []
    for ch in text.translate(_GSM_LOOKALIKE):
        if ch in _GSM_BASIC or ch in _GSM_EXTENSION:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if c in _GSM_BASIC)
        out.append(base or "?")
    return "".join(out)


def _clip(text: str, most: int, ellipsis: str) -> str:
    if len(text) <= most:
        return text
    return text[: most - len(ellipsis)].rstrip() + ellipsis


def _clean_comment(comment: str | None, gsm: bool, ellipsis: str) -> str | None:
    text = _one_line(comment)
    if text is None:
        return None
    text = mask_pii(text)
    if gsm:
        # Transliteration can turn what the masker did not see into plain digits: mask again.
        text = mask_pii(_gsm(text))
    return _clip(text, COMMENT_MAX, ellipsis)


def _clean_unit(unit: str | None, gsm: bool, ellipsis: str) -> str | None:
    text = _one_line(unit)
    if text is None:
        return None
    return _clip(_gsm(text) if gsm else text, UNIT_MAX, ellipsis)


def _clean_subject(subject: str | None, ticket: str) -> str | None:
    text = _one_line(subject)  # no CR/LF can reach a mail header
    if text is None:
        return None
    ours = re.compile(r"\[\s*#?" + re.escape(ticket) + r"\s*\]", re.IGNORECASE)
    prefix = re.compile(r"^(?:(?:re|fwd?|aw|balas|tr)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
    previous = None
    while previous != text:
        previous = text
        text = prefix.sub("", ours.sub("", text).strip()).strip()
    return _clip(text, 120, "…") or None


# --------------------------------------------------------------------------- dates, labels

MONTHS = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
_LABELS_EN = {
    "received": "Waiting",
    "coordination": "Coordination",
    "dispatched": "Dispatched",
    "in_progress": "In progress",
    "pending_validation": "Awaiting validation",
    "resolved": "Resolved",
    "rejected": "Rejected",
    "duplicate": "Duplicate",
}


def format_date(day: date, language: str) -> str:
    """``12 Desember 2026`` (Indonesian) or ``12 December 2026`` (``language == "en"``)."""
    return f"{day.day} {MONTHS[_lang(language)][day.month - 1]} {day.year}"


def _lang(language: str) -> str:
    return "en" if re.split(r"[-_]", (language or "").strip().lower())[0] == "en" else "id"


def _label(status: str, lang: str) -> str:
    return f"{_LABELS_EN[status]} ({label(status)})" if lang == "en" else label(status)


# --------------------------------------------------------------------------- the templates

# Kinds: "created", "assigned", "commented", "ews_set", and for status_changed the status
# ("received" ... "duplicate") or "reopened" (resolved -> in_progress).
# A line is left out when a field it names ({unit}, {comment}, {ews}) has no value; {unit_or}
# is the unit or a general word for it.

_NOTE_ID = 'Keterangan petugas: "{comment}"'
_NOTE_EN = 'Officer\'s note: "{comment}"'

# Chat: X and Instagram DMs, Messenger, WhatsApp, SMS; also the middle of an email and of a
# LAPOR! tindak lanjut.
_CHAT: dict[str, dict[str, tuple[str, ...]]] = {
    "id": {
        "created": (
            "Terima kasih, laporan Anda sudah kami terima dengan nomor {ticket} (status: {label}).",
            "Laporan diteruskan ke {unit}.",
        ),
        "assigned": ("Laporan {ticket} kini ditangani oleh {unit}.",),
        "commented": ("Ada tanggapan petugas untuk laporan {ticket}:", '"{comment}"'),
        "ews_set": ("Laporan {ticket} diperkirakan selesai pada {ews}.",),
        "received": ("Laporan {ticket} tercatat dengan status {label} dan segera kami periksa.", _NOTE_ID),
        "coordination": ("Laporan {ticket} sedang dikoordinasikan dengan {unit_or}.", _NOTE_ID),
        "dispatched": ("Laporan {ticket} sudah diteruskan ke {unit_or} untuk ditindaklanjuti.", _NOTE_ID),
        "in_progress": (
            "Laporan {ticket} sedang ditangani: petugas menuju lokasi atau sudah bekerja di sana.",
            "Ditangani oleh {unit}.",
            "Perkiraan selesai: {ews}.",
            _NOTE_ID,
        ),
        "reopened": (
            "Laporan {ticket} kami buka kembali dan akan ditangani lagi. Terima kasih atas tanggapan Anda.",
            "Ditangani oleh {unit}.",
            _NOTE_ID,
        ),
        "resolved": ("Laporan {ticket} sudah selesai ditangani.", "Ditangani oleh {unit}.", _NOTE_ID),
        "rejected": ("Mohon maaf, laporan {ticket} tidak dapat kami tindak lanjuti.", _NOTE_ID),
        "duplicate": (
            "Laporan {ticket} digabungkan dengan laporan lain tentang masalah yang sama, "
            "sehingga ditangani bersama. Terima kasih sudah melapor.",
            _NOTE_ID,
        ),
    },
    "en": {
        "created": (
            "Thank you, we have received your report. Your ticket number is {ticket} (status: {label}).",
            "It has been passed to {unit}.",
        ),
        "assigned": ("Report {ticket} is now handled by {unit}.",),
        "commented": ("An officer has replied on report {ticket}:", '"{comment}"'),
        "ews_set": ("Report {ticket} is expected to be completed by {ews}.",),
        "received": ("Report {ticket} is recorded as {label} and will be checked soon.", _NOTE_EN),
        "coordination": ("Report {ticket} is being coordinated with {unit_or}.", _NOTE_EN),
        "dispatched": ("Report {ticket} has been passed to {unit_or} for action.", _NOTE_EN),
        "in_progress": (
            "Report {ticket} is being handled: officers are on their way or already working on site.",
            "Handled by {unit}.",
            "Expected completion: {ews}.",
            _NOTE_EN,
        ),
        "reopened": (
            "We have reopened report {ticket} and will work on it again. Thank you for letting us know.",
            "Handled by {unit}.",
            _NOTE_EN,
        ),
        "resolved": ("Report {ticket} has been resolved.", "Handled by {unit}.", _NOTE_EN),
        "rejected": ("We are sorry, report {ticket} cannot be followed up.", _NOTE_EN),
        "duplicate": (
            "Report {ticket} has been merged with another report about the same problem, "
            "so they are handled together. Thank you for reporting.",
            _NOTE_EN,
        ),
    },
}

# Record: what an officer tells a citizen who came to a desk or an office (always Indonesian).
_TELL = "Sampaikan kepada pelapor bahwa "
_RECORD: dict[str, tuple[str, ...]] = {
    "created": (
        _TELL + "laporannya sudah tercatat dengan nomor {ticket} (status: {label}).",
        "Laporan diteruskan ke {unit}.",
    ),
    "assigned": (_TELL + "laporan {ticket} kini ditangani oleh {unit}.",),
    "commented": ("Sampaikan kepada pelapor tanggapan petugas untuk laporan {ticket}:", '"{comment}"'),
    "ews_set": (_TELL + "laporan {ticket} diperkirakan selesai pada {ews}.",),
    "received": (_TELL + "laporan {ticket} tercatat dengan status {label} dan segera diperiksa.", _NOTE_ID),
    "coordination": (_TELL + "laporan {ticket} sedang dikoordinasikan dengan {unit_or}.", _NOTE_ID),
    "dispatched": (_TELL + "laporan {ticket} sudah diteruskan ke {unit_or} untuk ditindaklanjuti.", _NOTE_ID),
    "in_progress": (
        _TELL + "laporan {ticket} sedang ditangani: petugas menuju lokasi atau sudah bekerja di sana.",
        "Ditangani oleh {unit}.",
        "Perkiraan selesai: {ews}.",
        _NOTE_ID,
    ),
    "reopened": (_TELL + "laporan {ticket} dibuka kembali dan akan ditangani lagi.", _NOTE_ID),
    "resolved": (_TELL + "laporan {ticket} sudah selesai ditangani.", "Ditangani oleh {unit}.", _NOTE_ID),
    "rejected": (
        "Sampaikan kepada pelapor dengan sopan bahwa laporan {ticket} tidak dapat ditindaklanjuti, beserta alasannya.",
        _NOTE_ID,
    ),
    "duplicate": (
        _TELL
        + "laporan {ticket} digabungkan dengan laporan lain tentang masalah yang sama dan ditangani bersama.",
        _NOTE_ID,
    ),
}

# Public replies: the ticket, the status label and the link, nothing else. "status" serves
# every status change without a text of its own.
_PUBLIC: dict[str, dict[str, str]] = {
    "id": {
        "created": "Terima kasih, laporan Anda kami terima dengan nomor {ticket} (status: {label}). Pantau di {url}",
        "commented": "Ada tanggapan baru untuk laporan {ticket} (status: {label}). Baca di {url}",
        "resolved": "Laporan {ticket} sudah selesai ditangani (status: {label}). Detail: {url}",
        "reopened": "Laporan {ticket} dibuka kembali (status: {label}). Detail: {url}",
        "status": "Laporan {ticket} kini berstatus {label}. Detail: {url}",
    },
    "en": {
        "created": "Thank you, we have received your report: ticket {ticket} (status: {label}). Track it at {url}",
        "commented": "There is a new reply on report {ticket} (status: {label}). Read it at {url}",
        "resolved": "Report {ticket} has been resolved (status: {label}). Details: {url}",
        "reopened": "Report {ticket} has been reopened (status: {label}). Details: {url}",
        "status": "Report {ticket} is now: {label}. Details: {url}",
    },
}

_SUBJECTS: dict[str, dict[str, str]] = {
    "id": {
        "created": "Laporan Anda diterima",
        "assigned": "Laporan Anda diteruskan",
        "commented": "Tanggapan petugas",
        "ews_set": "Perkiraan waktu selesai",
        "resolved": "Laporan selesai, mohon konfirmasi",
        "reopened": "Laporan dibuka kembali",
        "status": "Status laporan: {label}",
    },
    "en": {
        "created": "Your report has been received",
        "assigned": "Your report has been passed on",
        "commented": "A reply from our officer",
        "ews_set": "Expected completion date",
        "resolved": "Report resolved, please confirm",
        "reopened": "Report reopened",
        "status": "Report status: {label}",
    },
}

_PHRASES: dict[str, dict[str, str]] = {
    "id": {
        "unit_or": "instansi terkait",
        "link": "Pantau laporan: {url}",
        "stop": "Balas BERHENTI untuk berhenti menerima pesan.",
        "confirm": "Apakah masalahnya sudah beres? Balas YA jika sudah, atau TIDAK jika belum.",
        "confirm_email": "Apakah masalahnya sudah beres? Balas email ini dengan YA jika sudah, atau TIDAK jika belum.",
        "confirm_lapor": "Apakah masalahnya sudah beres? Mohon tanggapi dengan YA jika sudah, atau TIDAK jika belum.",
        "lapor_link": "Pantau juga di: {url}",
        "greeting": "Yth. Bapak/Ibu pelapor,",
        "email_link": "Pantau perkembangan laporan Anda di:",
        "reply_hint": "Untuk menanggapi, balas email ini dan biarkan [{ticket}] tetap ada di subjek.",
        "signoff": "Hormat kami,\nTim Layanan Aduan",
    },
    "en": {
        "unit_or": "the agency in charge",
        "link": "Track it: {url}",
        "stop": "Reply STOP to stop these messages.",
        "confirm": "Is the problem fixed? Reply YES if it is, or NO if it is not.",
        "confirm_email": "Is the problem fixed? Reply to this email with YES if it is, or NO if it is not.",
        "confirm_lapor": "Is the problem fixed? Please respond YES if it is, or NO if it is not.",
        "lapor_link": "You can also track it at: {url}",
        "greeting": "Dear reporter,",
        "email_link": "Follow your report at:",
        "reply_hint": "To answer, reply to this email and keep [{ticket}] in the subject.",
        "signoff": "Kind regards,\nThe Aduan complaints team",
    },
}
_RECORD_CONFIRM = (
    "Tanyakan apakah masalahnya sudah beres (YA/TIDAK) dan catat jawabannya pada laporan {ticket}."
)
_RECORD_LINK = "Berikan nomor laporan {ticket} dan tautan pemantauan: {url}"
_RECORD_ENGLISH = "Catatan: pelapor memilih bahasa Inggris."

_FORMATTER = string.Formatter()


@cache
def _fields(line: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in _FORMATTER.parse(line) if name)


def _fill(lines: tuple[str, ...], values: Mapping[str, str | None]) -> list[str]:
    """The lines whose every field has a value, filled in."""
    return [
        line.format_map(values) for line in lines if all(values.get(f) is not None for f in _fields(line))
    ]


# --------------------------------------------------------------------------- render


def _kind(facts: Facts, comment: str | None, unit: str | None) -> str | None:
    """Which template an event takes, or None when there is nothing to tell."""
    if facts.event == "created":
        return "created"
    if facts.event == "assigned":
        return "assigned" if unit else None
    if facts.event == "commented":
        return "commented" if comment else None
    if facts.event == "ews_set":
        return "ews_set" if facts.ews_at is not None and STATUSES[facts.status].open311 == "open" else None
    # status_changed
    if facts.status == facts.from_status or facts.status == "pending_validation":
        return None
    if facts.status == "in_progress":
        if facts.from_status == "pending_validation":
            return None  # "TL ditolak": the citizen was never told it was done
        if facts.from_status == "resolved":
            return "reopened"
    return facts.status


def _check(facts: Facts, platform: str, visibility: str) -> None:
    if facts.event not in EVENTS:
        raise ValueError(f"unknown event {facts.event!r}")
    if facts.status not in STATUSES:
        raise ValueError(f"unknown status {facts.status!r}")
    if facts.from_status is not None and facts.from_status not in STATUSES:
        raise ValueError(f"unknown status {facts.from_status!r}")
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}")
    if (platform, visibility) not in LIMITS:
        raise ValueError(f"no {visibility} route on {platform!r}")


def render(facts: Facts, platform: str, visibility: Visibility) -> Rendered | None:
    """The message about ``facts`` on ``platform`` (public reply or private message), or None.

    Raises ``ValueError`` for an unknown event, status or platform, and for a public reply
    on a platform that has none.
    """
    _check(facts, platform, visibility)
    lang = _lang(facts.language)
    gsm = platform in SMS_PLATFORMS
    ellipsis = "..." if gsm else "…"
    ticket = facts.ticket.strip()
    url = facts.track_url.strip()
    comment = _clean_comment(facts.comment, gsm, ellipsis)
    unit = _clean_unit(facts.unit_name, gsm, ellipsis)
    kind = _kind(facts, comment, unit)
    if kind is None:
        return None
    values: dict[str, str | None] = {
        "ticket": ticket,
        "url": url,
        "label": _label(facts.status, "id" if platform == "record" else lang),
        "ews": format_date(facts.ews_at, "id" if platform == "record" else lang) if facts.ews_at else None,
    }
    if visibility == "public":
        if kind in ("assigned", "ews_set"):
            return None
        public = _PUBLIC[lang]
        return Rendered(public.get(kind, public["status"]).format_map(values))

    def build(c: str | None, u: str | None) -> str:
        return _compose(platform, lang, kind, {**values, "comment": c, "unit": u})

    def ok(text: str) -> bool:
        return fits(text, platform, visibility)

    text = _fit(build, comment, unit, ok, ellipsis)
    if platform != "email":
        return Rendered(text)
    subjects = _SUBJECTS[lang]
    original = _clean_subject(facts.subject, ticket)
    if original:
        subject = f"[{ticket}] Re: {original}"
    else:
        subject = f"[{ticket}] " + subjects.get(kind, subjects["status"]).format_map(values)
    return Rendered(text, subject)


def _compose(platform: str, lang: str, kind: str, values: dict[str, str | None]) -> str:
    if platform == "record":
        values = {**values, "unit_or": values["unit"] or _PHRASES["id"]["unit_or"]}
        lines = _fill(_RECORD[kind], values)
        if kind == "resolved":
            lines.append(_RECORD_CONFIRM.format_map(values))
        lines.append(_RECORD_LINK.format_map(values))
        if lang == "en":
            lines.append(_RECORD_ENGLISH)
        return "\n".join(lines)
    phrases = _PHRASES[lang]
    values = {**values, "unit_or": values["unit"] or phrases["unit_or"]}
    body = _fill(_CHAT[lang][kind], values)
    if platform == "email":
        lines = [phrases["greeting"], "", *body]
        if kind == "resolved":
            lines.append(phrases["confirm_email"])
        lines += ["", phrases["email_link"], values["url"] or "", ""]
        lines += [phrases["reply_hint"].format_map(values), "", phrases["signoff"]]
        return "\n".join(lines)
    if platform == "lapor":
        if kind == "resolved":
            body.append(phrases["confirm_lapor"])
        body.append(phrases["lapor_link"].format_map(values))
        return "\n".join(body)
    if kind == "resolved":
        body.append(phrases["confirm"])
    body.append(phrases["link"].format_map(values))
    if kind == "created" and (platform in SMS_PLATFORMS or platform == "whatsapp"):
        body.append(phrases["stop"])
    return "\n".join(body)


def _fit(
    build: Callable[[str | None, str | None], str],
    comment: str | None,
    unit: str | None,
    ok: Callable[[str], bool],
    ellipsis: str,
) -> str:
    """``build(comment, unit)``, the comment (then the unit) shortened or left out until it fits."""
    text = build(comment, unit)
    if ok(text):
        return text
    if comment is not None:
        short = _shorten(lambda c: build(c, unit), comment, ok, ellipsis)
        if short is not None:
            return build(short, unit)
        text = build(None, unit)
        if ok(text):
            return text
    if unit is not None:
        short = _shorten(lambda u: build(None, u), unit, ok, ellipsis)
        if short is not None:
            return build(None, short)
        text = build(None, None)
    return text  # only an absurdly long tracking URL gets here: the link is never cut


_KEEP_AT_LEAST = 12


def _shorten(build: Callable[[str], str], value: str, ok: Callable[[str], bool], ellipsis: str) -> str | None:
    """The longest head of ``value`` (cut at a word when one is near) + ellipsis that fits."""

    def cut(k: int) -> str:
        return value[:k].rstrip() + ellipsis

    lo, hi = _KEEP_AT_LEAST, len(value) - 1
    if hi < lo or not ok(build(cut(lo))):
        return None
    while lo < hi:  # texts grow with k: the largest k that fits
        mid = (lo + hi + 1) // 2
        if ok(build(cut(mid))):
            lo = mid
        else:
            hi = mid - 1
    head = value[:lo]
    space = head.rfind(" ")
    if space >= max(_KEEP_AT_LEAST, lo - 20):
        head = head[:space]
    return head.rstrip() + ellipsis

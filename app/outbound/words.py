"""Reading a citizen's one-word answers: confirm, reject, stop, start (pure).

When a complaint moves to ``resolved``, Aduan asks the reporter "Apakah masalahnya sudah
beres? Balas YA ... atau TIDAK ..." (``app.outbound.templates``); every first SMS and WhatsApp
message says how to stop them ("Balas BERHENTI"). ``read_answer`` reads what comes back:

- ``"stop"``: BERHENTI, STOP, STOPALL, UNSUBSCRIBE, UNREG, "jangan kirim lagi", "tolong stop
  sms ini", "don't send me messages": a stop word (or "jangan kirim ...") followed only by words
  about the messages themselves. "Stop pungli di kelurahan!" is a complaint, not an opt-out.
- ``"start"``: MULAI, START, UNSTOP, "mulai lagi".
- ``"reject"``: a message that *starts* with a rejecting word: tidak, tdk, gak, nggak,
  enggak, belum, blm, no, "not yet" ... It may go on with a reason, at any length ("tidak,
  jalannya masih rusak"); ``answer_reason`` returns that reason. "Tidak ada masalah" / "no
  problem" is not read as a rejection (nor as anything).
- ``"confirm"``: conservative. At most ``CONFIRM_MAX_WORDS`` words, starting with a confirming
  word (ya, iya, y, yes, sudah, udah, beres, selesai, done, betul ...; "ok"/"oke" only in front
  of one: "ok sudah"), with no word of doubt anywhere (tidak, belum, tapi, masih, rusak, but,
  still ...). "sip" and "mantap" confirm only when the message consists of confirming words
  ("mantap, terima kasih"), since they are also said in irony.
- ``None`` for anything else: a long complaint that merely contains "ya" or "tidak", a bare
  "ok" or "terima kasih", a question ("sudah selesai?"), an emoji.

Before reading: case, punctuation and emoji are ignored, as is any quoted ticket code
(``K7M2-Q9XD``, ``#k7m2-q9xd``; the same rule as ``tickets.find_ticket``), greetings and forms of
address in front ("Selamat pagi pak,", "Halo min", "Alhamdulillah"), a "no. laporan" in front,
and thanks and address at the end ("..., terima kasih pak"). Letters repeated for emphasis
count once ("iyaaa", "sudahh", "belumm").

The text is the new part of a message: the email adapter already removes quoted replies.
A caller acts on "confirm" / "reject" only while a confirmation is pending.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from app.complaints.tickets import ALPHABET, find_ticket

Answer = Literal["confirm", "reject", "stop", "start"]
CONFIRM_MAX_WORDS = 6

_SYMBOL = f"[{ALPHABET}{ALPHABET.lower()}]"
_TICKET_SHAPE_RE = re.compile(rf"(?<![A-Za-z0-9]){_SYMBOL}{{4}}-{_SYMBOL}{{4}}(?![A-Za-z0-9])")
_WORD_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_REPEAT_RE = re.compile(r"(.)\1+")


def _norm(word: str) -> str:
    """Lower case, no apostrophes, letters repeated for emphasis once ("Iyaaa" -> "iya")."""
    word = word.casefold().replace("'", "").replace("\u2019", "")
    return _REPEAT_RE.sub(r"\1", word)


def _words(*words: str) -> frozenset[str]:
    return frozenset(_norm(w) for w in words)


_GREETINGS = _words(
    "halo", "hallo", "helo", "hello", "hai", "hi", "hey", "hei", "selamat", "pagi", "siang",
    "sore", "malam", "good", "morning", "afternoon", "evening", "assalamualaikum", "assalamu",
    "alaikum", "wr", "wb", "warahmatullahi", "wabarakatuh", "salam", "dear", "permisi", "punten",
    "maaf", "alhamdulillah", "alhamdulilah", "puji", "tuhan", "syukur",
)  # fmt: skip
_ADDRESS = _words(
    "min", "mimin", "admin", "pak", "bapak", "bu", "ibu", "kak", "kakak", "mas", "mbak", "mba",
    "bang", "gan", "sis", "bro", "sir", "madam", "om", "tante", "team", "tim",
)  # fmt: skip
_THANKS = _words(
    "terima", "kasih", "terimakasih", "trimakasih", "makasih", "makasi", "maksih", "mksh",
    "trims", "tks", "thx", "thanks", "thank", "you", "tq", "ty", "banyak", "sekali", "salam",
    "wassalam", "wassalamualaikum",
)  # fmt: skip
_PARTICLES = _words("ya", "dong", "deh", "sih", "nih", "kok", "lho", "kak")
_LEADING = _GREETINGS | _ADDRESS
_TRAILING = _THANKS | _ADDRESS | _PARTICLES
_NUMBER = _words("no", "nomor", "nomer", "nmr")
_REFERENCE = _words("laporan", "tiket", "ticket", "aduan", "pengaduan", "report", "untuk", "utk")

_STOP = _words("berhenti", "stop", "stopall", "unsubscribe", "unsub", "unreg", "optout")
_START = _words("mulai", "start", "unstop")
_POLITE = _words("tolong", "mohon", "please", "pls", "plz")
_ABOUT_MESSAGES = _POLITE | _words(
    "saja", "aja", "ya", "dong", "sms", "pesan", "pesannya", "notifikasi", "notif", "kirim",
    "kirimi", "mengirim", "ngirim", "ini", "itu", "lagi", "kembali", "berlangganan", "langganan",
    "saya", "aku", "ke", "hubungi", "ganggu", "message", "messages", "sending", "send", "these",
    "this", "me", "to", "all", "any", "more", "again", "out", "opt",
)  # fmt: skip
_DONT = (("jangan",), ("dont",), ("do", "not"))
_SENDING = _words("kirim", "kirimi", "sms", "hubungi", "ganggu", "send", "text", "message")

_REJECT = _words(
    "tidak", "tdk", "tak", "gak", "ga", "gk", "nggak", "ngga", "ngak", "enggak", "engga", "kagak",
    "ndak", "nda", "belum", "blm", "blum", "blom", "no", "nope", "n", "not",
)  # fmt: skip
_NO_PROBLEM = _words("masalah", "kendala", "problem", "problems", "apa", "apa2", "papa")
_UNDONE = _words("selesai", "beres", "done", "fixed", "finished")
_CONFIRM = _words(
    "ya", "iya", "y", "yes", "yep", "yup", "yoi", "sudah", "sdh", "udah", "udh", "beres", "selesai",
    "done", "fixed", "betul", "benar", "bener",
)  # fmt: skip
_SOFT = _words("ok", "oke", "okay", "okey", "okei", "baik", "siap")
_PRAISE = _words("sip", "mantap", "mantab", "mantul", "good", "great", "bagus", "keren")
_CONFIRMING = _CONFIRM | _SOFT | _PRAISE | _words("sekali", "banget", "semua", "sudah", "kok")
_DOUBT = _REJECT | _words(
    "bukan", "tapi", "tetapi", "tp", "namun", "masih", "msh", "kecuali", "cuma", "hanya", "padahal",
    "malah", "rusak", "bocor", "kapan", "why", "but", "still", "except", "only", "yet", "broken",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Word:
    norm: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Reading:
    text: str  # NFKC
    words: list[_Word]  # the core: greetings, thanks and ticket codes dropped
    tickets: list[tuple[int, int]]
    question: bool


# "No. K7M2-Q9XD", "nomor laporan K7M2-Q9XD": the number's label goes with the code. A bare
# "NO K7M2-Q9XD" stays: it answers "Reply YES or NO".
_NUMBER_LABEL_RE = re.compile(
    r"(?:\b(?:nomor|nomer|nmr)\b\s*[.:#]?|\bno\s*[.:#])\s*(?:(?:laporan|tiket|ticket|aduan)\s*[.:#]?\s*)?$",
    re.IGNORECASE,
)


def _ticket_spans(text: str) -> list[tuple[int, int]]:
    """Where ticket codes (with a "No." in front of them) are quoted."""
    spans = []
    for m in _TICKET_SHAPE_RE.finditer(text):
        if find_ticket(m.group(0)):
            label = _NUMBER_LABEL_RE.search(text, 0, m.start())
            spans.append((label.start() if label else m.start(), m.end()))
    return spans


def _read(text: str) -> _Reading:
    text = unicodedata.normalize("NFKC", text or "")
    tickets = _ticket_spans(text)
    words = [
        _Word(_norm(m.group(0)), m.start(), m.end())
        for m in _WORD_RE.finditer(text)
        if not any(s <= m.start() < e for s, e in tickets)
    ]
    i, j = 0, len(words)
    while i < j:
        if words[i].norm in _LEADING:
            i += 1
        elif words[i].norm in _NUMBER and i + 1 < j and words[i + 1].norm in _REFERENCE:
            i += 2
        elif words[i].norm in _REFERENCE and i + 1 < j:
            i += 1
        else:
            break
    while j - i > 1 and words[j - 1].norm in _TRAILING:
        j -= 1
    rest = text
    for s, e in reversed(tickets):
        rest = rest[:s] + rest[e:]
    stripped = "".join(ch for ch in rest if unicodedata.category(ch)[0] in "LNP").rstrip()
    return _Reading(text, words[i:j], tickets, stripped.endswith("?"))


def _is_stop(words: list[str]) -> bool:
    while words and words[0] in _POLITE:
        words = words[1:]
    if not words:
        return False
    if words[0] in _STOP or words[:2] == ["opt", "out"]:
        return all(w in _ABOUT_MESSAGES for w in words[1:])
    for dont in _DONT:
        n = len(dont)
        if tuple(words[:n]) == dont and len(words) > n and words[n] in _SENDING:
            return all(w in _ABOUT_MESSAGES for w in words[n + 1 :])
    return False


def _is_start(words: list[str]) -> bool:
    while words and words[0] in _POLITE:
        words = words[1:]
    return bool(words) and words[0] in _START and all(w in _ABOUT_MESSAGES for w in words[1:])


def _reject_length(words: list[str]) -> int:
    """How many words at the start say no (0 if the message does not start with a no)."""
    if not words or words[0] not in _REJECT:
        return 0
    after = [w for w in words[1:3] if w != "ada"]
    if after and after[0] in _NO_PROBLEM:  # "tidak ada masalah", "no problem", "gak apa"
        return 0
    if all(w in _REJECT or w in _UNDONE or w in _PARTICLES or w in _ADDRESS or w == "yet" for w in words):
        return len(words)  # "tidak, belum", "no, not yet", "belum selesai pak": nothing more
    n = 1
    if words[1:2] == ["yet"]:  # "not yet"
        n += 1
    while n < len(words) and (words[n] in _PARTICLES or words[n] in _ADDRESS):  # "belum pak, ..."
        n += 1
    while n < len(words) and words[n] in _UNDONE:  # "belum selesai, masih ada lubang"
        n += 1
    return n


def _is_confirm(words: list[str]) -> bool:
    if len(words) > CONFIRM_MAX_WORDS or any(w in _DOUBT for w in words):
        return False
    rest = words
    while rest and rest[0] in _SOFT:
        rest = rest[1:]
    if not rest:
        return False  # a bare "ok" acknowledges, it does not confirm
    if rest[0] in _CONFIRM:
        return True
    return rest[0] in _PRAISE and all(w in _CONFIRMING for w in rest)


def read_answer(text: str) -> Answer | None:
    """What a citizen's short answer means (see the module docstring), or None."""
    reading = _read(text)
    words = [w.norm for w in reading.words]
    if not words:
        return None
    if _is_stop(words):
        return "stop"
    if _is_start(words):
        return "start"
    if reading.question:
        return None
    if _reject_length(words):
        return "reject"
    if _is_confirm(words):
        return "confirm"
    return None


_EDGE_RE = re.compile(r"^[\W_]+|[\s.,;:]+$")


def answer_reason(text: str) -> str | None:
    """For a rejection, what follows the rejecting word ("tidak, jalannya masih rusak" ->
    "jalannya masih rusak"), ticket codes left out; None otherwise or when nothing follows."""
    if read_answer(text) != "reject":
        return None
    reading = _read(text)
    n = _reject_length([w.norm for w in reading.words])
    if n >= len(reading.words):
        return None
    start = reading.words[n].start
    body = reading.text[start:]
    for s, e in reversed(reading.tickets):
        if e > start:
            s = max(s, start)
            body = body[: s - start] + body[e - start :]
    reason = _EDGE_RE.sub("", re.sub(r"[ \t]{2,}", " ", body).strip())
    return reason or None

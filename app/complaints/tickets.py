"""Public tracking codes: ``K7M2-Q9XD``.

Eight symbols from an alphabet without look-alikes (no 0, 1, I, L, O, U),
drawn at random from ``secrets``: 30**8 ~ 6.6e11 codes, so they are neither sequential nor
guessable, and a collision (retried on the unique index) is rare.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_SYMBOL = f"[{ALPHABET}{ALPHABET.lower()}]"
_TICKET_RE = re.compile(rf"(?<![A-Za-z0-9])({_SYMBOL}{{4}})-?({_SYMBOL}{{4}})(?![A-Za-z0-9])")


_BASE = len(ALPHABET)
_CODES = _BASE**8
_DIGITS = sum(ch.isdigit() for ch in ALPHABET)  # the alphabet starts with its digits


def new_ticket() -> str:
    """A fresh code; it always holds a digit, so no Indonesian word ("SAMA-SAMA") is ever one.

    One uniform draw of all eight symbols (a number below 30**8, read in base 30)."""
    while True:
        n = secrets.randbelow(_CODES)
        symbols = []
        has_digit = False
        for _ in range(8):
            n, r = divmod(n, _BASE)
            symbols.append(ALPHABET[r])
            has_digit = has_digit or r < _DIGITS
        if has_digit:
            raw = "".join(symbols)
            return f"{raw[:4]}-{raw[4:]}"


def normalise_ticket(value: str) -> str | None:
    """Canonical form of a code typed by a person, or None if it is not one."""
    m = _TICKET_RE.fullmatch(value.strip())
    if not m:
        return None
    return f"{m.group(1).upper()}-{m.group(2).upper()}"


def find_ticket(text: str) -> str | None:
    """The first ticket code quoted in free text (``#K7M2-Q9XD``, ``k7m2-q9xd``).

    Only the hyphenated form with at least one digit is recognised in free
    text (every ticket has one): reduplicated words such as "sama-sama" or
    "rata-rata" are not codes.
    """
    for m in _TICKET_RE.finditer(text or ""):
        if "-" in m.group(0) and any(ch.isdigit() for ch in m.group(0)):
            return f"{m.group(1).upper()}-{m.group(2).upper()}"
    return None

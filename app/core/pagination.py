"""The one cursor codec of every list: opaque URL-safe base64 of the last row's sort key.

A cursor is the key's parts joined by ``|``; ``decode`` gives them back or answers 422 for
anything this API did not give out (PostgreSQL text holds no NUL, so neither may a cursor).
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from app.core.errors import Unprocessable


def invalid_cursor() -> Unprocessable:
    return Unprocessable(
        "cursor: not a cursor this API gave out", errors=[{"field": "cursor", "detail": "invalid cursor"}]
    )


def encode(*parts: str) -> str:
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode().rstrip("=")


def decode(cursor: str, n: int) -> list[str]:
    """The ``n`` parts of a cursor ``encode`` made."""
    try:
        parts = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|")
    except (ValueError, UnicodeDecodeError):
        parts = []
    if len(parts) != n or any("\x00" in p for p in parts):
        raise invalid_cursor()
    return parts


def encode_time_id(at: datetime, row_id: uuid.UUID) -> str:
    """The cursor of lists ordered by ``(time, id)`` descending (complaints, keys, deliveries)."""
    return encode(at.isoformat(), str(row_id))


def decode_time_id(cursor: str) -> tuple[datetime, uuid.UUID]:
    ts, rid = decode(cursor, 2)
    try:
        return datetime.fromisoformat(ts), uuid.UUID(rid)
    except ValueError:
        raise invalid_cursor() from None


def encode_int(value: int) -> str:
    return encode(str(value))


def decode_int(cursor: str) -> int:
    try:
        return int(decode(cursor, 1)[0])
    except ValueError:
        raise invalid_cursor() from None

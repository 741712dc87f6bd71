"""Shapes every package's schemas share."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema


def _as_written(value: datetime) -> str:
    return value.isoformat()


# A time in an answer, written as this API always wrote it: ISO 8601 with its offset
# (``2026-03-02T03:12:40.125000+00:00``, as ``datetime.isoformat``, orjson and PostgreSQL's JSON
# write it), not pydantic's ``Z`` for UTC, so an answer rendered through its model reads as the
# pre-rendered ones do.
Timestamp = Annotated[
    datetime,
    PlainSerializer(_as_written, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]

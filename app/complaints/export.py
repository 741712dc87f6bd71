"""The CSV export of ``GET /v1/complaints`` (``Accept: text/csv``): the list's query, as a file.

- **Same query.** The rows are exactly those the JSON list answers for the same filters, ``q``
  and key (app.auth.policy's read clause), in the same order; ``cursor`` continues after its row
  as it does for a page. Staff keys only (``admin``, ``supervisor``, ``officer``); ``app`` and
  ``partner`` keys get 403.
- **No reporter.** The reporter's name, phone, email and NIK are not columns. The title and
  description of an anonymous complaint are PII-masked (``app.core.pii.mask_pii``) for every key
  that may not know who an anonymous reporter is (below admin, ``policy.sees_reporter``): a file
  leaves the service, and citizens type their number into the text.
- **Streamed.** The rows come through a server-side cursor (``EXPORT_PREFETCH`` rows per round
  trip, in a read-only repeatable-read transaction on a connection of the export's own) and
  leave in chunks of ``EXPORT_CHUNK`` rows: never the whole result in memory.
- **Bounded.** At most ``EXPORT_MAX_ROWS`` (100 000) rows. Without ``limit`` the export holds
  every matching row, and one that would hold more is refused before anything is sent (422,
  ``export-too-large``: narrow the filters, e.g. ``created_from``/``created_to``, or give
  ``limit``); with ``limit`` (1 to 100 000) it holds the first ``limit`` rows.
- **Safe in a spreadsheet.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, TAB or CR
  gets a leading ``'`` so that no spreadsheet runs it as a formula (CSV injection). ``lat``,
  ``lon`` and ``supports`` are numbers written by the service, not text, and are left alone (a
  negative latitude is a number).
- **Audited.** Each export writes one ``complaints.export`` audit record (actor, filters,
  ``limit``) before the first byte is sent; the row count is known only at the end of the
  stream, so it is logged then (``aduan.complaints.export``), not audited.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg

from app.auth import policy
from app.complaints import repository
from app.core.db import Database
from app.core.pii import mask_pii
from app.core.security import Principal

log = logging.getLogger("aduan.complaints.export")

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
EXPORT_MAX_ROWS = 100_000
EXPORT_PREFETCH = 500
EXPORT_CHUNK = 500
COLUMNS = repository.EXPORT_COLUMNS
# Cells a spreadsheet would read as a formula (or a DDE call) unless they are quoted as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CSV_EXAMPLE = (
    ",".join(COLUMNS) + "\r\n"
    "3b9d6f2e-4c1a-4e8b-9a7d-2f5c8e1b0a64,K7M2-Q9XD,2026-03-02T03:12:40+00:00,jaki,roads,in_progress,public,"
    "Jalan berlubang di Jl. Cikini Raya,"
    '"Lubang besar di depan halte Cikini, sudah dua motor jatuh minggu ini.",'
    "Kota Administrasi Jakarta Pusat,Menteng,Cikini,kel-31.71.06.1003,6f1c2a3e-8a57-4c41-9a0e-1f2b3c4d5e6f,"
    "2026-03-09T03:12:40+00:00,,-6.1915,106.8412,3\r\n"
    "9e2b7c41-0d3a-4f6e-8b15-c7a9d2e4f608,P4TW-8HCN,2026-03-01T22:40:05+00:00,sms,rubbish,received,anonymous,,"
    '"Sampah menumpuk dekat pasar, hubungi 0812-****-7890",Kota Administrasi Jakarta Selatan,Pasar Minggu,'
    "Pasar Minggu,kel-31.74.04.1001,,2026-03-04T22:40:05+00:00,,,,0\r\n"
)


def wants_csv(accept: str | None) -> bool:
    """Whether ``Accept`` asks for the CSV export: it names ``text/csv`` (with a non-zero q) and
    does not prefer ``application/json`` over it. ``*/*``, a missing header or any other type is
    the JSON list."""
    if not accept or "csv" not in accept.lower():
        return False
    csv_q = json_q = 0.0
    for part in accept.split(","):
        media, *params = part.split(";")
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        media = media.strip().lower()
        if media == "text/csv":
            csv_q = max(csv_q, q)
        elif media == "application/json":
            json_q = max(json_q, q)
    return csv_q > 0 and csv_q >= json_q


def filename(now: datetime | None = None) -> str:
    """``aduan-complaints-<UTC timestamp>.csv``."""
    return f"aduan-complaints-{(now or datetime.now(UTC)).astimezone(UTC):%Y%m%dT%H%M%SZ}.csv"


def neutralise(value: str) -> str:
    """A text cell no spreadsheet reads as a formula: a leading ``'`` when it starts like one."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bool):  # no boolean column today; never "True" in a file
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))  # uuid


def row_cells(row: asyncpg.Record | dict[str, Any], principal: Principal) -> list[str | int | float]:
    """One complaint as the export's cells, as this key may see it."""
    values = {name: row[name] for name in COLUMNS}
    if not policy.sees_reporter(principal, row):
        # who reported an anonymous complaint is not this key's to know: mask what the text says
        for name in ("title", "description"):
            if values[name]:
                values[name] = mask_pii(values[name])
    return [_cell(values[name]) for name in COLUMNS]


async def stream_csv(
    db: Database,
    flt: repository.ListFilter,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
) -> AsyncIterator[bytes]:
    """The export, header row first, in chunks of ``EXPORT_CHUNK`` rows (UTF-8, CRLF line ends)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield _drain(buf)
    n = 0
    try:
        async with db.raw() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            async for row in repository.export_rows(
                conn, flt, limit=limit, cursor=cursor, prefetch=EXPORT_PREFETCH
            ):
                writer.writerow(row_cells(row, principal))
                n += 1
                if n % EXPORT_CHUNK == 0:
                    yield _drain(buf)
        if buf.tell():
            yield _drain(buf)
    finally:
        log.info("complaints export by %s: %d rows", principal.actor, n)


def _drain(buf: io.StringIO) -> bytes:
    data = buf.getvalue().encode()
    buf.seek(0)
    buf.truncate()
    return data

"""Aduan's benchmark: the hot paths against the framework's own ceiling, in one run.

    python bench/run.py [--rows N] [--duration S] [--keep-db] [--json out.json]

1. A fresh database ``aduan_bench`` on the server of ``ADUAN_BENCH_DATABASE_URL`` or
   ``DATABASE_URL`` (dropped first), else on the embedded PostgreSQL under ``.aduan-bench/``;
   the migrations run on it.
2. ``--rows`` complaints (one ``created`` event each, and their reporters) are generated in
   SQL with ``INSERT ... SELECT generate_series(...)``, not through the API, then
   ``VACUUM ANALYZE``.
3. ``aduan serve`` runs as a real process with one worker on 127.0.0.1.
4. ``wrk`` drives each scenario: a 3 s warm-up, then a measured run at 64 connections
   (throughput) and one at 8 connections (latency).
5. A table: requests/s, the ratio to ``GET /healthz`` measured in the same run (the ceiling:
   the same process, middleware and framework, no database), latency, errors, verdict.

It reports; it does not judge: the exit status is 0 when a target is missed, nonzero only
when the benchmark itself fails (2: wrk is missing and cannot be installed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `python bench/run.py` puts bench/, not the repo, on the path
    sys.path.insert(0, str(REPO))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy.engine import URL, make_url  # noqa: E402

from app.cli import migrate  # noqa: E402
from app.complaints.catalogue import CATEGORIES  # noqa: E402
from app.complaints.schemas import CHANNELS  # noqa: E402
from app.complaints.tickets import ALPHABET, normalise_ticket  # noqa: E402
from app.core.db import embedded_database_url, resolve_database_url  # noqa: E402
from app.core.geohash import encode as geohash  # noqa: E402

DB_NAME = "aduan_bench"
LOADED_BY = "bench-load"  # created_by of generated rows: tells them from rows the intake scenario adds
WARMUP_S = 3
P99_TARGET_MS = 50.0
NOW = datetime.now(UTC)

# --------------------------------------------------------------------------- the data mix
# Shares are rough readings of Jakarta's CRM reports: the JAKI app dominates, walk-in
# channels (pendopo, kecamatan, kelurahan, walikota) still matter, roads, floods and
# rubbish lead the categories.

CHANNEL_MIX = {
    "jaki": 40, "twitter": 10, "facebook": 5, "email": 5, "governor_social": 3, "sms": 8, "pendopo": 5,
    "inspektorat": 1, "walikota": 4, "kecamatan": 6, "kelurahan": 8, "media": 2, "lapor": 3,
}  # fmt: skip
CATEGORY_MIX = {
    "roads": 14, "drainage_flood": 12, "rubbish": 12, "trees": 5, "street_lights": 5, "illegal_parking": 9,
    "street_vendors": 6, "public_order": 6, "noise": 3, "fire_hazard": 1, "tangled_cables": 4,
    "public_facilities": 4, "social_aid": 3, "social_welfare": 3, "misconduct": 1, "traffic": 4,
    "building_violation": 2, "water_supply": 3, "health": 2, "education": 1, "permits": 1, "civil_registry": 1,
    None: 4,  # not yet classified
}  # fmt: skip
PRIVACY_MIX = {"public": 85, "anonymous": 13, "secret": 2}
STATUSES = ("received", "coordination", "dispatched", "in_progress", "pending_validation", "resolved", "rejected",
            "duplicate")  # fmt: skip
# Status shares by the complaint's age: the last week is mostly open, older ones mostly closed.
STATUS_BY_AGE = {
    "week": (20, 20, 15, 20, 8, 12, 3, 2),
    "month": (3, 5, 7, 15, 7, 55, 5, 3),
    "older": (0.5, 1, 2, 4, 2, 81, 6, 3.5),
}
VERSION_BY_STATUS = {"received": 1, "coordination": 2, "dispatched": 3, "in_progress": 4, "pending_validation": 5,
                     "resolved": 6, "rejected": 2, "duplicate": 2}  # fmt: skip
LOCATED_SHARE = 0.70
WITH_REPORTER_SHARE = 0.65
REPORTERS_PER_COMPLAINT = 0.2  # people complain more than once
# Mainland Jakarta; the load draws points inside it.
BBOX = (-6.37, 106.69, -6.09, 106.97)  # south, west, north, east

PHRASES: dict[str | None, tuple[str, ...]] = {
    "roads": ("Jalan berlubang cukup dalam", "Aspal jalan rusak dan bergelombang", "Ada lubang besar di tengah jalan"),
    "drainage_flood": ("Saluran air tersumbat dan meluap saat hujan", "Banjir setinggi lutut belum surut",
                       "Got mampet penuh lumpur"),
    "rubbish": ("Sampah menumpuk dan berbau", "Ada tempat pembuangan sampah liar",
                "Sampah tidak diangkut sejak minggu lalu"),
    "trees": ("Pohon besar miring hampir tumbang", "Dahan pohon patah menutupi jalan",
              "Ranting pohon menyentuh kabel listrik"),
    "street_lights": ("Lampu jalan mati total", "Lampu penerangan jalan berkedip", "Tiang lampu jalan miring"),
    "illegal_parking": ("Parkir liar memakan badan jalan", "Mobil parkir sembarangan di trotoar",
                        "Juru parkir liar memungut biaya"),
    "street_vendors": ("Pedagang kaki lima berjualan di trotoar", "Lapak PKL menutup akses pejalan kaki",
                       "PKL berjualan di bahu jalan"),
    "public_order": ("Ada keributan setiap malam", "Bangunan liar berdiri di lahan kosong", "Balap liar tengah malam"),
    "noise": ("Suara musik keras sampai larut malam", "Bising mesin proyek di malam hari",
              "Knalpot bising setiap malam"),
    "fire_hazard": ("Kabel listrik terkelupas rawan korsleting", "Tabung gas bocor di warung",
                    "Sampah dibakar dekat permukiman"),
    "tangled_cables": ("Kabel semrawut menjuntai rendah", "Kabel fiber optik putus tergantung",
                       "Tiang kabel miring hampir roboh"),
    "public_facilities": ("Jembatan penyeberangan orang rusak", "Fasilitas taman bermain rusak",
                          "Toilet umum tidak terawat"),
    "social_aid": ("Bantuan sosial belum diterima", "Data penerima bansos tidak tepat sasaran",
                   "Dana Kartu Jakarta Pintar belum cair"),
    "social_welfare": ("Ada orang terlantar tidur di trotoar", "Anak jalanan meminta-minta di lampu merah",
                       "Manusia gerobak menetap di kolong jembatan"),
    "misconduct": ("Petugas meminta pungutan liar", "Oknum petugas bersikap tidak sopan",
                   "Pelayanan dipersulit oleh oknum petugas"),
    "traffic": ("Lampu lalu lintas mati", "Kemacetan parah karena putaran balik", "Halte bus rusak tanpa atap"),
    "building_violation": ("Bangunan tanpa izin berdiri", "Renovasi rumah melanggar garis sempadan",
                           "Bangunan menutup saluran air"),
    "water_supply": ("Air PAM tidak mengalir", "Air keran keruh dan berbau", "Pipa air bocor"),
    "health": ("Antrean puskesmas sangat panjang", "Fogging DBD belum dilakukan", "Banyak jentik nyamuk di genangan"),
    "education": ("Ada pungutan di sekolah negeri", "Fasilitas sekolah rusak", "Masalah zonasi PPDB"),
    "permits": ("Izin usaha tidak kunjung terbit", "Proses perizinan berbelit", "Reklame tanpa izin terpasang"),
    "civil_registry": ("KTP elektronik belum jadi", "Data kartu keluarga salah", "Antrean Dukcapil terlalu lama"),
    None: ("Mohon perhatian petugas", "Ada keluhan warga", "Laporan warga soal kondisi lingkungan"),
}  # fmt: skip
PLACES = (
    "Jl. Cikini Raya", "Jl. Salemba Raya", "Jl. Kramat Raya", "Jl. Matraman Raya", "Jl. Otto Iskandardinata",
    "Jl. Dewi Sartika", "Jl. Raya Bogor", "Jl. Daan Mogot", "Jl. Kyai Tapa", "Jl. Hayam Wuruk", "Jl. Gajah Mada",
    "Jl. Mangga Besar", "Jl. Gunung Sahari", "Jl. Pramuka", "Jl. Tebet Raya", "Jl. Kemang Raya",
    "Jl. RS Fatmawati", "Jl. Ciputat Raya", "Jl. Panjang", "Jl. Kebon Jeruk Raya", "Jl. Tanjung Duren Raya",
    "Jl. Pluit Raya", "Jl. Yos Sudarso", "Jl. Pemuda", "Jl. Pulo Gadung", "Jl. Kalimalang", "Jl. Jatinegara Barat",
    "Jl. Condet Raya", "Jl. Raya Pasar Minggu", "Jl. Warung Buncit Raya", "Jl. Mampang Prapatan",
    "Jl. KH Mas Mansyur", "Jl. Jembatan Tiga", "Jl. Bandengan Utara", "Jl. Cilincing Raya",
    "Jl. Boulevard Kelapa Gading", "Jl. Sunter Agung", "Jl. Lenteng Agung Raya", "Jl. Kalibata Raya",
    "Jl. Pesanggrahan",
)  # fmt: skip
NEAR = (
    "dekat halte TransJakarta", "depan pasar", "samping masjid", "dekat sekolah dasar", "depan minimarket",
    "di mulut gang", "dekat pos RW", "seberang puskesmas", "dekat stasiun KRL", "di bawah flyover",
    "dekat jembatan penyeberangan", "depan kantor kelurahan",
)  # fmt: skip
EXTRA = (
    "Sudah tiga hari belum ada penanganan.", "Mohon segera ditindaklanjuti.", "Warga sekitar sangat terganggu.",
    "Sudah pernah dilaporkan lewat RT tapi belum ada tindak lanjut.",
    "Berbahaya untuk pengendara motor di malam hari.", "Anak-anak sekolah lewat sini setiap pagi.",
    "Kondisinya makin parah setelah hujan semalam.", "Mohon petugas dicek langsung ke lokasi.",
    "Terima kasih atas perhatiannya.", "Foto sudah saya lampirkan.",
)  # fmt: skip
FIRST_NAMES = ("Budi", "Siti", "Agus", "Dewi", "Rina", "Andi", "Putri", "Joko", "Sri", "Hendra", "Nur", "Yusuf",
               "Ayu", "Rudi", "Wati", "Fajar", "Indah", "Bambang", "Lestari", "Dimas")  # fmt: skip
LAST_NAMES = ("Santoso", "Rahmawati", "Saputra", "Lestari", "Wijaya", "Hidayat", "Nugroho", "Kusuma", "Pratama",
              "Siregar", "Simanjuntak", "Hasibuan", "Setiawan", "Gunawan", "Permana", "Susanti")  # fmt: skip
PHONE_PREFIXES = ("811", "812", "813", "821", "822", "852", "853", "857", "858", "877", "878", "895", "896")


def _check_mix() -> None:
    """The mixes must name exactly what the application knows, or the load fails half-way."""
    if set(CHANNEL_MIX) != set(CHANNELS):
        raise SystemExit(
            f"CHANNEL_MIX does not match app channels: {sorted(set(CHANNEL_MIX) ^ set(CHANNELS))}"
        )
    known = {c.code for c in CATEGORIES}
    unknown = {c for c in CATEGORY_MIX if c is not None} - known
    if unknown:
        raise SystemExit(f"CATEGORY_MIX names unknown categories: {sorted(unknown)}")
    if set(PHRASES) != set(CATEGORY_MIX):
        raise SystemExit("PHRASES and CATEGORY_MIX must name the same categories")


def _thresholds(weights: list[float]) -> list[float]:
    """Lower bounds of buckets 2..n for ``width_bucket(random(), thresholds)``."""
    total = float(sum(weights))
    out, acc = [], 0.0
    for w in weights[:-1]:
        acc += w
        out.append(acc / total)
    return out


# --------------------------------------------------------------------------- database


def log(msg: str) -> None:
    print(msg, flush=True)


def asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def bench_urls() -> tuple[URL, URL, str]:
    """(the bench database, a maintenance database on the same server, where it is)."""
    server = os.environ.get("ADUAN_BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if server:
        base = make_url(resolve_database_url(server, REPO / ".aduan-bench"))
        where = f"server {base.host or 'local socket'}:{base.port or 5432}"
    else:
        base = make_url(embedded_database_url(REPO / ".aduan-bench", database=DB_NAME))
        where = "embedded PostgreSQL under .aduan-bench/"
    maintenance = base.database if base.database and base.database != DB_NAME else "postgres"
    return base.set(database=DB_NAME), base.set(database=maintenance), where


async def recreate_database(maintenance: URL) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(maintenance))
    try:
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        except asyncpg.PostgresSyntaxError:  # PostgreSQL before 13
            await conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        await conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        await conn.close()


async def database_exists(maintenance: URL) -> bool:
    conn = await asyncpg.connect(asyncpg_dsn(maintenance))
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DB_NAME))
    finally:
        await conn.close()


async def loaded_rows(bench: URL) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(bench))
    try:
        if not await conn.fetchval("SELECT to_regclass('complaints') IS NOT NULL"):
            return 0
        return int(await conn.fetchval("SELECT count(*) FROM complaints WHERE created_by = $1", LOADED_BY))
    finally:
        await conn.close()


class Params:
    """Numbered query parameters by name, so the generator SQL reads by meaning."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.refs: dict[str, str] = {}

    def add(self, name: str, value: Any, pgtype: str) -> None:
        self.values.append(value)
        self.refs[name] = f"${len(self.values)}::{pgtype}"

    def __getitem__(self, name: str) -> str:
        return self.refs[name]


def _pick(values: str, thresholds: str, u: str) -> str:
    """SQL choosing from the array ``values`` by bucket thresholds (u uniform in [0, 1))."""
    return f"({values})[width_bucket({u}, {thresholds}) + 1]"


def _cell_grid() -> tuple[int, int, int, int, list[str]]:
    """The geohash-7 cells covering BBOX, as a row-major array, with the grid's origin.

    A point is drawn as (cell row, cell column, offset inside the cell): its cell is then
    known without computing a geohash in SQL, and it is the app's own ``geohash()`` of the
    cell's centre (checked against ``geohash(lat, lon)`` on a sample after the load).
    """
    s, w, n, e = BBOX
    lat_step, lon_step = 180 / 2**17, 360 / 2**18  # 7 characters: 17 latitude bits, 18 longitude bits
    lat0, lon0 = int((s + 90) // lat_step), int((w + 180) // lon_step)
    rows, cols = int((n + 90) // lat_step) - lat0 + 1, int((e + 180) // lon_step) - lon0 + 1
    cells = [
        geohash(-90 + (lat0 + r + 0.5) * lat_step, -180 + (lon0 + c + 0.5) * lon_step)
        for r in range(rows)
        for c in range(cols)
    ]
    return lat0, lon0, rows, cols, cells


def generator_sql(rows: int) -> tuple[str, Params]:
    """``INSERT INTO complaints ... SELECT ... FROM generate_series($1, $2)``: one chunk of the load.

    Rows are numbered 1..rows in creation order (so the table is, like a real one, roughly
    in time order on disk). Each nesting level is fenced with ``OFFSET 0`` so that every
    ``random()`` is drawn once per row and the derived columns agree with each other.
    """
    p = Params()
    p.add("lo", 1, "bigint")
    p.add("hi", 1, "bigint")
    p.add("now", NOW, "timestamptz")
    p.add("rows", rows, "float8")
    channels, cweights = list(CHANNEL_MIX), list(CHANNEL_MIX.values())
    p.add("channel", channels, "text[]")
    p.add("channel_thr", _thresholds(cweights), "float8[]")
    cats = list(CATEGORY_MIX)
    p.add("cat_thr", _thresholds(list(CATEGORY_MIX.values())), "float8[]")
    p.add("cat_code", cats, "text[]")
    hours = {c.code: c.sla_hours for c in CATEGORIES}
    p.add("cat_hours", [hours.get(c, 168) if c else 168 for c in cats], "int[]")
    names = {c.code: c.name for c in CATEGORIES}
    p.add("cat_name", [names.get(c, "Laporan Warga") if c else "Laporan Warga" for c in cats], "text[]")
    # three phrasings per category, flattened: index (category - 1) * 3 + variant
    p.add("phrase", [ph for c in cats for ph in PHRASES[c]], "text[]")
    p.add("privacy", list(PRIVACY_MIX), "text[]")
    p.add("privacy_thr", _thresholds(list(PRIVACY_MIX.values())), "float8[]")
    p.add("status", list(STATUSES), "text[]")
    for age, weights in STATUS_BY_AGE.items():
        p.add(f"status_{age}_thr", _thresholds(list(weights)), "float8[]")
    p.add("place", list(PLACES), "text[]")
    p.add("near", list(NEAR), "text[]")
    p.add("extra", list(EXTRA), "text[]")
    lat0, lon0, grid_rows, grid_cols, cells = _cell_grid()
    p.add("cell", cells, "text[]")
    p.add("reporters", max(1, int(rows * REPORTERS_PER_COMPLAINT)), "bigint")
    # Tickets: a bijection of the row number onto 0 .. 30**8-1 (multiplying by a prime that
    # is coprime with 30**8), written in the ticket alphabet: unique by construction, spread
    # over the whole code space, in the same XXXX-XXXX format as new_ticket().
    p.add("ticket_offset", random.randrange(10**9), "bigint")
    p.add("alphabet", ALPHABET, "text")
    ticket_code = f"(((g.i + {p['ticket_offset']}) * 982451653) % {30**8})"
    digits = [
        f"substr({p['alphabet']}, ((ticket_code / {30**k}) % 30)::int + 1, 1)" for k in range(7, -1, -1)
    ]
    ticket = " || ".join(digits[:4]) + " || '-' || " + " || ".join(digits[4:])
    version = "CASE status " + " ".join(f"WHEN '{s}' THEN {v}" for s, v in VERSION_BY_STATUS.items()) + " END"
    status_pick = {age: _pick(p["status"], p[f"status_{age}_thr"], "u_status") for age in STATUS_BY_AGE}
    lat_step, lon_step = 180 / 2**17, 360 / 2**18

    sql = f"""
INSERT INTO complaints (
  ticket, channel, external_id, title, description, category, language, lat, lon, accuracy_m, address, cell,
  reporter_id, privacy, status, response_due_at, due_at, sla_state, breached_at, version,
  created_at, received_at, updated_at, resolved_at, created_by)
SELECT ticket, channel,
  CASE channel
    WHEN 'jaki' THEN 'JAKI-' || lpad(i::text, 10, '0')
    WHEN 'twitter' THEN (1790000000000000000 + i * 7919)::text
    WHEN 'facebook' THEN 'm_' || md5('fb' || i)
    WHEN 'governor_social' THEN '1789' || lpad(i::text, 15, '0')
    WHEN 'email' THEN '<' || md5('mail' || i) || '@mail.gmail.com>'
    WHEN 'sms' THEN 'SM' || md5('sms' || i)
    WHEN 'media' THEN 'https://megapolitan.example.com/read/' || i
    WHEN 'lapor' THEN 'LPR-' || lpad(i::text, 10, '0')
  END,
  CASE WHEN u_title < 0.35 THEN ({p["cat_name"]})[cat_k] || ' di ' || place END,
  format('%s di %s %s. %s', ({p["phrase"]})[(cat_k - 1) * 3 + variant], place, near, extra),
  ({p["cat_code"]})[cat_k], 'id', lat, lon, accuracy_m, address, cell,
  reporter_id, privacy, status, created_at + interval '6 hours', due_at,
  CASE
    WHEN status = 'resolved' THEN CASE WHEN resolved_at > due_at THEN 'breached' ELSE 'on_track' END
    WHEN status IN ('rejected', 'duplicate') THEN 'on_track'
    WHEN {p["now"]} > due_at THEN 'breached'
    WHEN due_at - {p["now"]} <= (due_at - created_at) * 0.2 THEN 'at_risk'
    ELSE 'on_track'
  END,
  CASE WHEN (status = 'resolved' AND resolved_at > due_at)
         OR (status NOT IN ('resolved', 'rejected', 'duplicate') AND {p["now"]} > due_at) THEN due_at END,
  {version},
  created_at, created_at - lag,
  CASE
    WHEN status = 'received' THEN created_at
    WHEN status = 'resolved' THEN resolved_at
    ELSE least({p["now"]}, created_at + interval '1 hour' * (1 + u_updated * 72))
  END,
  resolved_at, '{LOADED_BY}'
FROM (
  SELECT b2.*,
    CASE WHEN status = 'resolved'
      THEN least({p["now"]}, created_at + interval '1 hour' * (2 + u_resolved * 1.3 * ({p["cat_hours"]})[cat_k]))
    END AS resolved_at,
    created_at + interval '1 hour' * ({p["cat_hours"]})[cat_k] AS due_at
  FROM (
    SELECT b1.*,
      CASE
        WHEN created_at > {p["now"]} - interval '7 days' THEN {status_pick["week"]}
        WHEN created_at > {p["now"]} - interval '30 days' THEN {status_pick["month"]}
        ELSE {status_pick["older"]}
      END AS status
    FROM (
      SELECT b0.*,
        ({p["place"]})[place_k] AS place, ({p["near"]})[near_k] AS near, ({p["extra"]})[extra_k] AS extra,
        CASE WHEN located THEN round((-90 + ({lat0} + klat + f_lat) * {lat_step})::numeric, 6)::float8 END AS lat,
        CASE WHEN located THEN round((-180 + ({lon0} + klon + f_lon) * {lon_step})::numeric, 6)::float8 END AS lon,
        CASE WHEN located THEN ({p["cell"]})[klat * {grid_cols} + klon + 1] END AS cell,
        CASE WHEN located THEN round((4 + u_accuracy * 46)::numeric, 1)::float8 END AS accuracy_m,
        CASE WHEN located AND u_address < 0.6 THEN ({p["place"]})[place_k] || ' No. ' || (1 + i % 150) END
          AS address,
        {ticket} AS ticket
      FROM (
        SELECT g.i, {ticket_code} AS ticket_code,
          -- a year of complaints, their rate growing by half over it: row i of n falls at year
          -- fraction t where 0.6 t + 0.4 t^2 = i / n; plus up to 30 minutes of jitter
          {p["now"]} - interval '365 days' * (1 - (sqrt(0.36 + 1.6 * (g.i - 0.5) / {p["rows"]}) - 0.6) / 0.8)
            - interval '1 second' * floor(random() * 1800) AS created_at,
          {_pick(p["channel"], p["channel_thr"], "random()")} AS channel,
          width_bucket(random(), {p["cat_thr"]}) + 1 AS cat_k,
          1 + floor(random() * 3)::int AS variant,
          {_pick(p["privacy"], p["privacy_thr"], "random()")} AS privacy,
          random() < {LOCATED_SHARE} AS located,
          -- the mean of two uniforms: more reports towards the middle of the city
          floor((random() + random()) / 2 * {grid_rows})::int AS klat,
          floor((random() + random()) / 2 * {grid_cols})::int AS klon,
          0.05 + 0.9 * random() AS f_lat, 0.05 + 0.9 * random() AS f_lon,
          random() AS u_accuracy, random() AS u_address, random() AS u_title, random() AS u_status,
          random() AS u_resolved, random() AS u_updated,
          1 + floor(random() * {len(PLACES)})::int AS place_k,
          1 + floor(random() * {len(NEAR)})::int AS near_k,
          1 + floor(random() * {len(EXTRA)})::int AS extra_k,
          CASE WHEN random() < {WITH_REPORTER_SHARE}
            THEN md5('r' || (1 + floor(random() * {p["reporters"]}))::bigint)::uuid END AS reporter_id,
          interval '1 second' * floor(random() * random() * 3600) AS lag
        FROM generate_series({p["lo"]}, {p["hi"]}) AS g(i)
        OFFSET 0
      ) b0
      OFFSET 0
    ) b1
    OFFSET 0
  ) b2
  OFFSET 0
) b3
"""
    return sql, p


REPORTERS_SQL = """
INSERT INTO reporters (id, name, phone, created_at, updated_at)
SELECT md5('r' || i)::uuid,
  ($3::text[])[1 + floor(random() * array_length($3::text[], 1))::int] || ' '
    || ($4::text[])[1 + floor(random() * array_length($4::text[], 1))::int],
  '+62' || ($5::text[])[1 + (i % array_length($5::text[], 1))::int] || lpad(i::text, 8, '0'),
  $6::timestamptz - interval '400 days' * random(), $6::timestamptz - interval '30 days' * random()
FROM generate_series($1::bigint, $2::bigint) AS g(i)
"""
IDENTITIES_SQL = (
    "INSERT INTO reporter_identities (kind, value, reporter_id) SELECT 'phone', phone, id FROM reporters"
)
EVENTS_SQL = f"""
INSERT INTO complaint_events (complaint_id, kind, actor, to_status, public, data, created_at)
SELECT id, 'created', 'channel:' || channel, 'received', true, jsonb_build_object('channel', channel), created_at
FROM complaints WHERE created_by = '{LOADED_BY}' AND created_at >= $1 AND created_at < $2
ORDER BY created_at
"""
LOAD_TABLES = ("complaints", "complaint_events", "reporters", "reporter_identities")
SECONDARY_INDEXES_SQL = """
SELECT i.relname, pg_get_indexdef(i.oid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relname = ANY($1::text[]) AND t.relnamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
"""


async def _session(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn, command_timeout=None)
    await conn.execute("SET synchronous_commit = off")
    await conn.execute("SET maintenance_work_mem = '256MB'")
    await conn.execute("SET work_mem = '64MB'")
    try:
        # Every row is consistent by construction, so the ~1.6 million per-row foreign-key
        # checks are skipped. Needs a superuser; without one the load is just slower.
        await conn.execute("SET session_replication_role = replica")
    except asyncpg.InsufficientPrivilegeError:
        pass
    return conn


async def _parallel(dsn: str, jobs: list[Callable[[asyncpg.Connection], Any]], workers: int) -> None:
    """Run ``jobs`` on ``workers`` connections (PostgreSQL runs an INSERT ... SELECT on one core)."""
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def worker() -> None:
        conn = await _session(dsn)
        try:
            while not queue.empty():
                job = queue.get_nowait()
                await job(conn)
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(workers)))


async def load(bench: URL, rows: int) -> dict[str, float]:
    """Generate ``rows`` complaints, their events and reporters; ``{step: seconds}``."""
    _check_mix()
    dsn = asyncpg_dsn(bench)
    workers = max(2, min(4, os.cpu_count() or 2))
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    conn = await _session(dsn)
    try:
        # Secondary indexes are built once after the load, far faster than maintained per row.
        indexes = await conn.fetch(SECONDARY_INDEXES_SQL, list(LOAD_TABLES))
        for name, _ in indexes:
            await conn.execute(f'DROP INDEX "{name}"')
    finally:
        await conn.close()

    t = time.perf_counter()
    reporters = max(1, int(rows * REPORTERS_PER_COMPLAINT))
    chunk = 100_000

    def reporter_job(lo: int, hi: int):
        async def job(c: asyncpg.Connection) -> None:
            await c.execute(
                REPORTERS_SQL, lo, hi, list(FIRST_NAMES), list(LAST_NAMES), list(PHONE_PREFIXES), NOW
            )

        return job

    await _parallel(
        dsn,
        [reporter_job(lo, min(lo + chunk - 1, reporters)) for lo in range(1, reporters + 1, chunk)],
        workers,
    )
    conn = await _session(dsn)
    try:
        await conn.execute(IDENTITIES_SQL)
    finally:
        await conn.close()
    timings["reporters"] = time.perf_counter() - t

    t = time.perf_counter()
    sql, params = generator_sql(rows)
    done = 0

    def complaint_job(lo: int, hi: int):
        async def job(c: asyncpg.Connection) -> None:
            nonlocal done
            values = list(params.values)
            values[0], values[1] = lo, hi
            await c.execute(sql, *values)
            done += hi - lo + 1
            log(f"  complaints {done:>9,} / {rows:,}  ({time.perf_counter() - t:5.1f} s)")

        return job

    await _parallel(
        dsn, [complaint_job(lo, min(lo + chunk - 1, rows)) for lo in range(1, rows + 1, chunk)], workers
    )
    timings["complaints"] = time.perf_counter() - t

    t = time.perf_counter()
    # one `created` event per complaint, in time order; the year (and the jitter around its
    # ends) cut into slices for the workers
    start, span = NOW - timedelta(days=366), timedelta(days=368)
    edges = [start + span * k / 8 for k in range(9)]

    def events_job(lo: datetime, hi: datetime):
        async def job(c: asyncpg.Connection) -> None:
            await c.execute(EVENTS_SQL, lo, hi)

        return job

    await _parallel(dsn, [events_job(a, b) for a, b in zip(edges, edges[1:], strict=False)], workers)
    timings["events"] = time.perf_counter() - t

    t = time.perf_counter()
    index_jobs = []
    for _, ddl in indexes:

        def index_job(ddl: str = ddl):
            async def job(c: asyncpg.Connection) -> None:
                await c.execute(ddl)

            return job

        index_jobs.append(index_job())
    await _parallel(dsn, index_jobs, workers)
    timings["indexes"] = time.perf_counter() - t

    t = time.perf_counter()
    conn = await _session(dsn)
    try:
        # VACUUM too, not only ANALYZE: it sets hint bits and the visibility map now, so the
        # first measured reads do not pay for them.
        await conn.execute("VACUUM (ANALYZE) " + ", ".join(LOAD_TABLES))
        timings["vacuum_analyze"] = time.perf_counter() - t
        t = time.perf_counter()
        try:
            # Write the gigabyte of dirty pages out now rather than under the measured runs.
            await conn.execute("CHECKPOINT")
        except asyncpg.InsufficientPrivilegeError:
            pass
        timings["checkpoint"] = time.perf_counter() - t
    finally:
        await conn.close()
    timings["total"] = time.perf_counter() - t_all
    return timings


async def verify_load(bench: URL, rows: int) -> dict[str, Any]:
    """Check what the generator wrote, so a wrong load fails here, not as odd numbers later."""
    conn = await asyncpg.connect(asyncpg_dsn(bench))
    try:
        count = await conn.fetchval("SELECT count(*) FROM complaints WHERE created_by = $1", LOADED_BY)
        if count != rows:
            raise RuntimeError(f"loaded {count} complaints, expected {rows}")
        events = await conn.fetchval("SELECT count(*) FROM complaint_events WHERE kind = 'created'")
        if events < rows:
            raise RuntimeError(f"{events} created events for {rows} complaints")
        sample = await conn.fetch(
            "SELECT ticket, lat, lon, cell FROM complaints TABLESAMPLE SYSTEM (1) WHERE lat IS NOT NULL LIMIT 300"
        )
        for r in sample:
            if normalise_ticket(r["ticket"]) != r["ticket"]:
                raise RuntimeError(f"ticket {r['ticket']!r} is not in the ticket format")
            if geohash(r["lat"], r["lon"]) != r["cell"]:
                raise RuntimeError(f"cell {r['cell']} is not the geohash of ({r['lat']}, {r['lon']})")
        mix = await conn.fetchrow(
            "SELECT avg((lat IS NOT NULL)::int) AS located, avg((privacy = 'public')::int) AS public, "
            "count(DISTINCT channel) AS channels, count(DISTINCT category) AS categories, "
            "min(created_at) AS first, max(created_at) AS last, "
            "count(*) FILTER (WHERE status = 'in_progress' AND category = 'roads') AS roads_in_progress "
            "FROM complaints"
        )
        size = await conn.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return {
            "complaints": count,
            "events": events,
            "located_share": round(float(mix["located"]), 3),
            "public_share": round(float(mix["public"]), 3),
            "channels": mix["channels"],
            "categories": mix["categories"],
            "first_created_at": mix["first"].isoformat(),
            "last_created_at": mix["last"].isoformat(),
            "roads_in_progress": mix["roads_in_progress"],
            "database_size": size,
        }
    finally:
        await conn.close()


async def reset_kept_database(bench: URL) -> None:
    """--keep-db: drop what earlier runs added through the API, so every run starts alike."""
    conn = await asyncpg.connect(asyncpg_dsn(bench), command_timeout=None)
    try:
        # Deleting a complaint checks that no complaint names it in duplicate_of, which has no
        # index: a scan of the whole table per deleted row. A throwaway partial index (empty:
        # the bench sets no duplicate_of) turns each check into a lookup.
        await conn.execute(
            "CREATE INDEX IF NOT EXISTS bench_tmp_duplicate_of ON complaints (duplicate_of) "
            "WHERE duplicate_of IS NOT NULL"
        )
        await conn.execute("DELETE FROM complaints WHERE created_by IS DISTINCT FROM $1", LOADED_BY)
        await conn.execute("DROP INDEX bench_tmp_duplicate_of")
        await conn.execute("DELETE FROM api_keys WHERE name LIKE 'bench-%'")
        await conn.execute("VACUUM (ANALYZE) complaints, complaint_events, api_keys")
    finally:
        await conn.close()


async def sample_tickets(bench: URL, n: int = 1000) -> list[str]:
    conn = await asyncpg.connect(asyncpg_dsn(bench))
    try:
        rows = await conn.fetch(
            "SELECT ticket FROM complaints WHERE created_by = $1 AND privacy <> 'secret' ORDER BY random() LIMIT $2",
            LOADED_BY,
            n,
        )
        return [r["ticket"] for r in rows]
    finally:
        await conn.close()


async def server_version(url: URL) -> str:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()


# --------------------------------------------------------------------------- the service


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """``aduan serve`` as a child process: one worker, no access log, stopped with SIGINT."""

    def __init__(self, database_url: str, admin_key: str, logdir: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.admin_key = admin_key
        self.log_path = logdir / "serve.log"
        aduan = Path(sys.executable).parent / "aduan"
        cmd = [str(aduan)] if aduan.exists() else [sys.executable, "-m", "app.cli"]
        self.cmd = cmd + ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"]
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "ADUAN_ADMIN_KEY": admin_key,
            "ADUAN_LOG_LEVEL": os.environ.get("ADUAN_LOG_LEVEL", "WARNING"),
        }
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> None:
        self._log = self.log_path.open("wb")
        # its own session: a Ctrl-C on the benchmark reaches it only through stop()
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=REPO,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the service exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the service was not ready within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.3)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                return self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return self.proc.wait()
        finally:
            self._log.close()

    def create_key(self, name: str, role: str) -> str:
        r = httpx.post(
            self.base + "/v1/api-keys",
            json={"name": name, "role": role},
            headers={"Authorization": f"Bearer {self.admin_key}"},
            timeout=10,
        )
        if r.status_code != 201:
            raise RuntimeError(f"POST /v1/api-keys ({role}): {r.status_code} {r.text}")
        return r.json()["key"]


# --------------------------------------------------------------------------- wrk and its Lua

LUA_COMMON = r"""
-- Counters live in each wrk thread's own Lua state; done() (in the main state) sums them.
local threads = {}
function setup(thread)
  thread:set("thread_no", #threads + 1)
  table.insert(threads, thread)
end

non2xx = 0
first_bad = ""
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 300) end
  end
end

function seed()
  math.randomseed(os.time() * 1000 + (thread_no or 0) * 7919)
  for _ = 1, 10 do math.random() end
end

function done(summary, latency, requests)
  local bad, sample = 0, ""
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    local s = t:get("first_bad")
    if sample == "" and s ~= "" then sample = s end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d "
      .. "p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f\n",
    summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50.0), latency:percentile(90.0), latency:percentile(99.0), latency.max, latency.mean))
  io.write("BENCH_SAMPLE " .. string.gsub(sample, "[\r\n]", " ") .. "\n")
end
"""


def lua_str(s: str) -> str:
    """A Lua string literal: quotes, backslashes and control bytes escaped as \\ddd, UTF-8 kept."""
    out = bytearray(b'"')
    for b in s.encode():
        if b in (0x22, 0x5C) or b < 0x20 or b == 0x7F:
            out += b"\\%03d" % b
        else:
            out.append(b)
    out += b'"'
    return out.decode()


def lua_list(items: list[str] | tuple[str, ...]) -> str:
    return "{" + ", ".join(lua_str(i) for i in items) + "}"


def lua_static(method: str, path: str, headers: dict[str, str] | None = None, body: str | None = None) -> str:
    """The same request every time (a prebuilt string, as cheap for wrk as its default)."""
    body_lua = lua_str(body) if body is not None else "nil"
    return f"""
local req
function init(args)
  seed()
  req = wrk.format({lua_str(method)}, {lua_str(path)}, {_lua_headers(headers)}, {body_lua})
end
function request() return req end
"""


def lua_pick(requests: list[tuple[str, str, dict[str, str] | None, str | None]]) -> str:
    """A request drawn at random per call from a prebuilt list: the hook for scenarios whose
    requests Python must prepare (e.g. bodies signed with HMAC, which wrk's Lua cannot do)."""
    entries = ",\n".join(
        f"  {{{lua_str(m)}, {lua_str(p)}, {_lua_headers(h)}, {lua_str(b) if b is not None else 'nil'}}}"
        for m, p, h, b in requests
    )
    return f"""
local specs = {{
{entries}
}}
local reqs = {{}}
function init(args)
  seed()
  for i, s in ipairs(specs) do reqs[i] = wrk.format(s[1], s[2], s[3], s[4]) end
end
function request() return reqs[math.random(#reqs)] end
"""


def _lua_headers(headers: dict[str, str] | None) -> str:
    if not headers:
        return "{}"
    return "{" + ", ".join(f"[{lua_str(k)}] = {lua_str(v)}" for k, v in headers.items()) + "}"


def lua_intake(app_key: str) -> str:
    """POST /v1/complaints with a different complaint each time, composed in Lua."""
    cats = [c for c in CATEGORY_MIX if c is not None]
    phrases = "{" + ", ".join(lua_list(PHRASES[c]) for c in cats) + "}"
    south, west, north, east = BBOX
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {app_key}"}
    return f"""
local cats = {lua_list(cats)}
local phrases = {phrases}
local places = {lua_list(PLACES)}
local near = {lua_list(NEAR)}
local extra = {lua_list(EXTRA)}
local headers = {_lua_headers(headers)}
function init(args) seed() end
function request()
  local c = math.random(#cats)
  local place = places[math.random(#places)]
  local desc = string.format("%s di %s %s, RT %02d/RW %02d. %s",
    phrases[c][math.random(3)], place, near[math.random(#near)], math.random(1, 15), math.random(1, 12),
    extra[math.random(#extra)])
  local title = ""
  if math.random() < 0.35 then title = string.format('"title":"Laporan di %s",', place) end
  local body = string.format(
    '{{%s"description":"%s","category":"%s","location":{{"lat":%.6f,"lon":%.6f,"accuracy_m":%d,'
      .. '"address":"%s No. %d"}},"privacy":"%s"}}',
    title, desc, cats[c], {south} + math.random() * {north - south}, {west} + math.random() * {east - west},
    math.random(4, 50), place, math.random(1, 150), (math.random() < 0.87) and "public" or "anonymous")
  return wrk.format("POST", "/v1/complaints", headers, body)
end
"""


RESULT_RE = re.compile(r"^BENCH_RESULT (.*)$", re.M)
SAMPLE_RE = re.compile(r"^BENCH_SAMPLE ?(.*)$", re.M)


def run_wrk(
    base: str, script: Path, connections: int, duration: float, logdir: Path, tag: str
) -> dict[str, Any]:
    threads = min(2, connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "5s", "--latency",
           "-s", str(script), base]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    (logdir / f"wrk-{tag}.txt").write_text(proc.stdout + proc.stderr)
    m = RESULT_RE.search(proc.stdout)
    if proc.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    values = {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    sample = SAMPLE_RE.search(proc.stdout)
    socket_errors = int(values["connect"] + values["read"] + values["write"] + values["timeout"])
    return {
        "connections": connections,
        "requests": int(values["requests"]),
        "rps": values["requests"] / (values["duration_us"] / 1e6),
        "p50_ms": values["p50_us"] / 1000,
        "p90_ms": values["p90_us"] / 1000,
        "p99_ms": values["p99_us"] / 1000,
        "max_ms": values["max_us"] / 1000,
        "non2xx": int(values["non2xx"]),
        "socket_errors": socket_errors,
        "first_error": (sample.group(1).strip() if sample else "") or None,
    }


# --------------------------------------------------------------------------- scenarios
# A scenario: name, what it measures, the ratio to the ceiling it should reach (None for the
# ceiling itself), `lua(ctx)` -> the wrk script body, and `check(ctx)` -> one request through
# httpx that must succeed before wrk runs (a benchmark of 401s measures nothing).
# To add one (e.g. the signed Meta webhook intake, POST /v1/channels/facebook/webhook with
# X-Hub-Signature-256): append a dict here; sign a few hundred bodies in Python and use
# lua_pick(), since wrk's Lua has no HMAC.


def _check(resp: httpx.Response, status: int, what: str) -> httpx.Response:
    if resp.status_code != status:
        raise RuntimeError(f"{what}: expected {status}, got {resp.status_code} {resp.text[:500]}")
    return resp


def check_listing(ctx: dict[str, Any]) -> None:
    r = _check(
        httpx.get(
            ctx["base"] + LISTING_PATH, headers={"Authorization": f"Bearer {ctx['officer_key']}"}, timeout=10
        ),
        200,
        "listing",
    )
    items = r.json()["items"]
    if len(items) != 50 or any(i["status"] != "in_progress" or i["category"] != "roads" for i in items):
        raise RuntimeError(f"listing: expected 50 in_progress roads complaints, got {len(items)}")


def check_intake(ctx: dict[str, Any]) -> None:
    body = {
        "title": "Jalan berlubang di Jl. Cikini Raya",
        "description": "Lubang besar di depan halte Cikini, sudah dua motor jatuh minggu ini.",
        "category": "roads",
        "location": {"lat": -6.1915, "lon": 106.8412, "accuracy_m": 8, "address": "Jl. Cikini Raya 45"},
    }
    r = _check(
        httpx.post(
            ctx["base"] + "/v1/complaints",
            json=body,
            headers={"Authorization": f"Bearer {ctx['app_key']}"},
            timeout=10,
        ),
        201,
        "intake",
    )
    ctx["intake_ticket"] = r.json()["ticket"]


LISTING_PATH = "/v1/complaints?status=in_progress&category=roads&limit=50"

SCENARIOS: list[dict[str, Any]] = [
    {
        "name": "ceiling",
        "label": "GET /healthz (ceiling)",
        "target": None,
        "lua": lambda ctx: lua_static("GET", "/healthz"),
        "check": lambda ctx: _check(httpx.get(ctx["base"] + "/healthz", timeout=10), 200, "healthz"),
    },
    {
        "name": "intake",
        "label": "POST /v1/complaints",
        "target": 0.15,
        "lua": lambda ctx: lua_intake(ctx["app_key"]),
        "check": check_intake,
    },
    {
        "name": "tracking",
        "label": "GET /v1/track/{ticket}",
        "target": 0.30,
        "lua": lambda ctx: lua_pick([("GET", f"/v1/track/{t}", None, None) for t in ctx["tickets"]]),
        "check": lambda ctx: _check(
            httpx.get(ctx["base"] + f"/v1/track/{ctx['tickets'][0]}", timeout=10), 200, "tracking"
        ),
    },
    {
        "name": "listing",
        "label": "GET /v1/complaints?status&category (50)",
        "target": 0.10,
        "lua": lambda ctx: lua_static("GET", LISTING_PATH, {"Authorization": f"Bearer {ctx['officer_key']}"}),
        "check": check_listing,
    },
]


def run_scenario(sc: dict[str, Any], ctx: dict[str, Any], duration: float, logdir: Path) -> dict[str, Any]:
    sc["check"](ctx)
    script = logdir / f"{sc['name']}.lua"
    script.write_text(LUA_COMMON + sc["lua"](ctx), encoding="utf-8")
    log(f"  {sc['label']}: warm-up {WARMUP_S} s, {duration:g} s at 64 connections, {duration:g} s at 8")
    warm = run_wrk(ctx["base"], script, 64, WARMUP_S, logdir, f"{sc['name']}-warmup")
    at64 = run_wrk(ctx["base"], script, 64, duration, logdir, f"{sc['name']}-c64")
    at8 = run_wrk(ctx["base"], script, 8, duration, logdir, f"{sc['name']}-c8")
    errors = at64["non2xx"] + at64["socket_errors"] + at8["non2xx"] + at8["socket_errors"]
    return {
        "name": sc["name"],
        "label": sc["label"],
        "target": sc["target"],
        "rps_64": at64["rps"],
        "p50_ms_64": at64["p50_ms"],
        "p99_ms_64": at64["p99_ms"],
        "p50_ms_8": at8["p50_ms"],
        "p99_ms_8": at8["p99_ms"],
        "rps_8": at8["rps"],
        "errors": errors,
        "warmup_errors": warm["non2xx"] + warm["socket_errors"],
        "first_error": at64["first_error"] or at8["first_error"] or warm["first_error"],
        "runs": {"warmup": warm, "c64": at64, "c8": at8},
    }


def judge(results: list[dict[str, Any]]) -> None:
    ceiling = next(r for r in results if r["name"] == "ceiling")["rps_64"]
    for r in results:
        r["ratio"] = r["rps_64"] / ceiling if ceiling else 0.0
        misses = []
        if r["target"] is not None and r["ratio"] < r["target"]:
            misses.append(f"ratio {r['ratio']:.2f} < {r['target']:.2f}")
        if r["p99_ms_8"] >= P99_TARGET_MS:
            misses.append(f"p99 {r['p99_ms_8']:.1f} ms >= {P99_TARGET_MS:.0f} ms")
        if r["errors"]:
            misses.append(f"{r['errors']} errors")
        r["misses"] = misses
        r["verdict"] = "below" if misses else "meets"


def table(results: list[dict[str, Any]]) -> str:
    head = ("scenario", "req/s @64", "ratio", "target", "p50 @8", "p99 @8", "errors", "verdict")
    rows = [head]
    for r in results:
        target = f">= {r['target']:.2f}" if r["target"] is not None else "ceiling"
        rows.append(
            (
                r["label"],
                f"{r['rps_64']:,.0f}",
                f"{r['ratio']:.2f}",
                target,
                f"{r['p50_ms_8']:.2f} ms",
                f"{r['p99_ms_8']:.2f} ms",
                f"{r['errors']}" + (" (!)" if r["errors"] else ""),
                r["verdict"],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = []
    for n, row in enumerate(rows):
        cells = [c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  {r['label']}: {'; '.join(r['misses'])}" for r in results if r["misses"]]
    samples = [f"  {r['label']}: first error: {r['first_error']}" for r in results if r["first_error"]]
    samples += [
        f"  {r['label']}: {r['warmup_errors']} errors during the warm-up (not counted above)"
        for r in results
        if r["warmup_errors"]
    ]
    return "\n".join(lines + ([""] + ["below target:"] + notes if notes else []) + samples)


# --------------------------------------------------------------------------- machine


def machine(pg_version: str) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem = None
    try:
        mem_kb = int(
            next(
                ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
            ).split()[1]
        )
        mem = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()
    return {
        "nproc": nproc,
        "cpu": cpu,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "wrk": wrk_version[0].split(" Copyright")[0].strip() if wrk_version else "unknown",
    }


def cpu_busy(seconds: float = 2.0) -> float | None:
    """The share of CPU time other processes use while the benchmark is idle (None off Linux).

    wrk, the service and PostgreSQL share this machine's cores: anything else running
    (a test suite, a build) lowers every number, so the run records how quiet it was.
    """

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


QUIET = 0.10  # CPU share used by others below which the machine counts as idle


def wait_for_quiet(limit_s: float = 60.0) -> float | None:
    """Give the machine up to ``limit_s`` to settle (e.g. the kernel writing back the load)."""
    deadline = time.monotonic() + limit_s
    while True:
        busy = cpu_busy()
        if busy is None or busy <= QUIET or time.monotonic() > deadline:
            return busy
        log(f"  waiting for the machine to settle: {busy:.0%} of the CPU busy")


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: apt-get install -y wrk")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "wrk"], env=env).returncode != 0:
            # a fresh container has no package lists yet
            subprocess.run(["apt-get", "update"], env=env, check=False)
            subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, check=False)
        if shutil.which("wrk"):
            return
    print(
        "bench: wrk is required and was not found.\n"
        "  Debian/Ubuntu: sudo apt-get install -y wrk\n"
        "  macOS: brew install wrk\n"
        "  from source: https://github.com/wg/wrk",
        file=sys.stderr,
    )
    raise SystemExit(2)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="complaints to load (default 1,000,000)")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per measured run (default 10)")
    ap.add_argument(
        "--keep-db", action="store_true", help="reuse aduan_bench when it already holds --rows complaints"
    )
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = ap.parse_args(argv)
    if args.rows < 20_000:
        # ~0.7 % of rows are in-progress roads complaints; the listing needs 50 of them
        ap.error("--rows: at least 20000 (the listing scenario needs 50 in-progress roads complaints)")

    ensure_wrk()

    def on_term(signum, frame):  # noqa: ANN001, ARG001 - SIGTERM must stop the service too
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    started = datetime.now(UTC)
    bench, maintenance, where = bench_urls()
    log(f"database: {DB_NAME} on the {where}")

    load_timings: dict[str, float] | None = None
    keep = args.keep_db and asyncio.run(database_exists(maintenance))
    if keep:
        migrate(bench.render_as_string(hide_password=False))
        keep = asyncio.run(loaded_rows(bench)) == args.rows
    if keep:
        log(f"--keep-db: {DB_NAME} already holds {args.rows:,} generated complaints; not reloading")
        asyncio.run(reset_kept_database(bench))
    else:
        asyncio.run(recreate_database(maintenance))
        migrate(bench.render_as_string(hide_password=False))
        log(f"loading {args.rows:,} complaints (generated in SQL) ...")
        load_timings = asyncio.run(load(bench, args.rows))
        log(
            f"loaded in {load_timings['total']:.1f} s ("
            + ", ".join(f"{k} {v:.1f} s" for k, v in load_timings.items() if k != "total")
            + ")"
        )
    data = asyncio.run(verify_load(bench, args.rows))
    log(
        f"data: {data['complaints']:,} complaints, {data['events']:,} events, {data['located_share']:.0%} located, "
        f"{data['public_share']:.0%} public, {data['channels']} channels, {data['categories']} categories, "
        f"{data['first_created_at'][:10]} .. {data['last_created_at'][:10]}, "
        f"{data['roads_in_progress']:,} roads in progress, database {data['database_size']}"
    )
    tickets = asyncio.run(sample_tickets(bench))
    info = machine(asyncio.run(server_version(bench)))

    busy = wait_for_quiet()
    info["cpu_busy_before_run"] = None if busy is None else round(busy, 3)
    if busy is not None and busy > QUIET:
        log(
            f"warning: {busy:.0%} of the CPU is busy with other processes; the numbers will be lower and noisier"
        )
    logdir = Path(tempfile.mkdtemp(prefix="aduan-bench-"))
    service = Service(
        bench.render_as_string(hide_password=False), "bench-admin-" + secrets.token_urlsafe(24), logdir
    )
    results: list[dict[str, Any]] = []
    try:
        log(f"starting: {' '.join(service.cmd)}")
        service.start()
        ctx: dict[str, Any] = {
            "base": service.base,
            "app_key": service.create_key("bench-app", "app"),
            "officer_key": service.create_key("bench-officer", "officer"),
            "tickets": tickets,
        }
        log(f"scenarios (wrk scripts and logs in {logdir}):")
        for sc in SCENARIOS:
            results.append(run_scenario(sc, ctx, args.duration, logdir))
    except BaseException:
        code = service.stop()
        log(f"service stopped (exit {code}); its log:\n{service.log_tail()}")
        raise
    code = service.stop()
    if code not in (0, None):
        log(f"warning: the service exited with {code} on SIGINT:\n{service.log_tail()}")

    judge(results)
    log("")
    log(f"Aduan benchmark, {started:%Y-%m-%d %H:%M} UTC: {args.rows:,} complaints, "
        f"{WARMUP_S} s warm-up + {args.duration:g} s per measured run, one uvicorn worker")  # fmt: skip
    log(
        f"machine: nproc {info['nproc']} ({info['cpu']}), {info['memory']}, Python {info['python']}, "
        f"PostgreSQL {info['postgresql']}, {info['wrk']}"
    )
    if info["cpu_busy_before_run"] is not None:
        log(f"other processes used {info['cpu_busy_before_run']:.0%} of the CPU just before the scenarios")
    if load_timings:
        log(f"load: {load_timings['total']:.1f} s")
    log("")
    log(table(results))
    log("")
    log("ratio = req/s at 64 connections / GET /healthz req/s at 64 connections, same process, same run")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "date": started.isoformat(),
                    "command": " ".join([Path(sys.executable).name, "bench/run.py", *(argv or sys.argv[1:])]),
                    "rows": args.rows,
                    "duration_s": args.duration,
                    "warmup_s": WARMUP_S,
                    "database": where,
                    "machine": info,
                    "load_seconds": load_timings,
                    "data": data,
                    "p99_target_ms": P99_TARGET_MS,
                    "scenarios": results,
                },
                indent=2,
                default=str,
            )
            + "\n"
        )
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        raise SystemExit(130) from None

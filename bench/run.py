"""Aduan's benchmark: the hot paths against the framework's own ceiling, in one run.

    python bench/run.py [--rows N] [--duration S] [--keep-db] [--json out.json]

1. A fresh database ``aduan_bench`` on the server of ``ADUAN_BENCH_DATABASE_URL`` or
   ``DATABASE_URL`` (dropped first), else on the embedded PostgreSQL under ``.aduan-bench/``;
   the migrations run on it.
2. ``--rows`` complaints (one ``created`` event each, and their reporters) are generated in
   SQL with ``INSERT ... SELECT generate_series(...)``, not through the API, then
   ``VACUUM ANALYZE``.
3. Routing data: ``aduan areas import`` with the real Jakarta areas (shipped in
   ``app/routing/data/jakarta``) and ``aduan seed demo`` (a unit per kelurahan, agencies, a few officers).
4. Signed Meta webhooks, one per request, written to a file the wrk script reads.
5. The area lookup alone, in this process: ``AreaIndex.lookup`` on 100,000 random points.
6. ``aduan serve`` runs as a real process with one worker on 127.0.0.1 (routing on, the Meta
   app secret set); a second one with ``ADUAN_ROUTING_ENABLED=false`` serves the core-intake
   comparison.
7. ``wrk`` drives each scenario: a 3 s warm-up, then a measured run at 64 connections
   (throughput) and one at 8 connections (latency). For the ratio of routing on to off, three
   pairs of fresh processes (on, off) are each warmed and measured alternately (on, off, off,
   on, 5 s each), then a control pair (off, off) the same way.
8. A table: requests/s, the ratio to ``GET /healthz`` measured in the same run (the ceiling:
   the same process, middleware and framework, no database), latency, errors, verdict; then
   intake with routing / core intake, the routing outcome, the webhook's answers and the
   area lookup.

It reports; it does not judge: the exit status is 0 when a target is missed, nonzero only
when the benchmark itself fails (2: wrk is missing and cannot be installed).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
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
from app.routing import geo, jakarta  # noqa: E402
from app.routing.seed import DEFAULT_KELURAHAN, DEMO_OFFICERS  # noqa: E402

DB_NAME = "aduan_bench"
LOADED_BY = "bench-load"  # created_by of generated rows: tells them from rows the intake scenario adds
WARMUP_S = 3
P99_TARGET_MS = 50.0
NOW = datetime.now(UTC)

# Routing: the real Jakarta areas, shipped with the package (app/routing/data/jakarta).
SHARED_DATA = jakarta.DIR
AREAS_CSV = SHARED_DATA / "jakarta_admin_areas.csv"
KELURAHAN_GEOJSON = SHARED_DATA / "jakarta_kelurahan.geojson"
KECAMATAN_GEOJSON = SHARED_DATA / "jakarta_kecamatan.geojson"
ROUTING_RATIO_TARGET = 0.80  # intake with routing / core intake (routing off), same run
# The ratio is judged on interleaved runs (on, off, off, on) of COMPARE_ROUNDS pairs of fresh
# processes, and the mean of the pairs' ratios: two back-to-back measurements on a shared 2-core
# machine moved by up to 25 % between identical runs, and two identical routing-off processes
# measured this way differed by 8 % and 13 % (bench/README.md, fifth session), so one pair of
# processes cannot tell 0.75 from 0.85. A control pair of two routing-off processes, measured
# the same way, shows the spread of the run itself.
COMPARE_ORDER = ("on", "off", "off", "on")
COMPARE_S = 5
COMPARE_ROUNDS = 3
COMPARE_WARMUP_S = 5  # each fresh process, before its pair is measured (statement caches, sub-cells)
# Area lookup in the bench process: random points in mainland Jakarta (the province's own box,
# down to -5.10, is mostly sea and the Thousand Islands).
LOOKUP_BBOX = (-6.38, 106.68, -6.08, 106.98)  # south, west, north, east
LOOKUP_POINTS = 100_000
LOOKUP_TARGET_US = 1000.0
# Share of the routing scenario's points that fall in a kelurahan with officers (seed demo).
OFFICER_POINT_SHARE = 0.30
# The signed Meta webhook: one pre-signed body per request (a repeated body is a redelivery).
FACEBOOK_PAGE_ID = "104729418562390"
FACEBOOK_MAX_RPS = 1200  # bodies are generated for this rate over the whole scenario
FACEBOOK_SENDERS = 3000  # distinct citizens posting (people post more than once)

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


async def reset_kept_database(bench: URL) -> dict[str, float]:
    """--keep-db: drop what earlier runs added through the API, so every run starts alike.

    That is every complaint the load did not generate (with their events, threads and
    assignments, so officers start with no open load), every inbound delivery and claimed
    source event (the load writes none), the reporters the Meta webhook created (the load
    only gives reporters phone identities), and the bench's API keys. Areas, units and
    officers stay: the import and the seed are idempotent and run again anyway.
    """
    t0 = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(bench), command_timeout=None)
    try:
        added = await conn.fetchval(
            "SELECT count(*) FROM complaints WHERE created_by IS DISTINCT FROM $1", LOADED_BY
        )
        # Truncated first: deleting a complaint then finds nothing in them to set null or cascade.
        await conn.execute(
            "TRUNCATE inbound_events, message_fragments, used_tokens, complaint_threads, inbound_deliveries"
        )
        # Deleting a complaint checks that no complaint names it in duplicate_of, which has no
        # index: a scan of the whole table per deleted row. A throwaway partial index (empty:
        # the bench sets no duplicate_of) turns each check into a lookup.
        await conn.execute(
            "CREATE INDEX IF NOT EXISTS bench_tmp_duplicate_of ON complaints (duplicate_of) "
            "WHERE duplicate_of IS NOT NULL"
        )
        await conn.execute("DELETE FROM complaints WHERE created_by IS DISTINCT FROM $1", LOADED_BY)
        await conn.execute("DROP INDEX bench_tmp_duplicate_of")
        await conn.execute(
            "DELETE FROM reporters WHERE id IN "
            "(SELECT reporter_id FROM reporter_identities WHERE kind = 'facebook_id')"
        )
        await conn.execute("DELETE FROM api_keys WHERE name LIKE 'bench-%'")
        await conn.execute(
            "VACUUM (ANALYZE) complaints, complaint_events, api_keys, reporters, reporter_identities, "
            "inbound_deliveries, inbound_events, complaint_threads"
        )
    finally:
        await conn.close()
    return {"complaints_deleted": added, "seconds": time.perf_counter() - t0}


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


# --------------------------------------------------------------------------- routing data


def aduan_cmd() -> list[str]:
    aduan = Path(sys.executable).parent / "aduan"
    return [str(aduan)] if aduan.exists() else [sys.executable, "-m", "app.cli"]


def prepare_routing(bench: URL, logdir: Path) -> dict[str, Any]:
    """``aduan areas import`` (the real areas, when present), then ``aduan seed demo``.

    Both through the real CLI, as an operator would set routing up; both are idempotent, so a
    --keep-db run repeats them. The seed prints officer keys once: they go to a log file only.
    """
    env = {
        **os.environ,
        "DATABASE_URL": bench.render_as_string(hide_password=False),
        "ADUAN_LOG_LEVEL": "WARNING",
    }
    out: dict[str, Any] = {}
    files = [f for f in (AREAS_CSV, KELURAHAN_GEOJSON, KECAMATAN_GEOJSON) if f.is_file()]
    t = time.perf_counter()
    if files:
        proc = subprocess.run(
            [*aduan_cmd(), "areas", "import", *map(str, files)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"aduan areas import failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        for line in proc.stdout.splitlines():
            log(f"  {line.replace(str(SHARED_DATA) + '/', '')}")
        out["areas_imported"] = [f.name for f in files]
    out["areas_import_s"] = time.perf_counter() - t
    if KELURAHAN_GEOJSON not in files:
        log(
            f"  routing runs without areas: no {KELURAHAN_GEOJSON} (units for {len(DEFAULT_KELURAHAN)} kelurahan only)"
        )
    t = time.perf_counter()
    proc = subprocess.run([*aduan_cmd(), "seed", "demo"], cwd=REPO, env=env, capture_output=True, text=True)
    (logdir / "seed-demo.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"aduan seed demo failed ({proc.returncode}):\n{proc.stderr}")
    out["seed_s"] = time.perf_counter() - t
    t = time.perf_counter()
    asyncio.run(vacuum_routing_tables(bench))
    out["vacuum_s"] = time.perf_counter() - t
    return out


# The tables the import and the seed rewrite on every run (each upsert leaves a dead row), and
# that every routed intake reads: the category (its foreign key), the revision, the officers
# (the pick). Autovacuum would clean them within a minute of the seed; with it off (as on the
# machine the results below come from) each --keep-db run would add to what every intake skips.
ROUTING_TABLES = "areas, units, officers, categories, routing_revision"


async def vacuum_routing_tables(bench: URL) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(bench), command_timeout=None)
    try:
        await conn.execute(f"VACUUM (ANALYZE) {ROUTING_TABLES}")
    finally:
        await conn.close()


async def routing_inventory(bench: URL) -> dict[str, Any]:
    conn = await asyncpg.connect(asyncpg_dsn(bench))
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM areas WHERE level = 'kelurahan') AS kelurahan, "
            "(SELECT count(*) FROM areas WHERE geometry IS NOT NULL) AS boundaries, "
            "(SELECT count(*) FROM units) AS units, "
            "(SELECT count(*) FROM units WHERE kind = 'kelurahan') AS kelurahan_units"
        )
        officers = await conn.fetch(
            "SELECT unit_code, count(*) AS n, sum(capacity) AS capacity FROM officers "
            "WHERE active AND role = 'officer' GROUP BY unit_code ORDER BY unit_code"
        )
        return {
            **dict(row),
            "officers": {r["unit_code"]: {"officers": r["n"], "capacity": r["capacity"]} for r in officers},
        }
    finally:
        await conn.close()


def officer_kelurahan() -> dict[str, int]:
    """Kelurahan codes whose demo unit has officers taking the automatic stream, with their capacity."""
    out: dict[str, int] = {}
    for unit, _name, role, capacity in DEMO_OFFICERS:
        if unit.startswith("kel-") and role == "officer":
            out[unit[4:]] = out.get(unit[4:], 0) + capacity
    return out


def synthetic_boundaries() -> list[geo.AreaBoundary]:
    """300 squares (20 x 15) over mainland Jakarta: the index's shape when the real files are absent."""
    from shapely.geometry import box

    s, w, n, e = LOOKUP_BBOX
    cols, rows = 20, 15
    dx, dy = (e - w) / cols, (n - s) / rows
    out = []
    for r in range(rows):
        for c in range(cols):
            kec = f"31.99.{r + 1:02d}"
            out.append(
                geo.AreaBoundary(
                    code=f"{kec}.{1001 + c}",
                    name=f"Kotak {r + 1}-{c + 1}",
                    level=geo.KELURAHAN,
                    geometry=box(w + c * dx, s + r * dy, w + (c + 1) * dx, s + (r + 1) * dy),
                    kecamatan_code=kec,
                    kecamatan=f"Baris {r + 1}",
                    kota_code="31.99",
                    kota="Kota Sintetis",
                )
            )
    return out


def bench_area_index() -> tuple[geo.AreaIndex, str, list[geo.AreaBoundary], list[geo.AreaRow]]:
    """The same ``AreaIndex`` the service builds, from the real files, else from a synthetic grid."""
    if KELURAHAN_GEOJSON.is_file():
        boundaries = geo.parse_boundaries_geojson(KELURAHAN_GEOJSON.read_bytes())
        if KECAMATAN_GEOJSON.is_file():
            boundaries += geo.parse_boundaries_geojson(KECAMATAN_GEOJSON.read_bytes())
        hierarchy = (
            geo.parse_hierarchy_csv(AREAS_CSV.read_text(encoding="utf-8")) if AREAS_CSV.is_file() else []
        )
        source = "real Jakarta boundaries"
    else:
        boundaries, hierarchy = synthetic_boundaries(), []
        source = "synthetic grid of 300 squares (no real boundaries)"
    return geo.AreaIndex(boundaries, hierarchy), source, boundaries, hierarchy


def area_lookup_bench(index: geo.AreaIndex, source: str, build_s: float) -> dict[str, Any]:
    """Time ``index.lookup`` alone on LOOKUP_POINTS random points of mainland Jakarta: the first
    pass (which also classifies every border sub-cell met for the first time: the figure
    reported) and a second pass over the same points (what a running service mostly pays)."""
    rng = random.Random(20261128)
    s, w, n, e = LOOKUP_BBOX
    points = [(rng.uniform(s, n), rng.uniform(w, e)) for _ in range(LOOKUP_POINTS)]
    lookup = index.lookup
    for lat, lon in points[:1000]:  # warm the caches and shapely's prepared geometries
        lookup(lat, lon)
    t = time.perf_counter()
    hits = [lookup(lat, lon) for lat, lon in points]
    elapsed = time.perf_counter() - t
    t = time.perf_counter()
    for lat, lon in points:
        lookup(lat, lon)
    repeat = time.perf_counter() - t
    kelurahan = sum(1 for h in hits if h is not None and h.kelurahan_code)
    kecamatan_only = sum(1 for h in hits if h is not None and not h.kelurahan_code)
    return {
        "source": source,
        "kelurahan_polygons": index.kelurahan_count,
        "kecamatan_polygons": index.kecamatan_count,
        "build_ms": build_s * 1000,
        "points": LOOKUP_POINTS,
        "bbox": LOOKUP_BBOX,
        "us_per_point": elapsed / LOOKUP_POINTS * 1e6,
        "us_per_point_repeat": repeat / LOOKUP_POINTS * 1e6,
        "kelurahan_share": kelurahan / LOOKUP_POINTS,
        "kecamatan_only_share": kecamatan_only / LOOKUP_POINTS,
        "outside_share": 1 - (kelurahan + kecamatan_only) / LOOKUP_POINTS,
        "target_us": LOOKUP_TARGET_US,
    }


def routing_points(
    index: geo.AreaIndex, boundaries: list[geo.AreaBoundary], n: int = 4000
) -> tuple[list[tuple[float, float]], dict[str, Any]]:
    """Points for the routing scenario: OFFICER_POINT_SHARE of them inside the kelurahan whose
    units have officers (by their capacity), the rest anywhere in a mainland kelurahan.

    Every point is checked with the same lookup the service runs, so "in Cikini" here means
    the service will route it to Cikini's unit.
    """
    rng = random.Random(7)
    s, w, n_, e = LOOKUP_BBOX
    staffed = officer_kelurahan()
    by_code = {b.code: b for b in boundaries if b.level == geo.KELURAHAN}
    points: list[tuple[float, float]] = []
    per_code: dict[str, int] = {}
    total_cap = sum(staffed.values()) or 1
    for code, cap in staffed.items():
        want = round(n * OFFICER_POINT_SHARE * cap / total_cap)
        b = by_code.get(code)
        if b is None:  # no real boundaries: around the demo kelurahan's office
            lat0, lon0 = {"31.71.06.1003": (-6.1915, 106.8412), "31.71.01.1001": (-6.1754, 106.8272)}.get(
                code, (-6.2, 106.83)
            )
            got = [
                (lat0 + rng.uniform(-0.002, 0.002), lon0 + rng.uniform(-0.002, 0.002)) for _ in range(want)
            ]
        else:
            minx, miny, maxx, maxy = b.geometry.bounds
            got = []
            while len(got) < want:
                lat, lon = rng.uniform(miny, maxy), rng.uniform(minx, maxx)
                hit = index.lookup(lat, lon)
                if hit is not None and hit.kelurahan_code == code:
                    got.append((lat, lon))
        points += got
        per_code[code] = len(got)
    others = 0
    while len(points) < n:
        lat, lon = rng.uniform(s, n_), rng.uniform(w, e)
        hit = index.lookup(lat, lon)
        if hit is not None and hit.kelurahan_code and hit.kelurahan_code not in staffed:
            points.append((lat, lon))
            others += 1
    rng.shuffle(points)
    return [(round(a, 6), round(b, 6)) for a, b in points], {"staffed": per_code, "elsewhere": others}


# --------------------------------------------------------------------------- signed Meta webhook bodies


class SignedBodies:
    """Page ``feed`` webhooks signed in Python (wrk's Lua has no HMAC), one per request.

    One line per delivery in a file: ``<hex sha256> <hex sha1> <body>``. Every wrk run takes
    the lines from ``offset`` on, thread k of T every T-th line from k; after the run the
    offset moves past the furthest line any thread reached, so no body is ever sent twice
    (a repeated body is a redelivery, answered 200). A thread that runs out wraps around and
    counts it: those requests are redeliveries and show as errors.
    """

    def __init__(self, path: Path, count: int):
        self.path, self.count = path, count
        self.offset = 0
        self.sent = 0
        self.wrapped = 0
        self.exhausted = False

    def args(self, threads: int) -> list[str]:
        if self.offset >= self.count:
            self.exhausted = True
        return [str(self.path), str(self.offset % self.count), str(threads)]

    def consumed(self, run: dict[str, Any], threads: int) -> None:
        self.offset += threads * run["sent_max"]
        self.sent += run["sent_total"]
        self.wrapped += run["wrapped"]
        if run["wrapped"]:
            self.exhausted = True


def feed_message(rng: random.Random, kelurahan: list[str]) -> str:
    cat = rng.choice([c for c in PHRASES if c is not None])
    where = f"{rng.choice(PLACES)} {rng.choice(NEAR)}"
    if kelurahan and rng.random() < 0.5:
        where += f", Kelurahan {rng.choice(kelurahan)}"
    return f"{rng.choice(PHRASES[cat])} di {where}. {rng.choice(EXTRA)}"


def feed_body(post_no: int, sender: int, message: str, when: int) -> bytes:
    """A Page feed webhook as Meta sends it: one entry, one ``feed`` change, a visitor's status post."""
    first, last = (
        FIRST_NAMES[sender % len(FIRST_NAMES)],
        LAST_NAMES[sender // len(FIRST_NAMES) % len(LAST_NAMES)],
    )
    payload = {
        "entry": [
            {
                "id": FACEBOOK_PAGE_ID,
                "time": when,
                "changes": [
                    {
                        "value": {
                            "from": {
                                "id": str(6_100_000_000_000_000 + sender * 7919),
                                "name": f"{first} {last}",
                            },
                            "message": message,
                            "post_id": f"{FACEBOOK_PAGE_ID}_{post_no}",
                            "created_time": when,
                            "item": "status",
                            "published": 1,
                            "verb": "add",
                        },
                        "field": "feed",
                    }
                ],
            }
        ],
        "object": "page",
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: str, body: bytes) -> tuple[str, str]:
    key = secret.encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest(), hmac.new(key, body, hashlib.sha1).hexdigest()


def write_signed_bodies(path: Path, count: int, secret: str, kelurahan: list[str]) -> SignedBodies:
    rng = random.Random()
    # Post ids are unique within the run by construction and across runs by the random base.
    base = rng.randrange(10**14, 9 * 10**14)
    when = int(time.time())
    with path.open("wb") as f:
        for i in range(count):
            body = feed_body(base + i, rng.randrange(FACEBOOK_SENDERS), feed_message(rng, kelurahan), when)
            s256, s1 = sign(secret, body)
            f.write(f"{s256} {s1} ".encode() + body + b"\n")
    return SignedBodies(path, count)


# --------------------------------------------------------------------------- the service


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """``aduan serve`` as a child process: one worker, no access log, stopped with SIGINT."""

    def __init__(
        self,
        database_url: str,
        admin_key: str,
        logdir: Path,
        name: str = "serve",
        env: dict[str, str] | None = None,
    ):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.admin_key = admin_key
        self.log_path = logdir / f"{name}.log"
        self.cmd = aduan_cmd() + ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"]
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "ADUAN_ADMIN_KEY": admin_key,
            "ADUAN_LOG_LEVEL": os.environ.get("ADUAN_LOG_LEVEL", "WARNING"),
            # The SLA sweeper is a once-a-minute background pass, not a request path: on 1M
            # rows one pass costs PostgreSQL ~2 s, which would land inside whichever scenario
            # runs at that minute (and mutate the loaded rows a --keep-db run reuses).
            "ADUAN_SLA_SWEEP_INTERVAL": "0",
            # wrk drives thousands of requests a second from one address with a few keys: the
            # limits stay on (their cost is part of what is measured) but can never be reached.
            "ADUAN_RATE_LIMIT_PUBLIC": "1000000000/minute",
            "ADUAN_RATE_LIMIT_API_KEY": "1000000000/minute",
            "ADUAN_RATE_LIMIT_WEBHOOK": "1000000000/minute",
            **(env or {}),
        }
        self.proc: subprocess.Popen | None = None
        self._log = None

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
            if self._log is not None:
                self._log.close()
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

    def create_key(self, name: str, role: str) -> tuple[str, str]:
        """(the key, its id): complaints an app key creates carry the id in ``created_by``."""
        r = httpx.post(
            self.base + "/v1/api-keys",
            json={"name": name, "role": role},
            headers={"Authorization": f"Bearer {self.admin_key}"},
            timeout=10,
        )
        if r.status_code != 201:
            raise RuntimeError(f"POST /v1/api-keys ({role}): {r.status_code} {r.text}")
        return r.json()["key"], str(r.json()["id"])


# --------------------------------------------------------------------------- wrk and its Lua

LUA_COMMON = r"""
-- Counters live in each wrk thread's own Lua state; done() (in the main state) sums them.
local threads = {}
function setup(thread)
  thread:set("thread_no", #threads + 1)
  table.insert(threads, thread)
end

-- A script may set expect_status: then any other status is an error (e.g. 200 where only
-- 201 means "created"); otherwise any non-2xx is.
expect_status = nil
non2xx, n200, n201 = 0, 0, 0
-- Scripts that consume prepared requests count them: sent (request() calls) and wrapped
-- (times a thread ran out and started its list again).
sent, wrapped = 0, 0
first_bad = ""
function response(status, headers, body)
  if status == 201 then n201 = n201 + 1 elseif status == 200 then n200 = n200 + 1 end
  local bad
  if expect_status then bad = status ~= expect_status else bad = status < 200 or status > 299 end
  if bad then
    non2xx = non2xx + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 300) end
  end
end

function seed()
  math.randomseed(os.time() * 1000 + (thread_no or 0) * 7919)
  for _ = 1, 10 do math.random() end
end

function done(summary, latency, requests)
  local bad, s200, s201, sent_total, sent_max, wraps, sample = 0, 0, 0, 0, 0, 0, ""
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    s200, s201 = s200 + t:get("n200"), s201 + t:get("n201")
    local n = t:get("sent")
    sent_total, sent_max = sent_total + n, math.max(sent_max, n)
    wraps = wraps + t:get("wrapped")
    local s = t:get("first_bad")
    if sample == "" and s ~= "" then sample = s end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d "
      .. "p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f n200=%d n201=%d sent_total=%d sent_max=%d "
      .. "wrapped=%d\n",
    summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50.0), latency:percentile(90.0), latency:percentile(99.0), latency.max, latency.mean,
    s200, s201, sent_total, sent_max, wraps))
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


def _lua_complaint_text() -> str:
    """Lua tables and a function composing an Indonesian complaint: (category index, description)."""
    cats = [c for c in CATEGORY_MIX if c is not None]
    phrases = "{" + ", ".join(lua_list(PHRASES[c]) for c in cats) + "}"
    return f"""
local cats = {lua_list(cats)}
local phrases = {phrases}
local places = {lua_list(PLACES)}
local near = {lua_list(NEAR)}
local extra = {lua_list(EXTRA)}
local function complaint_text()
  local c = math.random(#cats)
  local place = places[math.random(#places)]
  local desc = string.format("%s di %s %s, RT %02d/RW %02d. %s",
    phrases[c][math.random(3)], place, near[math.random(#near)], math.random(1, 15), math.random(1, 12),
    extra[math.random(#extra)])
  local title = ""
  if math.random() < 0.35 then title = string.format('"title":"Laporan di %s",', place) end
  return c, place, desc, title
end
"""


def lua_intake(app_key: str) -> str:
    """POST /v1/complaints with a different complaint each time, composed in Lua."""
    south, west, north, east = BBOX
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {app_key}"}
    return (
        _lua_complaint_text()
        + f"""
local headers = {_lua_headers(headers)}
function init(args) seed() end
function request()
  local c, place, desc, title = complaint_text()
  local body = string.format(
    '{{%s"description":"%s","category":"%s","location":{{"lat":%.6f,"lon":%.6f,"accuracy_m":%d,'
      .. '"address":"%s No. %d"}},"privacy":"%s"}}',
    title, desc, cats[c], {south} + math.random() * {north - south}, {west} + math.random() * {east - west},
    math.random(4, 50), place, math.random(1, 150), (math.random() < 0.87) and "public" or "anonymous")
  return wrk.format("POST", "/v1/complaints", headers, body)
end
"""
    )


def lua_intake_routed(app_key: str, points: list[tuple[float, float]]) -> str:
    """POST /v1/complaints without a category (the classifier decides), at a point drawn from
    ``points`` (prepared in Python so a known share lands in kelurahan that have officers)."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {app_key}"}
    pts = ",".join(f"{{{lat},{lon}}}" for lat, lon in points)
    return (
        _lua_complaint_text()
        + f"""
local headers = {_lua_headers(headers)}
local points = {{{pts}}}
function init(args) seed() end
function request()
  local _, place, desc, title = complaint_text()
  local p = points[math.random(#points)]
  local body = string.format(
    '{{%s"description":"%s","location":{{"lat":%.6f,"lon":%.6f,"accuracy_m":%d,"address":"%s No. %d"}},'
      .. '"privacy":"%s"}}',
    title, desc, p[1], p[2], math.random(4, 50), place, math.random(1, 150),
    (math.random() < 0.87) and "public" or "anonymous")
  return wrk.format("POST", "/v1/complaints", headers, body)
end
"""
    )


FACEBOOK_PATH = "/v1/channels/facebook/webhook"


def lua_feed() -> str:
    """The signed Page feed webhooks of SignedBodies, each sent once (args: file, first line, threads)."""
    headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua"}
    return f"""
expect_status = 201  -- 200 would be a redelivery or an ignored event: not what this measures
local reqs, idx = {{}}, 0
function init(args)
  seed()
  local path, first, nthreads = args[1], tonumber(args[2]), tonumber(args[3])
  local k, i = thread_no - 1, 0
  for line in io.lines(path) do
    if i >= first and (i - first) % nthreads == k then
      local h = {_lua_headers(headers)}
      h["X-Hub-Signature-256"] = "sha256=" .. string.sub(line, 1, 64)
      h["X-Hub-Signature"] = "sha1=" .. string.sub(line, 66, 105)
      reqs[#reqs + 1] = wrk.format("POST", {lua_str(FACEBOOK_PATH)}, h, string.sub(line, 107))
    end
    i = i + 1
  end
end
function request()
  sent = sent + 1
  idx = idx + 1
  if idx > #reqs then idx, wrapped = 1, wrapped + 1 end
  return reqs[idx]
end
"""


RESULT_RE = re.compile(r"^BENCH_RESULT (.*)$", re.M)
SAMPLE_RE = re.compile(r"^BENCH_SAMPLE ?(.*)$", re.M)


def wrk_threads(connections: int) -> int:
    return min(2, connections)


def run_wrk(
    base: str,
    script: Path,
    connections: int,
    duration: float,
    logdir: Path,
    tag: str,
    args: list[str] | None = None,
) -> dict[str, Any]:
    threads = wrk_threads(connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "5s", "--latency",
           "-s", str(script), base]  # fmt: skip
    if args:
        cmd += ["--", *args]
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
        "non2xx": int(values["non2xx"]),  # statuses the script counts as errors (see expect_status)
        "n200": int(values["n200"]),
        "n201": int(values["n201"]),
        "sent_total": int(values["sent_total"]),
        "sent_max": int(values["sent_max"]),
        "wrapped": int(values["wrapped"]),
        "socket_errors": socket_errors,
        "first_error": (sample.group(1).strip() if sample else "") or None,
    }


# --------------------------------------------------------------------------- scenarios
# A scenario: name, what it measures, the ratio to the ceiling it should reach (None for the
# ceiling itself or no target), `lua(ctx)` -> the wrk script body, and `check(ctx)` -> one
# request through httpx that must succeed before wrk runs (a benchmark of 401s measures
# nothing). Optional: `service` ("main", or "core": routing off), and `bodies(ctx)` -> a
# SignedBodies whose lines the script consumes (for requests Python must sign, since wrk's
# Lua has no HMAC).


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


def check_intake_routed(ctx: dict[str, Any]) -> None:
    """One uncategorised complaint in a staffed kelurahan: on the routing service it must come
    back classified, placed in that kelurahan and handed to its unit; on the core one, not."""
    lat, lon = ctx["staffed_point"]
    body = {
        "description": "Got mampet penuh lumpur di Jl. Cikini Raya dekat halte, air meluap ke jalan saat hujan.",
        "location": {"lat": lat, "lon": lon, "accuracy_m": 10, "address": "Jl. Cikini Raya No. 45"},
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
    ).json()
    # With real boundaries the point names its kelurahan; without them only the unit is sure.
    routed = bool(r.get("unit")) and (bool((r.get("area") or {}).get("kelurahan")) or not ctx["boundaries"])
    if ctx["routing"] and not routed:
        raise RuntimeError(f"intake with routing: not routed: {json.dumps(r)[:600]}")
    if not ctx["routing"] and (r.get("unit") or r.get("area")):
        raise RuntimeError(f"intake without routing: routed anyway: {json.dumps(r)[:600]}")


def check_facebook(ctx: dict[str, Any]) -> None:
    """A fresh signed delivery creates (201), the same body again is a redelivery (200), a
    forged signature is refused (401): the scenario then measures the signed, creating path."""
    body = feed_body(
        random.randrange(10**14, 9 * 10**14),
        1,
        "Sampah menumpuk di Jl. Kemang Raya depan pasar sudah seminggu. Mohon segera diangkut.",
        int(time.time()),
    )
    s256, s1 = sign(ctx["facebook_secret"], body)
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": f"sha256={s256}",
        "X-Hub-Signature": f"sha1={s1}",
    }
    url = ctx["base"] + FACEBOOK_PATH
    r = _check(httpx.post(url, content=body, headers=headers, timeout=10), 201, "facebook webhook").json()
    if r["outcomes"][0]["action"] != "created":
        raise RuntimeError(f"facebook webhook: expected a created complaint, got {r}")
    _check(httpx.post(url, content=body, headers=headers, timeout=10), 200, "facebook webhook redelivery")
    forged = {**headers, "X-Hub-Signature-256": "sha256=" + "0" * 64}
    _check(httpx.post(url, content=body + b" ", headers=forged, timeout=10), 401, "facebook webhook, forged")


LISTING_PATH = "/v1/complaints?status=in_progress&category=roads&limit=50"

SCENARIOS: list[dict[str, Any]] = [
    {
        "name": "ceiling",
        "label": "GET /healthz (ceiling)",
        "target": None,
        "lua": lambda ctx: lua_static("GET", "/healthz"),
        "check": lambda ctx: _check(httpx.get(ctx["base"] + "/healthz", timeout=10), 200, "healthz"),
    },
    # The routing pair first: officers start with no open load, so this is where the automatic
    # assignment happens (their capacity fills within the first second); back to back, on two
    # processes, so the ratio compares like with like.
    {
        "name": "intake_routing",
        "label": "POST /v1/complaints, routing on",
        "target": None,
        "lua": lambda ctx: lua_intake_routed(ctx["app_key"], ctx["routing_points"]),
        "check": check_intake_routed,
        "key": "routing",
    },
    {
        "name": "intake_core",
        "label": "POST /v1/complaints, routing off",
        "target": None,
        "lua": lambda ctx: lua_intake_routed(ctx["app_key"], ctx["routing_points"]),
        "check": check_intake_routed,
        "service": "core",
        "key": "core",
        "compare_with": "intake_routing",
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
    {
        "name": "facebook",
        "label": "POST /v1/channels/facebook/webhook (signed)",
        "target": 0.10,
        "lua": lambda ctx: lua_feed(),
        "check": check_facebook,
        "bodies": lambda ctx: ctx["facebook_bodies"],
    },
]


def run_scenario(sc: dict[str, Any], ctx: dict[str, Any], duration: float, logdir: Path) -> dict[str, Any]:
    sc["check"](ctx)
    script = logdir / f"{sc['name']}.lua"
    script.write_text(LUA_COMMON + sc["lua"](ctx), encoding="utf-8")
    bodies: SignedBodies | None = sc["bodies"](ctx) if "bodies" in sc else None
    log(f"  {sc['label']}: warm-up {WARMUP_S} s, {duration:g} s at 64 connections, {duration:g} s at 8")

    def run(connections: int, seconds: float, tag: str) -> dict[str, Any]:
        threads = wrk_threads(connections)
        args = bodies.args(threads) if bodies else None
        out = run_wrk(ctx["base"], script, connections, seconds, logdir, f"{sc['name']}-{tag}", args)
        if bodies:
            bodies.consumed(out, threads)
        return out

    warm = run(64, WARMUP_S, "warmup")
    at64 = run(64, duration, "c64")
    at8 = run(8, duration, "c8")
    errors = at64["non2xx"] + at64["socket_errors"] + at8["non2xx"] + at8["socket_errors"]
    return {
        "name": sc["name"],
        "label": sc["label"],
        "target": sc["target"],
        "service": sc.get("service", "main"),
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
        "status_200": warm["n200"] + at64["n200"] + at8["n200"],
        "status_201": warm["n201"] + at64["n201"] + at8["n201"],
    }


async def routing_outcome(bench: URL, key_ids: dict[str, str]) -> dict[str, Any]:
    """What the intake scenarios did to the complaints they created, per API key (and the webhook)."""
    creators = {**{v: k for k, v in key_ids.items()}, "channel:facebook": "facebook"}
    conn = await asyncpg.connect(asyncpg_dsn(bench))
    try:
        rows = await conn.fetch(
            "SELECT created_by, count(*) AS n, count(category) AS classified, count(kelurahan_code) AS kelurahan, "
            "count(unit_code) AS unit, count(unit_code) FILTER (WHERE unit_code LIKE 'kel-%') AS kelurahan_unit, "
            "count(assignee_id) AS assigned "
            "FROM complaints WHERE created_by = ANY($1::text[]) GROUP BY created_by",
            list(creators),
        )
        out: dict[str, Any] = {
            creators[r["created_by"]]: {k: r[k] for k in r.keys() if k != "created_by"} for r in rows
        }
        staffed = await conn.fetch(
            "SELECT created_by, unit_code, count(*) AS n, count(assignee_id) AS assigned FROM complaints "
            "WHERE created_by = ANY($1::text[]) AND unit_code = ANY($2::text[]) GROUP BY 1, 2 ORDER BY 1, 2",
            list(creators),
            [f"kel-{code}" for code in officer_kelurahan()],
        )
        for r in staffed:
            out.setdefault(creators[r["created_by"]], {}).setdefault("staffed_units", {})[r["unit_code"]] = {
                "complaints": r["n"],
                "assigned": r["assigned"],
            }
        return out
    finally:
        await conn.close()


def outcome_lines(outcome: dict[str, Any], point_mix: dict[str, Any], staffed: dict[str, Any]) -> list[str]:
    lines = []
    capacity = sum(o["capacity"] for o in staffed.values())
    for name, label in (("routing", "routing on"), ("core", "routing off"), ("app", "plain intake"),
                        ("facebook", "facebook webhook")):  # fmt: skip
        o = outcome.get(name)
        if not o or not o["n"]:
            continue
        n = o["n"]
        units = ", ".join(
            f"{u} {v['complaints']:,} ({v['assigned']} assigned)"
            for u, v in o.get("staffed_units", {}).items()
        )
        lines.append(
            f"  {label}: {n:,} complaints, {o['classified'] / n:.0%} classified, {o['kelurahan'] / n:.0%} with a "
            f"kelurahan, {o['kelurahan_unit'] / n:.0%} in a kelurahan unit, {o['assigned']:,} assigned to an officer"
            + (f"; staffed units: {units}" if units else "")
        )
    if lines:
        staffed_pts = sum(point_mix["staffed"].values())
        lines.insert(
            0,
            f"routing outcome (the routing scenarios draw from {staffed_pts + point_mix['elsewhere']:,} points, "
            f"{staffed_pts:,} in kelurahan with officers; those officers' total capacity: {capacity} open complaints):",
        )
    return lines


def interleaved(
    on_base: str, off_base: str, logdir: Path, tag: str, scripts: tuple[Path, Path]
) -> dict[str, Any]:
    """One pair: throughput of the two processes at 64 connections, alternated in COMPARE_ORDER
    (ABBA), so drift of the machine during the pair falls on both sides alike. ``scripts``: the
    wrk script of the "on" side and of the "off" side."""
    runs: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
    for n, side in enumerate(COMPARE_ORDER):
        script = scripts[0] if side == "on" else scripts[1]
        base = on_base if side == "on" else off_base
        runs[side].append(run_wrk(base, script, 64, COMPARE_S, logdir, f"{tag}-{n}-{side}"))
    rps = {side: sum(r["rps"] for r in rs) / len(rs) for side, rs in runs.items()}
    return {
        "rps_on": [r["rps"] for r in runs["on"]],
        "rps_off": [r["rps"] for r in runs["off"]],
        "ratio": rps["on"] / rps["off"] if rps["off"] else 0.0,
        "errors": sum(r["non2xx"] + r["socket_errors"] for rs in runs.values() for r in rs),
    }


def fresh_pairs(start: Callable[[str, str], Service], logdir: Path) -> dict[str, Any]:
    """Routing on against routing off on COMPARE_ROUNDS pairs of fresh processes (``start(spec,
    name)`` starts one), then the control: two routing-off processes, measured the same way.

    Each process is warmed for COMPARE_WARMUP_S with its own script, then the pair is
    interleaved and both are stopped. The verdict's ratio is the mean of the pairs' ratios."""
    on_script, off_script = logdir / "intake_routing.lua", logdir / "intake_core.lua"
    log(
        f"  routing on / off: {COMPARE_ROUNDS} pairs of fresh processes, each warmed {COMPARE_WARMUP_S} s, "
        f"then {' '.join(COMPARE_ORDER)}, {COMPARE_S} s each at 64 connections; then the control pair (off / off)"
    )

    def pair(tag: str, specs: tuple[str, str], scripts: tuple[Path, Path]) -> dict[str, Any]:
        a = start(specs[0], f"serve-{tag}-a")
        try:
            b = start(specs[1], f"serve-{tag}-b")
            try:
                run_wrk(a.base, scripts[0], 64, COMPARE_WARMUP_S, logdir, f"{tag}-warmup-a")
                run_wrk(b.base, scripts[1], 64, COMPARE_WARMUP_S, logdir, f"{tag}-warmup-b")
                result = interleaved(a.base, b.base, logdir, tag, scripts)
            finally:
                b.stop()
        finally:
            a.stop()
        log(
            f"    {tag}: {result['ratio']:.2f} (a {' '.join(f'{x:,.0f}' for x in result['rps_on'])}, "
            f"b {' '.join(f'{x:,.0f}' for x in result['rps_off'])} req/s)"
        )
        return result

    rounds = [pair(f"pair{i + 1}", ("main", "core"), (on_script, off_script)) for i in range(COMPARE_ROUNDS)]
    control = pair("control", ("core", "core"), (off_script, off_script))
    ratios = [r["ratio"] for r in rounds]
    on = [x for r in rounds for x in r["rps_on"]]
    off = [x for r in rounds for x in r["rps_off"]]
    return {
        "order": COMPARE_ORDER,
        "seconds_each": COMPARE_S,
        "rounds": rounds,
        "ratios": ratios,
        "rps_on": on,
        "rps_off": off,
        "routing_on_rps": sum(on) / len(on),
        "routing_off_rps": sum(off) / len(off),
        "ratio": sum(ratios) / len(ratios),
        "errors": sum(r["errors"] for r in rounds),
        "control": control,
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
        target = (
            f">= {r['target']:.2f}"
            if r["target"] is not None
            else ("ceiling" if r["name"] == "ceiling" else "-")
        )
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
    reset: dict[str, float] | None = None
    if keep:
        log(f"--keep-db: {DB_NAME} already holds {args.rows:,} generated complaints; not reloading")
        reset = asyncio.run(reset_kept_database(bench))
        log(
            f"  deleted the {reset['complaints_deleted']:,} complaints earlier runs added ({reset['seconds']:.1f} s)"
        )
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
    logdir = Path(tempfile.mkdtemp(prefix="aduan-bench-"))

    log("routing: aduan areas import, aduan seed demo")
    routing_setup = prepare_routing(bench, logdir)
    inventory = asyncio.run(routing_inventory(bench))
    staffed = {u: o for u, o in inventory["officers"].items() if u.startswith("kel-")}
    log(
        f"  {inventory['kelurahan']} kelurahan ({inventory['boundaries']} boundaries), {inventory['units']} units "
        f"({inventory['kelurahan_units']} kelurahan units); officers taking the automatic stream: "
        + ", ".join(
            f"{u} {o['officers']} (capacity {o['capacity']})" for u, o in inventory["officers"].items()
        )
    )

    t = time.perf_counter()
    index, index_source, boundaries, hierarchy = bench_area_index()
    build_s = time.perf_counter() - t
    points, point_mix = routing_points(index, boundaries)
    kelurahan_names = sorted({r.name for r in hierarchy if r.level == geo.KELURAHAN}) or sorted(
        DEFAULT_KELURAHAN.values()
    )
    facebook_secret = secrets.token_hex(32)
    n_bodies = max(20_000, -(-FACEBOOK_MAX_RPS * (WARMUP_S + 2 * round(args.duration)) // 1000) * 1000)
    t = time.perf_counter()
    facebook_bodies = write_signed_bodies(
        logdir / "facebook-bodies.txt", n_bodies, facebook_secret, kelurahan_names
    )
    log(f"signed {n_bodies:,} distinct Page feed webhooks in {time.perf_counter() - t:.1f} s")

    busy = wait_for_quiet()
    info["cpu_busy_before_run"] = None if busy is None else round(busy, 3)
    if busy is not None and busy > QUIET:
        log(
            f"warning: {busy:.0%} of the CPU is busy with other processes; the numbers will be lower and noisier"
        )
    lookup = area_lookup_bench(index, index_source, build_s)
    log(
        f"area lookup: {lookup['us_per_point']:.1f} us per point ({LOOKUP_POINTS:,} points, {index_source}, "
        f"index built in {lookup['build_ms']:.0f} ms; the same points again: {lookup['us_per_point_repeat']:.1f} us)"
    )
    database_url = bench.render_as_string(hide_password=False)
    admin_key = "bench-admin-" + secrets.token_urlsafe(24)
    specs = {
        "main": {"ADUAN_FACEBOOK_APP_SECRET": facebook_secret},
        "core": {"ADUAN_FACEBOOK_APP_SECRET": facebook_secret, "ADUAN_ROUTING_ENABLED": "false"},
    }
    services: dict[str, Service] = {}

    def service(name: str) -> Service:
        """Started on first use: the core service only for the comparison, on its own port."""
        if name not in services:
            svc = Service(database_url, admin_key, logdir, name=f"serve-{name}", env=specs[name])
            services[name] = svc
            log(f"starting ({name}): {' '.join(f'{k}=...' if 'SECRET' in k else f'{k}={v}' for k, v in specs[name].items())} "
                f"{' '.join(svc.cmd)}")  # fmt: skip
            svc.start()
        return services[name]

    def fresh_service(spec: str, name: str) -> Service:
        """A new process of ``spec`` for the routing comparison; the caller stops it."""
        svc = Service(database_url, admin_key, logdir, name=name, env=specs[spec])
        svc.start()
        return svc

    def stop_all() -> dict[str, int | None]:
        return {name: svc.stop() for name, svc in services.items()}

    results: list[dict[str, Any]] = []
    keys: dict[str, tuple[str, str]] = {}
    compare: dict[str, Any] = {}
    try:
        main_svc = service("main")
        for name in ("app", "routing", "core"):
            keys[name] = main_svc.create_key(f"bench-{name}", "app")
        officer_key, _ = main_svc.create_key("bench-officer", "officer")
        staffed_point = next(
            (pt for pt in points if (hit := index.lookup(*pt)) and hit.kelurahan_code in officer_kelurahan()),
            points[0],
        )
        ctx: dict[str, Any] = {
            "officer_key": officer_key,
            "tickets": tickets,
            "facebook_secret": facebook_secret,
            "facebook_bodies": facebook_bodies,
            "routing_points": points,
            "staffed_point": staffed_point,
            "boundaries": KELURAHAN_GEOJSON.is_file(),
        }
        log(f"scenarios (wrk scripts and logs in {logdir}):")
        last_use = {sc.get("service", "main"): i for i, sc in enumerate(SCENARIOS)}
        for i, sc in enumerate(SCENARIOS):
            name = sc.get("service", "main")
            svc = service(name)
            sctx = {
                **ctx,
                "base": svc.base,
                "app_key": keys[sc.get("key", "app")][0],
                "routing": svc is main_svc,
            }
            results.append(run_scenario(sc, sctx, args.duration, logdir))
            if "compare_with" in sc:
                # both scenarios' wrk scripts are in logdir by now (the routing one ran first)
                compare = fresh_pairs(fresh_service, logdir)
            if name != "main" and last_use[name] == i:
                # its 20 pooled connections and its memory leave the machine before the next scenario
                code = svc.stop()
                if code not in (0, None):
                    log(f"warning: the {name} service exited with {code} on SIGINT:\n{svc.log_tail()}")
    except BaseException:
        codes = stop_all()
        for name, svc in services.items():
            log(f"service {name} stopped (exit {codes[name]}); its log:\n{svc.log_tail()}")
        raise
    for name, code in stop_all().items():
        if code not in (0, None):
            log(f"warning: the {name} service exited with {code} on SIGINT:\n{services[name].log_tail()}")

    outcome = asyncio.run(routing_outcome(bench, {name: key_id for name, (_, key_id) in keys.items()}))
    judge(results)
    by_name = {r["name"]: r for r in results}
    on, off = by_name["intake_routing"]["rps_64"], by_name["intake_core"]["rps_64"]
    comparison = {
        **compare,
        "single_run_ratio": on / off if off else 0.0,
        "target": ROUTING_RATIO_TARGET,
    }
    comparison["verdict"] = (
        "meets" if comparison["ratio"] >= ROUTING_RATIO_TARGET and not comparison["errors"] else "below"
    )
    fb = by_name["facebook"]
    facebook = {
        "bodies": facebook_bodies.count,
        "sent": facebook_bodies.sent,
        "lines_consumed": min(facebook_bodies.offset, facebook_bodies.count),
        "exhausted": facebook_bodies.exhausted,
        "wraps": facebook_bodies.wrapped,
        "status_201": fb["status_201"],
        "status_200": fb["status_200"],
    }
    lookup["verdict"] = "meets" if lookup["us_per_point"] < LOOKUP_TARGET_US else "below"

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
    log("")
    log(
        f"intake with routing / core intake: {comparison['ratio']:.2f} (target >= {ROUTING_RATIO_TARGET:.2f}): "
        f"{comparison['verdict']}; the mean of {len(comparison['ratios'])} pairs of fresh processes "
        f"({' '.join(f'{x:.2f}' for x in comparison['ratios'])}), each {' '.join(COMPARE_ORDER)} at 64 connections, "
        f"{COMPARE_S} s each"
        + (f", {comparison['errors']} errors" if comparison["errors"] else "")
        + f"; control pair, routing off against routing off: {comparison['control']['ratio']:.2f}"
        + f" (the table's two runs alone: {comparison['single_run_ratio']:.2f})"
    )
    for line in outcome_lines(outcome, point_mix, staffed):
        log(line)
    log(
        f"facebook webhook: {fb['status_201']:,} answered 201 (created), {fb['status_200']:,} answered 200 "
        f"(redelivery), warm-up included; {facebook['sent']:,} signed bodies sent of {facebook['bodies']:,}: "
        + ("EXHAUSTED, later requests were redeliveries" if facebook["exhausted"] else "not exhausted")
    )
    log(
        f"area lookup: {lookup['us_per_point']:.1f} us per point (target < {LOOKUP_TARGET_US:.0f} us): "
        f"{lookup['verdict']} (the same points again: {lookup['us_per_point_repeat']:.1f} us); "
        f"{lookup['kelurahan_polygons']} kelurahan + {lookup['kecamatan_polygons']} "
        f"kecamatan polygons ({index_source}), {LOOKUP_POINTS:,} random points in lat "
        f"{LOOKUP_BBOX[0]}..{LOOKUP_BBOX[2]}, lon {LOOKUP_BBOX[1]}..{LOOKUP_BBOX[3]}: "
        f"{lookup['kelurahan_share']:.1%} in a kelurahan, {lookup['kecamatan_only_share']:.1%} kecamatan only, "
        f"{lookup['outside_share']:.1%} outside"
    )

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
                    "keep_db_reset": reset,
                    "data": data,
                    "p99_target_ms": P99_TARGET_MS,
                    "scenarios": results,
                    "routing_setup": {**routing_setup, **inventory},
                    "routing_comparison": comparison,
                    "routing_outcome": outcome,
                    "routing_points": point_mix,
                    "facebook": facebook,
                    "area_lookup": lookup,
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

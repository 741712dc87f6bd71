"""``aduan seed demo``: units and a few officers to try routing with.

Idempotent: units are inserted when missing; an officer is created (with an API key, printed
once) only when no officer of that name exists in the unit yet.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from app.auth.keys import create_key
from app.complaints.catalogue import AGENCIES, CATEGORIES
from app.core.revision import bump_revision
from app.geo import repository as geo_repository
from app.org import repository

# Used when no areas have been imported: enough to route a few well-known places.
DEFAULT_KOTA = {
    "31.01": "Kabupaten Administrasi Kepulauan Seribu",
    "31.71": "Kota Administrasi Jakarta Pusat",
    "31.72": "Kota Administrasi Jakarta Utara",
    "31.73": "Kota Administrasi Jakarta Barat",
    "31.74": "Kota Administrasi Jakarta Selatan",
    "31.75": "Kota Administrasi Jakarta Timur",
}
DEFAULT_KELURAHAN = {
    "31.71.01.1001": "Gambir",
    "31.71.06.1003": "Cikini",
    "31.73.03.1008": "Pinangsia",
    "31.74.04.1004": "Ragunan",
    "31.75.10.1008": "Ceger",
}
# Agencies that work through a Suku Dinas in each kota.
SUDIN_AGENCIES = (
    "bina-marga",
    "sda",
    "lingkungan-hidup",
    "pertamanan",
    "perhubungan",
    "satpol-pp",
    "gulkarmat",
    "citata",
    "sosial",
    "kesehatan",
    "pendidikan",
    "dukcapil",
)
TRIAGE_CODE = "triage"

# (unit code, name, role, capacity)
DEMO_OFFICERS = (
    ("kel-31.71.06.1003", "Siti Rahmawati", "officer", 15),
    ("kel-31.71.06.1003", "Agus Setiawan", "officer", 15),
    ("kel-31.71.06.1003", "Hendra Wijaya (Lurah Cikini)", "supervisor", 5),
    ("kel-31.71.01.1001", "Dewi Lestari", "officer", 15),
    ("sda", "Rudi Hartono", "officer", 30),
    ("sudin-sda-31.71", "Yusuf Maulana", "officer", 20),
    ("sudin-sda-31.71", "Ratna Sari (Kasudin SDA Jakpus)", "supervisor", 5),
    ("bina-marga", "Bambang Prasetyo", "officer", 30),
    (TRIAGE_CODE, "Maya Anggraini", "officer", 50),
)


def _short_kota(name: str) -> str:
    for noise in ("Kota Administrasi ", "Kabupaten Administrasi "):
        name = name.replace(noise, "")
    return name


def demo_units(kota: dict[str, str], kelurahan: dict[str, str]) -> list[dict[str, Any]]:
    units: list[dict[str, Any]] = []
    for code, name in AGENCIES.items():
        cats = [c.code for c in CATEGORIES if c.agency == code]
        units.append({"code": code, "name": name, "kind": "agency", "agency": code, "kota_code": None,
                      "area_codes": [], "categories": cats})  # fmt: skip
    for agency in SUDIN_AGENCIES:
        cats = [c.code for c in CATEGORIES if c.agency == agency]
        agency_name = AGENCIES[agency].replace("Dinas ", "").replace("Satuan ", "")
        for kcode, kname in sorted(kota.items()):
            units.append(
                {
                    "code": f"sudin-{agency}-{kcode}",
                    "name": f"Suku Dinas {agency_name} {_short_kota(kname)}",
                    "kind": "sudin",
                    "agency": agency,
                    "kota_code": kcode,
                    "area_codes": [kcode],
                    "categories": cats,
                }
            )
    for code, name in sorted(kelurahan.items()):
        units.append({"code": f"kel-{code}", "name": f"Kelurahan {name}", "kind": "kelurahan", "agency": None,
                      "kota_code": code.rsplit(".", 2)[0], "area_codes": [code], "categories": []})  # fmt: skip
    units.append({"code": TRIAGE_CODE, "name": "Tim Triase Pengaduan Balai Kota", "kind": "triage", "agency": None,
                  "kota_code": None, "area_codes": [], "categories": []})  # fmt: skip
    return units


async def seed_demo(conn: asyncpg.Connection) -> dict[str, Any]:
    """Runs in the caller's transaction; answers what it created (with officer keys, once)."""
    kota = await geo_repository.area_names(conn, "kota_kabupaten")
    kelurahan = await geo_repository.area_names(conn, "kelurahan")
    units = demo_units(kota or DEFAULT_KOTA, kelurahan or DEFAULT_KELURAHAN)
    created_units = await repository.insert_missing_units(conn, units)
    officers = []
    for unit_code, name, role, capacity in DEMO_OFFICERS:
        if not await repository.unit_exists(conn, unit_code):
            continue
        if await repository.officer_named(conn, unit_code, name):
            continue
        officer_id = await repository.insert_demo_officer(
            conn, name=name, unit_code=unit_code, role=role, capacity=capacity
        )
        key = await create_key(conn, name=f"officer:{name}", role=role, officer_id=officer_id)
        officers.append(
            {"id": str(officer_id), "name": name, "unit": unit_code, "role": role, "api_key": key["key"]}
        )
    await bump_revision(conn)
    return {
        "units_created": len(created_units),
        "units_total": await repository.count_units(conn),
        "officers_created": officers,
    }

"""The service catalogue seeded on first migration.

Codes are stable (clients and partner systems store them); names are
Indonesian as Jakarta's CRM shows them; ``agency`` is the code of the OPD
(Organisasi Perangkat Daerah) that owns the category; ``sla_hours`` is the
time to resolution (Jakarta's default is 7 days = 168 h); the time to first
response (coordination) is 6 h for every category.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CategorySeed:
    code: str
    name: str
    name_en: str
    agency: str
    sla_hours: int


AGENCIES: dict[str, str] = {
    "bina-marga": "Dinas Bina Marga",
    "sda": "Dinas Sumber Daya Air",
    "lingkungan-hidup": "Dinas Lingkungan Hidup",
    "pertamanan": "Dinas Pertamanan dan Hutan Kota",
    "perhubungan": "Dinas Perhubungan",
    "satpol-pp": "Satuan Polisi Pamong Praja",
    "gulkarmat": "Dinas Penanggulangan Kebakaran dan Penyelamatan",
    "citata": "Dinas Cipta Karya, Tata Ruang dan Pertanahan",
    "sosial": "Dinas Sosial",
    "inspektorat": "Inspektorat Provinsi DKI Jakarta",
    "kesehatan": "Dinas Kesehatan",
    "pendidikan": "Dinas Pendidikan",
    "dpmptsp": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
    "pam-jaya": "Perumda PAM JAYA",
    "dukcapil": "Dinas Kependudukan dan Pencatatan Sipil",
}

CATEGORIES: tuple[CategorySeed, ...] = (
    CategorySeed("roads", "Jalan Rusak", "Damaged roads", "bina-marga", 168),
    CategorySeed("drainage_flood", "Saluran Air, Kali dan Banjir", "Drains, rivers and floods", "sda", 72),
    CategorySeed("rubbish", "Sampah", "Rubbish", "lingkungan-hidup", 72),
    CategorySeed("trees", "Pohon Tumbang dan Perantingan", "Trees", "pertamanan", 72),
    CategorySeed("street_lights", "Penerangan Jalan Umum", "Street lights", "bina-marga", 120),
    CategorySeed("illegal_parking", "Parkir Liar", "Illegal parking", "perhubungan", 48),
    CategorySeed("street_vendors", "Pedagang Kaki Lima", "Street vendors", "satpol-pp", 120),
    CategorySeed("public_order", "Ketertiban Umum", "Public order", "satpol-pp", 72),
    CategorySeed("noise", "Kebisingan", "Noise", "lingkungan-hidup", 72),
    CategorySeed("fire_hazard", "Bahaya Kebakaran", "Fire hazards", "gulkarmat", 24),
    CategorySeed("tangled_cables", "Kabel Semrawut", "Tangled cables", "bina-marga", 168),
    CategorySeed("public_facilities", "Fasilitas Umum", "Public facilities", "citata", 168),
    CategorySeed("social_aid", "Bantuan Sosial", "Social aid", "sosial", 168),
    CategorySeed(
        "social_welfare",
        "Penyandang Masalah Kesejahteraan Sosial",
        "Homeless and street people",
        "sosial",
        72,
    ),
    CategorySeed("misconduct", "Pelanggaran Aparatur", "Official misconduct", "inspektorat", 336),
    CategorySeed(
        "traffic", "Lalu Lintas dan Angkutan Umum", "Traffic and public transport", "perhubungan", 72
    ),
    CategorySeed("building_violation", "Pelanggaran Bangunan", "Building violations", "citata", 336),
    CategorySeed("water_supply", "Air Bersih", "Water supply", "pam-jaya", 72),
    CategorySeed("health", "Layanan Kesehatan", "Health services", "kesehatan", 168),
    CategorySeed("education", "Layanan Pendidikan", "Education services", "pendidikan", 168),
    CategorySeed("permits", "Perizinan", "Permits", "dpmptsp", 168),
    CategorySeed("civil_registry", "Administrasi Kependudukan", "Civil registry (KTP, KK)", "dukcapil", 168),
)

CATEGORY_CODES = frozenset(c.code for c in CATEGORIES)

"""The data mix: what the load generates and the requests compose, by share."""

from __future__ import annotations

from app.complaints.catalogue import CATEGORIES
from app.complaints.lifecycle import ComplaintStatus
from app.complaints.schemas import CHANNELS

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
STATUSES = tuple(s.value for s in ComplaintStatus)
# Status shares by the complaint's age (in STATUSES' order): the last week is mostly open, older ones mostly closed.
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

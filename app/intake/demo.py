"""``aduan seed demo``'s complaints: a city that looks lived in, made through the real intake.

``seed_demo_complaints`` writes ``n`` complaints spread over Jakarta's kelurahan and the last eight
weeks, each through ``app.intake.pipeline.intake`` (placed, classified, routed to its kelurahan's
unit and, where an officer covers it, assigned, as a real one is), then moves a realistic share
through the lifecycle with ``app.complaints.service.transition`` and the placer's routing hook (the
same calls as ``POST /v1/complaints/{id}/transitions``, so every move is in the history), and gives
some public complaints the support of citizens (``complaint_supports``, hashed supporters).

What it is and is not:

- Deterministic: a seeded ``random.Random`` draws every complaint (text, place, channel, privacy,
  time, fate) from the areas in the database, in code order. ``external_id`` is ``demo-<i>``, so a
  second run finds them all (the intake dedupes (channel, external_id)) and creates nothing; only
  what it creates is backdated, moved and supported.
- No personal data and no messages: no reporter, no contact; the outbox rows of its own events are
  deleted in the same transaction, so no reply, LAPOR! sync or partner webhook is ever sent for
  what the seed did. (Later moves of a demo complaint by an officer go out like any other.)
- Backdated by direct UPDATEs (demo data only): the intake and the service stamp the present; the
  complaint's ``created_at``/``received_at``/``updated_at`` and its events' ``created_at`` are set to
  the drawn times so that the weekly trends and the histories read as eight weeks of work. The SLA
  deadlines are computed from the drawn ``received_at`` (the draft carries it), and the statistics
  trigger (``complaints_stats``, migration 0011) follows the UPDATEs.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import shapely
from shapely.geometry.base import BaseGeometry

from app.complaints import service as complaints_service
from app.complaints.schemas import CHANNELS
from app.core.errors import AppError
from app.core.security import Principal
from app.geo import areas as geo
from app.geo.repository import import_jakarta_if_empty
from app.intake import repository
from app.intake.drafts import ComplaintDraft, LocationDraft, Privacy
from app.intake.pipeline import intake
from app.intake.placement import Placer
from app.public.service import WIB

WEEKS = 8
EXTERNAL_ID_PREFIX = "demo-"
# Who moves the demo complaints through the lifecycle (the history and the audit log name it).
DEMO_PRINCIPAL = Principal(id="demo-seed", name="Data demo", role="admin")

# --------------------------------------------------------------------------- texts
#
# Per category: titles, and what is wrong ({loc} is the place), in the words Jakartans write.


@dataclass(frozen=True, slots=True)
class Topic:
    category: str
    weight: int
    titles: tuple[str, ...]
    problems: tuple[str, ...]
    done: tuple[str, ...]  # the officer's note when resolved


TOPICS: tuple[Topic, ...] = (
    Topic(
        "roads",
        14,
        ("Jalan berlubang", "Jalan rusak parah", "Aspal amblas", "Jalan bergelombang", "Lubang bekas galian"),
        (
            "Jalan berlubang cukup dalam di {loc}, sudah beberapa pengendara motor jatuh.",
            "Aspal amblas di {loc} setelah galian kabel, bekas galian tidak ditutup rapi.",
            "Jalan rusak dan bergelombang di {loc}, kalau hujan jadi kubangan dan licin.",
            "Ada lubang besar di tengah jalan {loc}, warga menandainya dengan ban bekas.",
            "Beton jalan patah dan menganga di {loc}, mobil harus bergantian lewat.",
        ),
        (
            "Lubang sudah ditambal oleh Satgas Bina Marga.",
            "Jalan sudah diaspal ulang.",
            "Bekas galian sudah ditutup dan dipadatkan.",
        ),
    ),  # fmt: skip
    Topic(
        "street_lights",
        10,
        ("Lampu PJU mati", "Lampu jalan padam", "PJU berkedip", "Jalan gelap"),
        (
            "Lampu PJU mati di {loc}, jalan gelap gulita di malam hari dan rawan begal.",
            "Lampu jalan berkedip-kedip lalu padam di {loc}.",
            "Tiga tiang lampu PJU berturut-turut mati di {loc}, anak-anak pulang mengaji lewat situ.",
            "Lampu penerangan jalan di {loc} menyala siang hari tapi mati kalau malam.",
        ),
        ("Lampu PJU sudah diganti dan menyala kembali.", "Instalasi PJU sudah diperbaiki."),
    ),  # fmt: skip
    Topic(
        "drainage_flood",
        14,
        ("Saluran mampet", "Got mampet", "Banjir setiap hujan", "Genangan air", "Saluran penuh sedimen"),
        (
            "Got mampet di {loc}, air meluap ke jalan setiap hujan.",
            "Banjir setinggi lutut di {loc} setiap hujan deras, saluran penuh lumpur.",
            "Saluran air tersumbat sampah dan sedimen di {loc}, baunya menyengat.",
            "Genangan tidak surut berhari-hari di {loc}, jadi sarang nyamuk.",
            "Tutup saluran jebol di {loc}, air kali meluber ke rumah warga.",
        ),
        (
            "Saluran sudah dikeruk oleh petugas PPSU dan Sudin SDA.",
            "Sedimen sudah diangkat, air mengalir lancar.",
            "Pompa mobile dikerahkan, genangan sudah surut.",
        ),
    ),  # fmt: skip
    Topic(
        "rubbish",
        12,
        ("Sampah menumpuk", "TPS liar", "Sampah tidak diangkut", "Buang sampah sembarangan"),
        (
            "Sampah menumpuk di {loc} dan tidak diangkut, baunya sampai ke rumah warga.",
            "Ada TPS liar di {loc}, orang dari luar kampung buang sampah di sana.",
            "Gerobak sampah tidak datang ke {loc}, sampah rumah tangga menggunung.",
            "Warga membuang sampah ke kali di {loc}, alirannya jadi tersumbat.",
        ),
        ("Sampah sudah diangkut oleh Sudin LH.", "TPS liar sudah dibersihkan dan dipasang papan larangan."),
    ),  # fmt: skip
    Topic(
        "trees",
        6,
        ("Pohon tumbang", "Dahan nyaris patah", "Pohon perlu perantingan", "Pohon miring"),
        (
            "Pohon tumbang menutup sebagian jalan di {loc} setelah hujan angin.",
            "Dahan pohon besar nyaris patah di atas jalan {loc}, mohon dilakukan perantingan.",
            "Pohon miring ke arah kabel listrik di {loc}, khawatir roboh saat hujan.",
        ),
        ("Pohon sudah dipotong dan dievakuasi oleh Sudin Pertamanan.", "Perantingan sudah dilakukan."),
    ),  # fmt: skip
    Topic(
        "illegal_parking",
        8,
        ("Parkir liar", "Parkir di trotoar", "Juru parkir liar", "Parkir di bahu jalan"),
        (
            "Mobil parkir di bahu jalan {loc} sampai dua lapis, bikin macet.",
            "Parkir liar di trotoar {loc}, pejalan kaki terpaksa turun ke jalan.",
            "Juru parkir liar memungut bayaran di {loc}, padahal bukan lahan parkir.",
        ),
        ("Petugas Dishub sudah menertibkan dan menderek kendaraan.", "Sudah dilakukan penertiban parkir."),
    ),  # fmt: skip
    Topic(
        "street_vendors",
        7,
        ("PKL di trotoar", "Lapak PKL", "PKL di badan jalan"),
        (
            "PKL berjualan memakan trotoar di {loc}, pejalan kaki tidak bisa lewat.",
            "Lapak pedagang menutup saluran air di {loc}.",
            "PKL berjualan di badan jalan {loc} setiap sore, lalu lintas tersendat.",
        ),
        ("Satpol PP sudah menertibkan PKL dan mengarahkan ke lokasi binaan.",),
    ),  # fmt: skip
    Topic(
        "tangled_cables",
        6,
        ("Kabel semrawut", "Kabel menjuntai", "Tiang kabel miring"),
        (
            "Kabel fiber optik menjuntai rendah di {loc}, bisa tersangkut kendaraan tinggi.",
            "Kabel semrawut dan tiang miring di {loc}, berbahaya kalau hujan angin.",
            "Gulungan kabel bekas ditinggal begitu saja di tiang {loc}.",
        ),
        ("Kabel sudah dirapikan bersama operator jaringan.", "Kabel bekas sudah diturunkan."),
    ),  # fmt: skip
    Topic(
        "water_supply",
        6,
        ("Air PAM mati", "Air PAM keruh", "Pipa PAM bocor"),
        (
            "Air PAM mati di {loc}, warga terpaksa membeli air jeriken.",
            "Air PAM keruh dan berbau di {loc}, tidak bisa dipakai memasak.",
            "Pipa PAM bocor di {loc}, air bersih terbuang ke jalan.",
        ),
        ("Pipa sudah diperbaiki oleh PAM JAYA, aliran normal kembali.", "Aliran air sudah normal."),
    ),  # fmt: skip
    Topic(
        "traffic",
        5,
        ("Lampu lalu lintas mati", "Angkot ngetem", "Rambu roboh"),
        (
            "Lampu lalu lintas di perempatan dekat {loc} mati, lalu lintas semrawut.",
            "Angkot ngetem sembarangan di {loc}, menutup satu lajur.",
            "Rambu lalu lintas roboh di {loc} dan belum diganti.",
        ),
        ("APILL sudah diperbaiki oleh Dishub.", "Rambu sudah dipasang kembali."),
    ),  # fmt: skip
    Topic(
        "noise",
        4,
        ("Kebisingan malam hari", "Suara bising proyek", "Musik keras sampai larut"),
        (
            "Proyek bangunan di {loc} bekerja sampai tengah malam, bising sekali.",
            "Tempat hiburan di {loc} memutar musik keras sampai dini hari.",
            "Bengkel di {loc} mengetok knalpot sampai larut malam.",
        ),
        ("Pemilik usaha sudah diberi teguran dan membatasi jam operasional.",),
    ),  # fmt: skip
    Topic(
        "public_facilities",
        5,
        ("Fasilitas RPTRA rusak", "JPO rusak", "Taman tidak terawat", "Toilet umum rusak"),
        (
            "Ayunan di RPTRA dekat {loc} patah dan berbahaya untuk anak-anak.",
            "Lantai jembatan penyeberangan dekat {loc} berlubang.",
            "Taman di {loc} tidak terawat, lampu taman mati dan bangku rusak.",
            "Toilet umum di {loc} rusak dan tidak ada air.",
        ),
        ("Fasilitas sudah diperbaiki.", "Sudah diperbaiki oleh pengelola."),
    ),  # fmt: skip
    Topic(
        "public_order",
        4,
        ("Tawuran remaja", "Bangunan liar di bantaran", "Spanduk liar"),
        (
            "Sering terjadi tawuran remaja malam hari di {loc}.",
            "Ada bangunan liar berdiri di bantaran kali dekat {loc}.",
            "Spanduk dan baliho liar menutupi rambu di {loc}.",
        ),
        ("Satpol PP dan aparat kelurahan sudah melakukan patroli dan penertiban.",),
    ),  # fmt: skip
    Topic(
        "social_welfare",
        3,
        ("Gelandangan", "Manusia gerobak", "ODGJ terlantar"),
        (
            "Ada manusia gerobak tidur di trotoar {loc} bersama anak kecil.",
            "Seorang ODGJ terlantar di {loc}, kasihan dan kadang mengganggu warga.",
        ),
        ("Sudah dijangkau petugas P3S Dinas Sosial dan dibawa ke panti.",),
    ),  # fmt: skip
    Topic(
        "building_violation",
        2,
        ("Bangunan menutup saluran", "Bangunan tanpa izin"),
        (
            "Bangunan baru di {loc} berdiri di atas saluran air.",
            "Ada pembangunan ruko di {loc} tanpa papan PBG.",
        ),
        ("Sudah diterbitkan surat peringatan oleh Citata.",),
    ),  # fmt: skip
    Topic(
        "fire_hazard",
        2,
        ("Instalasi listrik rawan", "Hidran tidak berfungsi"),
        (
            "Instalasi listrik semrawut di gang {loc}, rawan korsleting dan kebakaran.",
            "Hidran di {loc} tidak berfungsi, padahal permukiman padat.",
        ),
        ("Sudah diperiksa petugas Gulkarmat.",),
    ),  # fmt: skip
)

STREETS = (
    "Jl. Swadaya", "Jl. Masjid", "Jl. Musholla", "Jl. Mawar", "Jl. Melati", "Jl. Kenanga", "Jl. Anggrek",
    "Jl. Kemuning", "Jl. H. Saleh", "Jl. Pendidikan", "Jl. Damai", "Jl. Kebon Baru", "Jl. Pala", "Gg. Langgar",
    "Gg. Buntu", "Jl. Inpres", "Jl. Kampung Baru", "Jl. Persatuan", "Jl. Bhakti", "Jl. Raya", "Gg. Kelor",
    "Jl. Delima", "Jl. Cempaka", "Jl. Pemuda", "Jl. Karya", "Gg. Sawo", "Jl. Asem", "Jl. Rawa",
)  # fmt: skip
LANDMARKS = (
    "depan masjid", "dekat pos RW", "samping SD negeri", "depan minimarket", "dekat halte TransJakarta",
    "seberang pasar", "depan puskesmas", "dekat pertigaan", "ujung gang", "dekat jembatan", "depan sekolah",
    "samping kantor kelurahan", "depan warteg", "dekat musholla", "samping lapangan", "dekat pangkalan ojek",
)  # fmt: skip
SINCE = (
    "Sudah 3 hari begini.", "Sejak seminggu lalu.", "Sudah dua minggu tidak ada perbaikan.",
    "Sejak kemarin malam.", "Hampir sebulan dibiarkan.", "Sudah dilaporkan ke RT tapi belum ada tindakan.", "",
)  # fmt: skip
CLOSINGS = (
    "Mohon segera ditindaklanjuti.", "Tolong dicek, Pak/Bu.", "Warga sudah resah.", "Terima kasih.",
    "Mohon bantuannya.", "Mohon perhatian Pemprov DKI.", "",
)  # fmt: skip

# Jakarta CRM's channels, JAKI first; every one of the 13 appears.
CHANNEL_WEIGHTS = {
    "jaki": 35, "twitter": 10, "sms": 10, "lapor": 8, "facebook": 6, "governor_social": 6, "email": 5,
    "kelurahan": 5, "pendopo": 4, "kecamatan": 4, "walikota": 3, "inspektorat": 2, "media": 2,
}  # fmt: skip
PRIVACY_WEIGHTS: dict[Privacy, int] = {"public": 80, "anonymous": 14, "secret": 6}
# The hour of day (Jakarta) a complaint is written: the city's waking hours.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 7, 9, 9, 8, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 6, 4, 2)
# Kepulauan Seribu: its island kelurahan, far from the crowds, get a third of the share of the others.
ISLANDS_KOTA = "31.01"
ISLANDS_WEIGHT = 0.3

# The fate of a complaint by its age: older ones are more often done. (Over eight weeks about
# 45 % end resolved, 20 % in progress, 10 % dispatched, 5 % rejected, the rest still received.)
FATES = ("received", "dispatched", "in_progress", "rejected", "resolved")
FATE_WEIGHTS_BY_AGE = (  # (younger than, weights in FATES order)
    (timedelta(days=1), (55, 15, 20, 5, 5)),
    (timedelta(days=7), (25, 15, 30, 5, 25)),
    (timedelta.max, (16, 9, 20, 5, 50)),
)
SUPPORTED_SHARE = 0.35  # of public complaints
SUPPORTS_MAX = 40

NOTES = {
    "dispatched": ("Didisposisikan ke Suku Dinas terkait.", "Diteruskan ke Sudin untuk penanganan lapangan."),
    "in_progress": ("Petugas menuju lokasi.", "Sedang ditangani petugas.", "Sudah dicek ke lokasi, segera dikerjakan."),
    "pending_validation": ("Pekerjaan selesai, menunggu validasi lurah.", "Tindak lanjut selesai, menunggu verifikasi."),
    "rejected": (
        "Bukan kewenangan Pemprov DKI Jakarta.",
        "Lokasi tidak dapat ditemukan, mohon laporkan kembali dengan titik yang jelas.",
        "Laporan sudah ditangani sebelumnya.",
    ),
}  # fmt: skip


# --------------------------------------------------------------------------- drawing


@dataclass(frozen=True, slots=True)
class Kelurahan:
    code: str
    name: str
    geometry: BaseGeometry


@dataclass(frozen=True, slots=True)
class DemoComplaint:
    """One drawn complaint: what the intake gets and what happens to it afterwards."""

    index: int
    draft: ComplaintDraft
    at: datetime  # written (created_at, received_at)
    moves: tuple[tuple[str, datetime, str], ...]  # (status, when, note), in order
    supporters: int
    topic: Topic


def random_point(rng: random.Random, geometry: BaseGeometry, tries: int = 2000) -> tuple[float, float]:
    """A point inside ``geometry`` (rejection sampling in its bounds), as (lat, lon)."""
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    for _ in range(tries):
        lon, lat = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
        if shapely.contains_xy(geometry, lon, lat):
            return round(lat, 6), round(lon, 6)
    p = geometry.representative_point()  # a sliver of an island: any point inside will do
    return p.y, p.x


def _written_at(rng: random.Random, now: datetime) -> datetime:
    """A time in the last ``WEEKS`` weeks, in Jakarta's waking hours, at least 15 minutes ago."""
    day = now.astimezone(WIB).date() - timedelta(days=rng.randrange(WEEKS * 7))
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    at = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=WIB)
    if at > now - timedelta(minutes=15):
        at = now - timedelta(minutes=rng.randint(15, 6 * 60))
    return at.astimezone(UTC)


def _moves(
    rng: random.Random, fate: str, topic: Topic, at: datetime, now: datetime
) -> tuple[tuple[str, datetime, str], ...]:
    """The status moves that lead to ``fate``, at realistic intervals after ``at`` (hours to
    days), squeezed into the time there was: every move before ``now``."""
    steps: list[tuple[str, float]] = []
    if fate == "rejected":
        steps = [("rejected", rng.uniform(1, 48))]
    elif fate == "dispatched":
        steps = [("dispatched", rng.uniform(1, 20))]
    elif fate in ("in_progress", "resolved"):
        if rng.random() < 0.3:  # a job for the agency's Suku Dinas rather than the kelurahan's
            steps.append(("dispatched", rng.uniform(1, 12)))
        steps.append(("in_progress", rng.uniform(0.5, 24)))
        if fate == "resolved":
            steps += [("pending_validation", rng.uniform(2, 96)), ("resolved", rng.uniform(0.5, 30))]
    total = sum(h for _, h in steps)
    room = (now - timedelta(minutes=5) - at).total_seconds() / 3600
    scale = min(1.0, room / total) if total else 1.0
    moves = []
    t = at
    for status, h in steps:
        t += timedelta(hours=h * scale)
        note = rng.choice(topic.done if status == "resolved" else NOTES[status])
        moves.append((status, t, note))
    return tuple(moves)


def draw_complaints(
    n: int, kelurahan: list[Kelurahan], categories: set[str], *, now: datetime, seed: int = 42
) -> list[DemoComplaint]:
    """``n`` complaints, the same ones for the same ``seed``, areas, categories and ``now`` (pure).

    Each is drawn from a generator of its own (``seed`` and its index), its channel first: so
    ``demo-<i>`` is always of the same channel, whatever ``now``, and a second run finds it."""
    topics = [t for t in TOPICS if t.category in categories]
    if not topics:
        raise ValueError("none of the demo topics' categories is active")
    kelurahan = sorted(kelurahan, key=lambda k: k.code)
    area_weights = [ISLANDS_WEIGHT if k.code.startswith(ISLANDS_KOTA + ".") else 1.0 for k in kelurahan]
    channels = [c for c in CHANNELS if c in CHANNEL_WEIGHTS]
    privacies = list(PRIVACY_WEIGHTS)
    out = []
    for i in range(n):
        rng = random.Random(f"aduan-demo:{seed}:{i}")
        channel = rng.choices(channels, weights=[CHANNEL_WEIGHTS[c] for c in channels])[0]
        topic = rng.choices(topics, weights=[t.weight for t in topics])[0]
        kel = rng.choices(kelurahan, weights=area_weights)[0]
        lat, lon = random_point(rng, kel.geometry)
        street = rng.choice(STREETS)
        rt, rw = rng.randint(1, 15), rng.randint(1, 12)
        loc = f"{street} {rng.choice(LANDMARKS)}, RT {rt:02d}/RW {rw:02d} Kel. {kel.name}"
        words = [rng.choice(topic.problems).format(loc=loc), rng.choice(SINCE), rng.choice(CLOSINGS)]
        if channel == "twitter":
            words.insert(0, "@DKIJakarta")
        title = f"{rng.choice(topic.titles)} di {street}"
        accuracy = float(rng.choice((5, 10, 15, 30, 50)))
        privacy = rng.choices(privacies, weights=[PRIVACY_WEIGHTS[p] for p in privacies])[0]
        supporters = 0
        if privacy == "public" and rng.random() < SUPPORTED_SHARE:
            supporters = min(SUPPORTS_MAX, int(rng.paretovariate(1.2)))
        at = _written_at(rng, now)
        age = now - at
        weights = next(w for younger_than, w in FATE_WEIGHTS_BY_AGE if age < younger_than)
        fate = rng.choices(FATES, weights=weights)[0]
        moves = _moves(rng, fate, topic, at, now)
        draft = ComplaintDraft(
            channel=channel,
            external_id=f"{EXTERNAL_ID_PREFIX}{i}",
            title=title,
            description=" ".join(w for w in words if w),
            category=topic.category,
            location=LocationDraft(
                lat=lat,
                lon=lon,
                accuracy_m=accuracy,
                address=f"{street}, RT {rt:02d}/RW {rw:02d}, {kel.name}",
            ),
            privacy=privacy,
            received_at=at,
            metadata={"demo": True},
        )
        out.append(DemoComplaint(i, draft, at, moves, supporters, topic))
    return out


# --------------------------------------------------------------------------- writing

_KELURAHAN_SQL = (
    "SELECT code, name, geometry::text AS geometry FROM areas "
    "WHERE level = 'kelurahan' AND geometry IS NOT NULL ORDER BY code"
)
# Demo data only: the intake and the service stamp the present, the demo's history is in the past.
_BACKDATE_COMPLAINT_SQL = (
    "UPDATE complaints SET created_at = $2, received_at = $2, updated_at = $2 WHERE id = $1"
)
# The events the last step wrote (stamped now, after every earlier, already backdated, one).
_BACKDATE_EVENTS_SQL = (
    "UPDATE complaint_events SET created_at = $2 WHERE complaint_id = $1 AND created_at > $2"
)
_SUPPORT_SQL = (
    "INSERT INTO complaint_supports (complaint_id, supporter, created_at) "
    "SELECT $1, s.supporter, s.at FROM unnest($2::text[], $3::timestamptz[]) AS s(supporter, at) "
    "ON CONFLICT DO NOTHING"
)
_COUNT_SUPPORTS_SQL = (
    "UPDATE complaints SET supports = (SELECT count(*) FROM complaint_supports WHERE complaint_id = $1) "
    "WHERE id = $1"
)
# What the seed did is told to nobody: no reply, no LAPOR! sync, no partner webhook.
_SILENCE_SQL = "DELETE FROM outbox WHERE complaint_id = ANY($1::uuid[])"


async def demo_kelurahan(conn: asyncpg.Connection) -> list[Kelurahan]:
    """The kelurahan with a boundary, in code order."""
    out = []
    for r in await conn.fetch(_KELURAHAN_SQL):
        geometry = geo.from_geojson(json.loads(r["geometry"]))
        shapely.prepare(geometry)
        out.append(Kelurahan(r["code"], r["name"], geometry))
    return out


def supporter_hash(index: int, k: int) -> str:
    """A demo supporter as ``complaint_supports`` names supporters: a SHA-256, no personal data."""
    return hashlib.sha256(f"aduan-demo-supporter\x00{index}\x00{k}".encode()).hexdigest()


async def seed_demo_complaints(
    conn: asyncpg.Connection,
    placer: Placer,
    n: int = 300,
    *,
    now: datetime | None = None,
    seed: int = 42,
) -> dict[str, Any]:
    """Create the ``n`` demo complaints not there yet (see the module's docstring), in the
    caller's transaction. Jakarta's areas are imported first when the database has none.

    Answers ``created`` and ``existing`` (counts), ``statuses`` (status -> count, of those
    created), ``supports`` (supports written) and ``areas_imported``."""
    now = now or datetime.now(UTC)
    result: dict[str, Any] = {"created": 0, "existing": 0, "statuses": {}, "supports": 0, "areas_imported": 0}
    if n <= 0:
        return result
    result["areas_imported"] = await import_jakarta_if_empty(conn)
    if result["areas_imported"]:
        await placer.load(conn)
    else:
        await placer.ensure_fresh(conn)
    kelurahan = await demo_kelurahan(conn)
    if not kelurahan:
        raise AppError("no kelurahan has a boundary: import areas with boundaries (`aduan areas import`)")
    categories = {r["code"] for r in await repository.active_categories(conn)}
    created: list[uuid.UUID] = []
    statuses: dict[str, int] = {}
    for demo in draw_complaints(n, kelurahan, categories, now=now, seed=seed):
        row, is_new = await intake(
            conn, demo.draft, placer=placer, actor=f"channel:{demo.draft.channel}", created_by=None
        )
        if not is_new:
            result["existing"] += 1
            continue
        cid: uuid.UUID = row["id"]
        created.append(cid)
        await conn.execute(_BACKDATE_COMPLAINT_SQL, cid, demo.at)
        await conn.execute(_BACKDATE_EVENTS_SQL, cid, demo.at)
        version: int = row["version"]
        for status, at, note in demo.moves:
            moved = await complaints_service.transition(
                conn,
                cid,
                status=status,
                note=note,
                public=True,
                principal=DEMO_PRINCIPAL,
                if_match=version,
                now=at,
            )
            # As POST /v1/complaints/{id}/transitions does: dispatched hands it to the Suku Dinas.
            moved = await placer.after_transition(conn, moved) or moved
            version = moved["version"]
            await conn.execute(_BACKDATE_EVENTS_SQL, cid, at)
        status = demo.moves[-1][0] if demo.moves else "received"
        statuses[status] = statuses.get(status, 0) + 1
        if demo.supporters:
            until = demo.moves[-1][1] if status == "resolved" and demo.moves else now
            span = max((until - demo.at).total_seconds(), 60.0)
            hashes = [supporter_hash(demo.index, k) for k in range(demo.supporters)]
            times = [
                demo.at + timedelta(seconds=span * (k + 1) / (demo.supporters + 1))
                for k in range(demo.supporters)
            ]
            await conn.execute(_SUPPORT_SQL, cid, hashes, times)
            await conn.execute(_COUNT_SUPPORTS_SQL, cid)
            result["supports"] += demo.supporters
    if created:
        await conn.execute(_SILENCE_SQL, created)
    result["created"] = len(created)
    result["statuses"] = dict(sorted(statuses.items()))
    return result

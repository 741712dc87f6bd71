"""Routing: administrative areas, units, officers, the routing revision; keywords seeded into the catalogue.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 06:59:53.702314
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Default keywords per category (app.routing.keywords as it stood when this revision was written):
# a snapshot, so later edits of app code never change what this revision does.
KEYWORD_SEED: dict[str, list[str]] = {
    'roads': [
        'jalan rusak:3', 'jalan berlubang:3', 'jalan bolong:3', 'lubang:2', 'bolong:1', 'aspal:2',
        'aspal rusak:3', 'aspal mengelupas:3', 'aspal ambles:3', 'jalan ambles:3', 'amblas:2', 'ambles:2',
        'retak:1', 'jalan retak:3', 'tambal:2', 'tambal sulam:3', 'perbaikan jalan:3', 'pengaspalan:3',
        'jalan bergelombang:3', 'bergelombang:2', 'jalan licin:2', 'trotoar rusak:3', 'trotoar:1',
        'paving:2', 'paving block:2', 'conblock:2', 'polisi tidur:2', 'speed bump:2', 'galian:2',
        'bekas galian:3', 'galian kabel:2', 'galian pipa:2', 'urugan:1', 'jembatan rusak:2',
        'motor jatuh:2', 'motor sering jatuh:2', 'kecelakaan karena lubang:3', 'kubangan:2',
        'jalan hancur:3', 'jalan jelek:2', 'jalan becek:1',
    ],
    'drainage_flood': [
        'banjir:3', 'kebanjiran:3', 'genangan:3', 'tergenang:3', 'genangan air:3', 'rob:3', 'banjir rob:3',
        'got:2', 'got mampet:3', 'got tersumbat:3', 'selokan:2', 'selokan mampet:3', 'saluran air:2',
        'saluran tersumbat:3', 'drainase:3', 'mampet:2', 'tersumbat:2', 'sumbat:1', 'luber:2', 'meluap:2',
        'kali:1', 'sungai:1', 'kali meluap:3', 'kali kotor:2', 'sedimen:2', 'lumpur:1', 'pengerukan:3',
        'keruk:2', 'normalisasi kali:3', 'tanggul:2', 'tanggul jebol:3', 'pompa air banjir:3',
        'rumah pompa:3', 'pintu air:2', 'air naik:2', 'setinggi lutut:2', 'semata kaki:2',
        'gorong gorong:3', 'saluran penghubung:2', 'phb:2', 'turap:2', 'air tidak surut:3',
    ],
    'rubbish': [
        'sampah:3', 'sampah menumpuk:3', 'sampah numpuk:3', 'numpuk:1', 'tumpukan:1', 'tps:2', 'tps liar:3',
        'buang sampah:3', 'pembuangan sampah:3', 'tempat sampah:3', 'tong sampah:3', 'truk sampah:3',
        'gerobak sampah:3', 'petugas kebersihan:2', 'pasukan oranye:3', 'ppsu:2', 'bau busuk:2',
        'bau menyengat:1', 'bau:1', 'belatung:2', 'lalat:1', 'bangkai:2', 'limbah:1', 'puing:1', 'kotor:1',
        'jorok:1', 'tidak diangkut:2', 'belum diangkut:2', 'sampah berserakan:3', 'dibakar:1',
        'bakar sampah:2', 'kantong plastik:1', 'sampah liar:3',
    ],
    'trees': [
        'pohon:2', 'pohon tumbang:3', 'pohon roboh:3', 'pohon miring:3', 'dahan:2', 'ranting:2',
        'cabang pohon:3', 'perantingan:3', 'pangkas:2', 'pemangkasan:3', 'tebang:2', 'penebangan:3',
        'akar pohon:3', 'daun kering:1', 'pohon rawan tumbang:3', 'tumbang:2', 'roboh:1', 'rimbun:2',
        'pohon lapuk:3', 'dahan patah:3', 'menimpa:1', 'keropos:1', 'taman kota:1',
    ],
    'street_lights': [
        'pju:3', 'pju mati:3', 'lampu jalan:3', 'lampu jalan mati:3', 'lampu penerangan:3',
        'penerangan jalan:3', 'lampu mati:2', 'lampu padam:2', 'lampu kedip:2', 'lampu kedap kedip:2',
        'gelap gulita:2', 'gelap:1', 'tiang lampu:3', 'lampu taman:2', 'lampu redup:2', 'lampu:1',
        'lampu jembatan:2', 'lampu jpo:2', 'lampu penyeberangan:2', 'lampu putus:2',
    ],
    'illegal_parking': [
        'parkir liar:3', 'parkir sembarangan:3', 'parkir di trotoar:3', 'parkir di bahu jalan:3',
        'juru parkir:3', 'jukir:3', 'jukir liar:3', 'tukang parkir:3', 'parkir:2', 'markir:2', 'derek:2',
        'diderek:2', 'mobil parkir:2', 'motor parkir:2', 'parkir badan jalan:3', 'bayar parkir:2',
        'tarif parkir:2', 'karcis parkir:2', 'parkir ilegal:3', 'dua lapis:1', 'gembok roda:2',
    ],
    'street_vendors': [
        'pkl:3', 'pedagang kaki lima:3', 'pedagang:2', 'berdagang:2', 'dagang:2', 'lapak:2', 'lapak liar:3',
        'gerobak:1', 'jualan:2', 'berjualan:2', 'jualan di trotoar:3', 'asongan:2', 'pasar tumpah:3',
        'warung tenda:2', 'tenda:1', 'penertiban pkl:3', 'pedagang liar:3', 'pedagang kopi keliling:2',
        'starling:2', 'kios liar:3',
    ],
    'public_order': [
        'ormas:3', 'preman:3', 'premanisme:3', 'tawuran:3', 'pemalakan:3', 'palak:3', 'malak:3',
        'pungutan liar ormas:3', 'mabuk:2', 'miras:3', 'minuman keras:3', 'judi:3', 'perjudian:3',
        'judi online:2', 'balap liar:3', 'geng motor:3', 'ketertiban:2', 'ketertiban umum:3', 'satpol pp:2',
        'satpol:2', 'onar:2', 'keributan:2', 'ribut:1', 'begal:2', 'copet:2', 'mencuri:1', 'maling:2',
        'prostitusi:3', 'spanduk liar:3', 'baliho liar:3', 'reklame liar:3', 'coretan:2', 'vandalisme:3',
        'corat coret:3', 'mesum:2', 'nongkrong:1', 'bikin resah:2', 'meresahkan:2', 'resah:1',
    ],
    'noise': [
        'bising:3', 'kebisingan:3', 'berisik:3', 'suara keras:3', 'musik keras:3', 'sound system:3',
        'sound horeg:3', 'knalpot:2', 'knalpot brong:3', 'knalpot bising:3', 'karaoke:2',
        'tempat hiburan malam:2', 'dangdutan:2', 'organ tunggal:2', 'speaker:2', 'pengeras suara:2',
        'toa:1', 'suara mesin:2', 'mengganggu tidur:3', 'ganggu tidur:3', 'tengah malam:1',
        'sampai subuh:1', 'sampai pagi:1', 'desibel:3', 'genset:1', 'konser:1', 'ribut:1',
    ],
    'fire_hazard': [
        'kebakaran:3', 'terbakar:3', 'api:2', 'asap:1', 'korsleting:3', 'korslet:3', 'konsleting:3',
        'hubungan arus pendek:3', 'apar:3', 'alat pemadam:3', 'pemadam kebakaran:3', 'damkar:3', 'hidran:3',
        'hydrant:3', 'tabung gas:2', 'gas bocor:3', 'bocor gas:3', 'bau gas:3', 'rawan kebakaran:3',
        'rawan terbakar:3', 'percikan api:3', 'jalur evakuasi:2', 'sarang tawon:2', 'tawon:2', 'ular:2',
        'evakuasi hewan:2', 'mudah terbakar:3', 'bensin eceran:2',
    ],
    'tangled_cables': [
        'kabel:2', 'kabel semrawut:3', 'semrawut:2', 'kabel menjuntai:3', 'menjuntai:3', 'kabel putus:3',
        'kabel kusut:3', 'kabel fiber:3', 'kabel optik:3', 'fiber optik:3', 'kabel listrik:2',
        'kabel telepon:3', 'kabel internet:3', 'tiang kabel:2', 'tiang miring:2', 'tiang listrik:2',
        'tiang telkom:3', 'kabel melintang:3', 'kabel rendah:3', 'kabel jatuh:3', 'kabel bergelantungan:3',
        'gelantungan:2', 'utilitas:2', 'kabel udara:3', 'ducting:2',
    ],
    'public_facilities': [
        'fasilitas umum:3', 'fasum:3', 'fasos:2', 'halte:2', 'halte rusak:3', 'jpo:2',
        'jembatan penyeberangan:3', 'toilet umum:3', 'wc umum:3', 'taman:1', 'rptra:3', 'taman bermain:2',
        'ayunan:2', 'bangku taman:3', 'kursi taman:3', 'lapangan:1', 'gor:2', 'pagar rusak:2', 'pagar:1',
        'fasilitas rusak:3', 'lift:2', 'eskalator:2', 'tangga:1', 'atap bocor:2', 'rambu:1', 'pos ronda:2',
        'masjid:1', 'jogging track:2', 'sarana:1', 'prasarana:1', 'tempat duduk:1', 'ubin:1', 'keramik:1',
    ],
    'social_aid': [
        'bansos:3', 'bantuan sosial:3', 'bantuan:2', 'sembako:3', 'blt:3', 'pkh:3', 'kks:3',
        'kartu lansia jakarta:3', 'klj:3', 'kartu penyandang disabilitas:3', 'kpdj:3', 'dtks:3',
        'tidak terdaftar:2', 'belum terdaftar:2', 'belum cair:2', 'tidak cair:2', 'pencairan:3',
        'tidak tepat sasaran:3', 'salah sasaran:3', 'penerima bantuan:3', 'data penerima:3',
        'bantuan pangan:3', 'beras:1', 'subsidi:1', 'pangan murah:2', 'tidak dapat bantuan:3',
        'warga miskin:2', 'kurang mampu:2',
    ],
    'social_welfare': [
        'gelandangan:3', 'pengemis:3', 'mengemis:3', 'manusia gerobak:3', 'anak jalanan:3', 'anjal:3',
        'pengamen:3', 'ngamen:3', 'odgj:3', 'orang gila:3', 'gangguan jiwa:3', 'tunawisma:3', 'terlantar:3',
        'telantar:3', 'lansia terlantar:3', 'pmks:3', 'badut jalanan:3', 'manusia silver:3',
        'tidur di trotoar:2', 'tidur di kolong:3', 'kolong jembatan:2', 'minta minta:3', 'pak ogah:3',
        'ogah:1', 'eksploitasi anak:3', 'disabilitas:1', 'panti sosial:2',
    ],
    'misconduct': [
        'pungli:3', 'pungutan liar:3', 'suap:3', 'disuap:3', 'sogok:3', 'uang pelicin:3', 'korupsi:3',
        'gratifikasi:3', 'oknum:2', 'oknum petugas:3', 'oknum pegawai:3', 'asn:2', 'pns:2',
        'pegawai kelurahan:2', 'petugas kelurahan:2', 'aparat:2', 'aparatur:2', 'minta uang:2',
        'uang rokok:3', 'uang damai:3', 'tidak ramah:2', 'judes:2', 'kasar:1', 'pelayanan buruk:2',
        'bolos:2', 'jam kerja:2', 'main hp:2', 'penyalahgunaan:3', 'wewenang:2', 'tidak netral:3', 'calo:2',
        'nepotisme:3',
    ],
    'traffic': [
        'macet:3', 'kemacetan:3', 'macet parah:3', 'lampu lalu lintas:3', 'lampu merah:3',
        'traffic light:3', 'bangjo:3', 'apill:3', 'lalu lintas:2', 'lalin:3', 'rambu lalu lintas:3',
        'marka:3', 'marka jalan:3', 'zebra cross:3', 'putar balik:2', 'u turn:2', 'lawan arah:3',
        'melawan arus:3', 'ganjil genap:3', 'angkot:3', 'angkutan umum:3', 'mikrotrans:3', 'jaklingko:3',
        'transjakarta:3', 'busway:3', 'bus:2', 'halte transjakarta:3', 'sopir:2', 'supir:2', 'ngetem:3',
        'ojol:2', 'ojek:2', 'krl:2', 'mrt:2', 'lrt:2', 'kereta api:2', 'trayek:3', 'dishub:2',
        'kebut kebutan:2', 'ugal ugalan:3', 'pengendara:1', 'kendaraan:1', 'kendaraan berat:2', 'truk:1',
        'simpang:1', 'perempatan:2', 'pertigaan:1', 'penyeberangan orang:1',
    ],
    'building_violation': [
        'imb:3', 'pbg:3', 'tanpa izin:2', 'bangunan liar:3', 'bangunan tanpa izin:3', 'bangli:3',
        'melanggar garis sempadan:3', 'sempadan:3', 'gsb:3', 'bangunan:2', 'membangun:2', 'pembangunan:2',
        'renovasi:2', 'bangun rumah:2', 'tambah lantai:3', 'lantai tambahan:3', 'menutup saluran:2',
        'di atas saluran:3', 'di atas trotoar:2', 'slf:3', 'alih fungsi:3', 'rumah kos:2', 'kos kosan:2',
        'segel:2', 'disegel:2', 'bongkar:2', 'pembongkaran:2', 'kontraktor:2', 'proyek:2',
        'material bangunan:2', 'menyalahi izin:3', 'tata ruang:3', 'zonasi:2', 'rumah tinggal jadi:3',
        'gudang:1', 'tembok:1',
    ],
    'water_supply': [
        'air bersih:3', 'pam:3', 'pam jaya:3', 'palyja:3', 'aetra:3', 'pdam:3', 'air pam:3', 'air mati:3',
        'air tidak mengalir:3', 'air tidak keluar:3', 'air keruh:3', 'air bau:2', 'air kotor:1',
        'pipa bocor:3', 'pipa pecah:3', 'pipa:2', 'meteran air:3', 'meter air:3', 'tagihan air:3',
        'rekening air:3', 'debit air:3', 'air kecil:2', 'air ngecil:3', 'tekanan air:3',
        'mobil tangki air:3', 'tangki air:2', 'sumur:1', 'krisis air:3', 'air macet:3', 'kran:2', 'keran:2',
        'air minum:2', 'air tanah:1',
    ],
    'health': [
        'puskesmas:3', 'rumah sakit:3', 'rs:2', 'rsud:3', 'bpjs:3', 'bpjs kesehatan:3', 'kis:2', 'dokter:2',
        'perawat:2', 'bidan:2', 'pasien:3', 'obat:2', 'berobat:3', 'rawat inap:3', 'igd:3', 'ugd:3',
        'ambulans:3', 'ambulance:3', 'antrean pasien:3', 'rujukan:3', 'vaksin:3', 'imunisasi:3',
        'posyandu:3', 'demam berdarah:3', 'dbd:3', 'fogging:3', 'jentik:2', 'nyamuk:2', 'diare:2',
        'sakit:1', 'layanan kesehatan:3', 'fasilitas kesehatan:3', 'faskes:3', 'stunting:3', 'tbc:3',
        'kamar penuh:2',
    ],
    'education': [
        'sekolah:2', 'ppdb:3', 'zonasi sekolah:3', 'kjp:3', 'kjp plus:3', 'kartu jakarta pintar:3',
        'guru:2', 'murid:2', 'siswa:2', 'pelajar:1', 'kepala sekolah:3', 'sd negeri:3', 'smp negeri:3',
        'sma negeri:3', 'smk negeri:3', 'sdn:3', 'smpn:3', 'sman:3', 'smkn:3', 'pungutan sekolah:3',
        'uang seragam:3', 'seragam:2', 'buku paket:3', 'ijazah:3', 'rapor:3', 'raport:3', 'daftar ulang:2',
        'pendidikan:2', 'bullying:2', 'perundungan:2', 'kelas:1', 'beasiswa:2', 'kjmu:2', 'ujian:2',
        'paud:3', 'tk negeri:2',
    ],
    'permits': [
        'izin:2', 'ijin:2', 'perizinan:3', 'perijinan:3', 'izin usaha:3', 'nib:3', 'oss:3', 'siup:3',
        'tdp:3', 'sip:1', 'izin reklame:3', 'izin keramaian:2', 'izin praktik:3', 'ptsp:3', 'dpmptsp:3',
        'pelayanan terpadu:3', 'pengurusan izin:3', 'mengurus izin:3', 'izin lingkungan:3', 'amdal:3',
        'izin operasional:3', 'sertifikat laik fungsi:2', 'permohonan izin:3', 'izin belum keluar:3',
        'izin lama:2', 'izin usaha mikro:3', 'iumk:3', 'sku:2', 'surat keterangan usaha:3',
        'izin tempat usaha:3', 'berkas izin:3',
    ],
    'civil_registry': [
        'ktp:3', 'e ktp:3', 'ektp:3', 'kk:3', 'kartu keluarga:3', 'akta kelahiran:3', 'akte kelahiran:3',
        'akta kematian:3', 'akta:2', 'akte:2', 'dukcapil:3', 'disdukcapil:3', 'nik:3', 'blanko:3',
        'blangko:3', 'rekam ktp:3', 'perekaman:3', 'kia:3', 'kartu identitas anak:3', 'pindah domisili:3',
        'domisili:2', 'surat pindah:3', 'skpwni:3', 'adminduk:3', 'kependudukan:3',
        'identitas kependudukan:3', 'cetak ktp:3', 'ktp el:3', 'ganti alamat:2', 'nik ganda:3',
        'nik tidak terdaftar:3', 'kartu kuning:1', 'penonaktifan nik:3', 'nik dinonaktifkan:3', 'suket:2',
        'ikd:3', 'identitas kependudukan digital:3',
    ],
}


def upgrade() -> None:
    op.create_table('areas',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_code', sa.String(length=20), nullable=True),
    sa.Column('geometry', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('min_lon', sa.Double(), nullable=True),
    sa.Column('min_lat', sa.Double(), nullable=True),
    sa.Column('max_lon', sa.Double(), nullable=True),
    sa.Column('max_lat', sa.Double(), nullable=True),
    sa.Column('repaired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("level IN ('provinsi', 'kota_kabupaten', 'kecamatan', 'kelurahan')", name=op.f('ck_areas_level')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_areas'))
    )
    op.create_index('ix_areas_level_parent', 'areas', ['level', 'parent_code', 'code'], unique=False)
    op.create_table('routing_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_routing_revision_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_revision'))
    )
    op.create_table('units',
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('agency', sa.String(length=60), nullable=True),
    sa.Column('kota_code', sa.String(length=20), nullable=True),
    sa.Column('area_codes', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('categories', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('kelurahan', 'kecamatan', 'kota', 'agency', 'sudin', 'triage')", name=op.f('ck_units_kind')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_units'))
    )
    op.create_index(op.f('ix_units_kind'), 'units', ['kind'], unique=False)
    op.create_table('officers',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit_code', sa.String(length=60), nullable=False),
    sa.Column('role', sa.String(length=20), server_default=sa.text("'officer'"), nullable=False),
    sa.Column('area_codes', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('categories', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('capacity', sa.Integer(), server_default=sa.text('20'), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('last_assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('officer', 'supervisor')", name=op.f('ck_officers_role')),
    sa.CheckConstraint('capacity >= 0', name=op.f('ck_officers_capacity')),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_officers_unit_code_units'), onupdate='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officers'))
    )
    op.create_index(op.f('ix_officers_unit_code'), 'officers', ['unit_code'], unique=False)

    op.execute("INSERT INTO routing_revision (id) VALUES (1)")
    categories = sa.table('categories', sa.column('code', sa.String), sa.column('keywords', postgresql.JSONB))
    for code, words in KEYWORD_SEED.items():
        op.execute(categories.update().where(categories.c.code == code).values(keywords=words))


def downgrade() -> None:
    op.execute("UPDATE categories SET keywords = '[]'::jsonb")
    op.drop_index(op.f('ix_officers_unit_code'), table_name='officers')
    op.drop_table('officers')
    op.drop_index(op.f('ix_units_kind'), table_name='units')
    op.drop_table('units')
    op.drop_table('routing_revision')
    op.drop_index('ix_areas_level_parent', table_name='areas')
    op.drop_table('areas')

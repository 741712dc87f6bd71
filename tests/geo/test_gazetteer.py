import pytest

from app.geo.areas import AreaRow, parse_hierarchy_csv
from app.geo.gazetteer import Gazetteer, fold_word, name_key
from app.geo.jakarta import DIR as JAKARTA_DATA  # shipped with the package


def _rows() -> list[AreaRow]:
    # Two kota, each with a kelurahan called "Sukamaju" (the ambiguity), a kelurahan named like
    # its own kecamatan, a kelurahan with an ordinary-word name, and a spelling-variant target.
    data = [
        ("provinsi", "99", "Provinsi Uji", None),
        ("kota_kabupaten", "99.71", "Kota Administrasi Jakarta Pusat", "99"),
        ("kota_kabupaten", "99.74", "Kota Administrasi Jakarta Selatan", "99"),
        ("kecamatan", "99.71.01", "Menteng", "99.71"),
        ("kecamatan", "99.71.02", "Tanah Abang", "99.71"),
        ("kecamatan", "99.74.01", "Kebayoran Baru", "99.74"),
        ("kelurahan", "99.71.01.1001", "Menteng", "99.71.01"),
        ("kelurahan", "99.71.01.1002", "Cikini", "99.71.01"),
        ("kelurahan", "99.71.01.1003", "Sukamaju", "99.71.01"),
        ("kelurahan", "99.71.02.1001", "Kebon Melati", "99.71.02"),
        ("kelurahan", "99.71.02.1002", "Gelora", "99.71.02"),
        ("kelurahan", "99.74.01.1001", "Sukamaju", "99.74.01"),
        ("kelurahan", "99.74.01.1002", "Pulo", "99.74.01"),
        ("kelurahan", "99.74.01.1003", "Pasar Minggu", "99.74.01"),
    ]
    return [AreaRow(*r) for r in data]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_areas(_rows())


def _found(gaz: Gazetteer, text: str) -> list[tuple[str, str, bool]]:
    return [(m.code, text[m.start : m.end], m.ambiguous) for m in gaz.find(text)]


def test_fold_word_undoes_old_spelling_and_doubles():
    assert fold_word("Tjikini") == "cikini"
    assert fold_word("Djatinegara") == "jatinegara"
    assert fold_word("Poetih") == "putih"
    assert name_key("Cikinii") == "cikini"
    assert name_key("Tanah Abang") == name_key("Tanahabang")
    assert name_key("Kramat Djati") == name_key("Kramatjati")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jalan berlubang di Kel. Cikini dekat halte", [("99.71.01.1002", "Cikini", False)]),
        ("kelurahan cikini", [("99.71.01.1002", "cikini", False)]),
        ("CIKINI!!!", [("99.71.01.1002", "CIKINI", False)]),
        ("lampu mati di Tjikini", [("99.71.01.1002", "Tjikini", False)]),
        ("got mampet di Kel.Cikinii", [("99.71.01.1002", "Cikinii", False)]),
        ("Kec Tanah Abang", [("99.71.02", "Tanah Abang", False)]),
        ("macet di tanahabang", [("99.71.02", "tanahabang", False)]),
        ("Kb. Melati", [("99.71.02.1001", "Kb. Melati", False)]),
        ("Kebun Melati", [("99.71.02.1001", "Kebun Melati", False)]),
        ("banjir Kebajoran Baroe", [("99.74.01", "Kebajoran Baroe", False)]),
        ("pasarminggu", [("99.74.01.1003", "pasarminggu", False)]),
    ],
)
def test_names_and_spelling_variants(gaz, text, expected):
    assert _found(gaz, text) == expected


def test_prefix_selects_the_level_for_a_kelurahan_named_like_its_kecamatan(gaz):
    assert _found(gaz, "kelurahan menteng") == [("99.71.01.1001", "menteng", False)]
    assert _found(gaz, "Kecamatan Menteng") == [("99.71.01", "Menteng", False)]
    # Unprefixed, the kecamatan is the safe reading: it contains the kelurahan either way.
    assert _found(gaz, "di Menteng") == [("99.71.01", "Menteng", False)]


def test_kota_shorthands(gaz):
    for text in ("Jakpus", "jakarta pusat", "Kota Administrasi Jakarta Pusat", "Kota Jakarta Pusat"):
        assert [m.code for m in gaz.find(text)] == ["99.71"], text
    assert [m.code for m in gaz.find("jaksel")] == ["99.74"]


def test_common_word_names_need_a_prefix(gaz):
    assert gaz.find("semangat gelora warga, pulo seribu") == []
    assert _found(gaz, "Kel. Gelora") == [("99.71.02.1002", "Gelora", False)]
    assert _found(gaz, "Kelurahan Pulo") == [("99.74.01.1002", "Pulo", False)]


def test_names_match_whole_words_only(gaz):
    assert gaz.find("Cikiniraya") == []
    assert gaz.find("supermentengan") == []


def test_ambiguous_kelurahan_without_context_returns_all_candidates(gaz):
    found = _found(gaz, "sampah numpuk di Sukamaju")
    assert found == [("99.71.01.1003", "Sukamaju", True), ("99.74.01.1001", "Sukamaju", True)]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Kel. Sukamaju, Kec. Kebayoran Baru", "99.74.01.1001"),
        ("Sukamaju Jaksel", "99.74.01.1001"),
        ("Sukamaju, Menteng, Jakarta Pusat", "99.71.01.1003"),
    ],
)
def test_ambiguity_resolved_by_a_named_kecamatan_or_kota(gaz, text, code):
    kel = [m for m in gaz.find(text) if m.level == "kelurahan"]
    assert [(m.code, m.ambiguous) for m in kel] == [(code, False)]


def test_offsets_point_into_the_original_text(gaz):
    text = "Tolong, PJU mati di Kel. Cikini & Kec. Tanah Abang (Jakpus)."
    assert [text[m.start : m.end] for m in gaz.find(text)] == ["Cikini", "Tanah Abang", "Jakpus"]


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def jakarta() -> Gazetteer:
    rows = parse_hierarchy_csv((JAKARTA_DATA / "jakarta_admin_areas.csv").read_text(encoding="utf-8"))
    return Gazetteer.from_areas(rows)


@pytest.mark.parametrize(
    ("text", "code", "level"),
    [
        ("Jalan berlubang di Jl. Cikini Raya, Kel. Cikini", "31.71.06.1003", "kelurahan"),
        ("kelurahan menteng", "31.71.06.1001", "kelurahan"),
        ("Kec Tanah Abang", "31.71.07", "kecamatan"),
        ("lampu mati di Tjikini", "31.71.06.1003", "kelurahan"),
        ("banjir di Kramat Djati", "31.75.04", "kecamatan"),
        ("Kel. Tjempaka Poetih Timoer", "31.71.05.1001", "kelurahan"),
        ("Pd. Kelapa", "31.75.07.1004", "kelurahan"),
        ("Tj. Priok", "31.72.02", "kecamatan"),
        ("P. Tidung", "31.01.02.1002", "kelurahan"),
        ("Jaktim", "31.75", "kota_kabupaten"),
    ],
)
def test_real_jakarta_names(jakarta, text, code, level):
    assert [(m.code, m.level) for m in jakarta.find(text)][:1] == [(code, level)]


def test_real_jakarta_jatinegara_is_ambiguous_until_cakung_is_named(jakarta):
    # Jatinegara is a kecamatan of Jakarta Timur and also a kelurahan of Kecamatan Cakung.
    alone = jakarta.find("got mampet di Jatinegara")
    assert {(m.code, m.ambiguous) for m in alone} == {("31.75.03", True), ("31.75.06.1001", True)}
    with_kec = jakarta.find("got mampet di Jatinegara, Kec. Cakung")
    assert [(m.code, m.ambiguous) for m in with_kec] == [("31.75.06.1001", False), ("31.75.06", False)]
    assert [m.code for m in jakarta.find("Kec. Jatinegara")] == ["31.75.03"]


def test_real_jakarta_common_words_stay_silent(jakarta):
    text = "Tangki air bocor di tengah jalan baru, pohon jati tumbang di gunung, Jawa Tengah"
    assert jakarta.find(text) == []
    assert [m.code for m in jakarta.find("Kel. Tengah, Kramat Jati")] == ["31.75.04.1002", "31.75.04"]

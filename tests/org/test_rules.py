"""The routing rules (app/org/rules.py), table-driven: trigger x facts x units -> unit."""

from __future__ import annotations

import pytest

from app.org.rules import ComplaintFacts, UnitDirectory, UnitInfo, decide

UNITS = UnitDirectory.build(
    [
        UnitInfo("kel-cikini", "Kelurahan Cikini", "kelurahan", area_codes=("31.71.06.1003",)),
        UnitInfo("kec-menteng", "Kecamatan Menteng", "kecamatan", area_codes=("31.71.06",)),
        UnitInfo("kota-jakpus", "Kota Jakarta Pusat", "kota", area_codes=("31.71",)),
        UnitInfo(
            "kel-gambir-off",
            "Kelurahan Gambir (tutup)",
            "kelurahan",
            area_codes=("31.71.01.1001",),
            active=False,
        ),
        UnitInfo("sda", "Dinas SDA", "agency", agency="sda", categories=("drainage_flood",)),
        UnitInfo("bina-marga", "Dinas Bina Marga", "agency", agency="bina-marga"),
        UnitInfo("sudin-sda-31.71", "Sudin SDA Jakpus", "sudin", agency="sda", kota_code="31.71"),
        UnitInfo("sudin-sda-31.74", "Sudin SDA Jaksel", "sudin", agency="sda", kota_code="31.74"),
        UnitInfo("triage", "Triase", "triage"),
    ]
)
NO_TRIAGE = UnitDirectory.build([u for u in UNITS.units.values() if u.kind != "triage"])

CIKINI = {"kelurahan_code": "31.71.06.1003", "kecamatan_code": "31.71.06", "kota_code": "31.71"}
# A kelurahan of Menteng without its own unit: its kecamatan office takes it.
MENTENG_OTHER = {"kelurahan_code": "31.71.06.1001", "kecamatan_code": "31.71.06", "kota_code": "31.71"}
GAMBIR = {"kelurahan_code": "31.71.01.1001", "kecamatan_code": "31.71.01", "kota_code": "31.71"}
RAGUNAN = {"kelurahan_code": "31.74.04.1004", "kecamatan_code": "31.74.04", "kota_code": "31.74"}
BEKASI = {"kelurahan_code": "32.75.01.1001", "kecamatan_code": "32.75.01", "kota_code": "32.75"}
FLOOD = {"category": "drainage_flood", "category_agency": "sda"}
ROAD = {"category": "roads", "category_agency": "bina-marga"}
PARKING = {"category": "illegal_parking", "category_agency": "perhubungan"}  # no Perhubungan unit here

CASES = [
    # trigger, facts, current unit, expected unit, expected rule
    ("created", {**CIKINI, **FLOOD}, None, "kel-cikini", "kelurahan_office"),
    ("created", CIKINI, None, "kel-cikini", "kelurahan_office"),  # uncategorised but placed
    ("created", {**MENTENG_OTHER, **ROAD}, None, "kec-menteng", "kecamatan_office"),
    ("created", {**GAMBIR, **ROAD}, None, "kota-jakpus", "kota_office"),  # Gambir's unit is inactive
    (
        "created",
        {"kecamatan_code": "31.71.06", "kota_code": "31.71"},
        None,
        "kec-menteng",
        "kecamatan_office",
    ),
    ("created", FLOOD, None, "sda", "category_owner"),  # no place: the owning agency
    ("created", {"category": "roads", "category_agency": "bina-marga"}, None, "bina-marga", "category_owner"),
    ("created", {}, None, "triage", "triage"),  # neither place nor category
    ("created", PARKING, None, "triage", "triage"),  # a category nobody here owns
    ("created", {**BEKASI, **PARKING}, None, "triage", "triage"),  # a place no unit covers
    ("created", {**CIKINI, **FLOOD}, "kel-cikini", None, None),  # already there
    ("coordination", {**CIKINI, **FLOOD}, "kel-cikini", "sda", "category_owner"),
    ("coordination", {**CIKINI, **ROAD}, "kel-cikini", "bina-marga", "category_owner"),
    ("coordination", CIKINI, "kel-cikini", "triage", "triage"),  # nothing to coordinate on
    ("coordination", {**CIKINI, **PARKING}, "kel-cikini", None, None),  # no owner unit: stays
    ("coordination", {**CIKINI, **FLOOD}, "sda", None, None),
    ("dispatched", {**CIKINI, **FLOOD}, "sda", "sudin-sda-31.71", "agency_sub_unit"),
    ("dispatched", {**RAGUNAN, **FLOOD}, "sda", "sudin-sda-31.74", "agency_sub_unit"),
    (
        "dispatched",
        {**CIKINI, **FLOOD},
        "kel-cikini",
        "sudin-sda-31.71",
        "agency_sub_unit",
    ),  # straight from received
    ("dispatched", FLOOD, "kel-cikini", "sda", "category_owner"),  # no kota: the agency itself
    ("dispatched", {**CIKINI, **ROAD}, "kel-cikini", "bina-marga", "category_owner"),  # no Bina Marga sudin
    ("dispatched", {**CIKINI, **FLOOD}, "sudin-sda-31.71", None, None),
    ("in_progress", {**CIKINI, **FLOOD}, "kel-cikini", None, None),  # not a routing trigger
    ("resolved", {**CIKINI, **FLOOD}, "kel-cikini", None, None),
]


@pytest.mark.parametrize(("trigger", "facts", "current", "unit", "rule"), CASES)
def test_rules_table(trigger, facts, current, unit, rule):
    decision = decide(trigger, ComplaintFacts(**facts, current_unit=current), UNITS)
    if unit is None:
        assert decision is None
    else:
        assert decision is not None, (trigger, facts)
        assert (decision.unit.code, decision.rule) == (unit, rule)


def test_without_a_triage_unit_an_unplaceable_complaint_stays_unrouted():
    assert decide("created", ComplaintFacts(), NO_TRIAGE) is None
    assert decide("coordination", ComplaintFacts(**CIKINI, current_unit="kel-cikini"), NO_TRIAGE) is None


def test_an_agency_listing_a_category_wins_over_the_catalogue_owner():
    units = UnitDirectory.build(
        [
            UnitInfo("bina-marga", "Dinas Bina Marga", "agency", agency="bina-marga"),
            UnitInfo(
                "dishub", "Dinas Perhubungan", "agency", agency="perhubungan", categories=("street_lights",)
            ),
        ]
    )
    d = decide("coordination", ComplaintFacts(category="street_lights", category_agency="bina-marga"), units)
    assert d is not None and d.unit.code == "dishub"


def test_answer_does_not_depend_on_unit_order():
    a = UnitInfo("kel-a", "A", "kelurahan", area_codes=("31.71.06.1003",))
    b = UnitInfo("kel-b", "B", "kelurahan", area_codes=("31.71.06.1003",))
    for order in ([a, b], [b, a]):
        d = decide("created", ComplaintFacts(**CIKINI), UnitDirectory.build(order))
        assert d is not None and d.unit.code == "kel-a"

"""The routing rules, in one place: which unit is responsible for a complaint.

Pure: a function of (trigger, complaint facts, the units that exist); no database, no clock.

Jakarta's practice (product.md, "Routing, assignment and SLAs"):

- ``created``: a complaint with a place goes first to the office of its kelurahan (the lurah
  verifies it), or, when that kelurahan has no unit, to its kecamatan's, then its kota's office.
  A complaint without a place but with a category goes to the agency (OPD) that owns the
  category. One with neither, or one no unit fits, goes to the triage desk.
- ``coordination`` (status moved to ``coordination``): handed to the agency that owns the
  category. An uncategorised complaint cannot be coordinated to anyone: it goes to triage.
- ``dispatched`` (status moved to ``dispatched``): handed to the agency's sub-unit (Suku Dinas)
  for the complaint's kota; without a kota, or when the agency has no sub-unit there, the agency
  itself keeps it.

A rule that names the unit already responsible answers ``None`` (no hand-over).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

TRIGGERS = ("created", "coordination", "dispatched")


@dataclass(frozen=True, slots=True)
class UnitInfo:
    code: str
    name: str
    kind: str  # kelurahan | kecamatan | kota | agency | sudin | triage
    agency: str | None = None
    kota_code: str | None = None
    area_codes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True, slots=True)
class ComplaintFacts:
    kelurahan_code: str | None = None
    kecamatan_code: str | None = None
    kota_code: str | None = None
    category: str | None = None
    # The OPD owning the category (categories.agency).
    category_agency: str | None = None
    current_unit: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    unit: UnitInfo
    rule: str  # which rule chose it, for the event and for explaining


@dataclass(slots=True)
class UnitDirectory:
    """Active units indexed the ways the rules look them up."""

    units: dict[str, UnitInfo] = field(default_factory=dict)
    by_area: dict[tuple[str, str], UnitInfo] = field(default_factory=dict)
    agency_by_code: dict[str, UnitInfo] = field(default_factory=dict)
    agency_by_category: dict[str, UnitInfo] = field(default_factory=dict)
    sudin: dict[tuple[str, str], UnitInfo] = field(default_factory=dict)
    triage: UnitInfo | None = None

    @classmethod
    def build(cls, units: Iterable[UnitInfo]) -> UnitDirectory:
        d = cls()
        # Sorted by code so that, when two units claim the same thing, the answer never depends
        # on the order the database returned them in.
        for u in sorted(units, key=lambda u: u.code):
            d.units[u.code] = u
            if not u.active:
                continue
            if u.kind in ("kelurahan", "kecamatan", "kota"):
                for area in u.area_codes:
                    d.by_area.setdefault((u.kind, area), u)
            elif u.kind == "agency":
                if u.agency:
                    d.agency_by_code.setdefault(u.agency, u)
                for cat in u.categories:
                    d.agency_by_category.setdefault(cat, u)
            elif u.kind == "sudin":
                if u.agency and u.kota_code:
                    d.sudin.setdefault((u.agency, u.kota_code), u)
            elif u.kind == "triage" and d.triage is None:
                d.triage = u
        return d

    def get(self, code: str | None) -> UnitInfo | None:
        return self.units.get(code) if code else None

    def owning_agency(self, category: str | None, agency: str | None) -> UnitInfo | None:
        """An agency unit that lists the category explicitly wins over the catalogue's owner."""
        if category and category in self.agency_by_category:
            return self.agency_by_category[category]
        return self.agency_by_code.get(agency) if agency else None


def _area_unit(facts: ComplaintFacts, units: UnitDirectory) -> Decision | None:
    for kind, code in (
        ("kelurahan", facts.kelurahan_code),
        ("kecamatan", facts.kecamatan_code),
        ("kota", facts.kota_code),
    ):
        if code and (kind, code) in units.by_area:
            return Decision(units.by_area[(kind, code)], f"{kind}_office")
    return None


def _triage(units: UnitDirectory) -> Decision | None:
    return Decision(units.triage, "triage") if units.triage else None


def decide(trigger: str, facts: ComplaintFacts, units: UnitDirectory) -> Decision | None:
    """The unit the complaint should go to, or None (stay where it is)."""
    if trigger not in TRIGGERS:
        return None
    decision: Decision | None
    if trigger == "created":
        decision = _area_unit(facts, units)
        if decision is None and facts.category:
            agency = units.owning_agency(facts.category, facts.category_agency)
            decision = Decision(agency, "category_owner") if agency else None
        decision = decision or _triage(units)
    elif trigger == "coordination":
        if not facts.category:
            decision = _triage(units)
        else:
            agency = units.owning_agency(facts.category, facts.category_agency)
            decision = Decision(agency, "category_owner") if agency else None
    else:  # dispatched
        agency = units.owning_agency(facts.category, facts.category_agency) if facts.category else None
        if agency is None:
            decision = None if facts.category else _triage(units)
        else:
            sub = units.sudin.get((agency.agency or "", facts.kota_code or ""))
            decision = Decision(sub, "agency_sub_unit") if sub else Decision(agency, "category_owner")
    if decision is None or decision.unit.code == facts.current_unit:
        return None
    return decision


class UnitRow(Protocol):
    """A unit as read from the database (an ``asyncpg.Record`` or a dict): indexed by column."""

    def __getitem__(self, column: str, /) -> Any: ...


def unit_infos(rows: Iterable[UnitRow]) -> list[UnitInfo]:
    return [
        UnitInfo(
            code=r["code"],
            name=r["name"],
            kind=r["kind"],
            agency=r["agency"],
            kota_code=r["kota_code"],
            area_codes=tuple(r["area_codes"] or ()),
            categories=tuple(r["categories"] or ()),
            active=r["active"],
        )
        for r in rows
    ]

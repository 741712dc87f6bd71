"""Where a new complaint goes and when it is due: the hooks intake calls.

``Placer`` keeps the routing state in memory (area grid, gazetteer, compiled keywords,
category SLAs and owners, the unit directory), so placing a complaint costs no database
statement of its own. ``prepare`` computes the placement (before the intake's transaction
opens, on the hot path ``app.intake.pipeline.run_intake``); the insert then records the
``routed`` event, picks the officer (``app.intake.repository.insert_statement`` with
``app.assignment.repository.PICK_CTES``, which takes the unit's lock) and only writes if the routing
revision it reads is still the one the placement was computed from (else nothing is written,
the state is reloaded and the intake redone).

Core contract (``app.intake.pipeline.create_complaint``): a placement is a ``Placement`` dict
with ``area``, ``category``, ``metadata``, ``unit_code``, ``response_due_at``, ``due_at``,
``flags``, ``revision``, ``area_json`` (the area as JSON text) when placed, and, when a unit was
found, ``assign`` (a ``HandOver``: the hand-over's event data as JSON text and the pick's inputs,
with the unit's lock key; ``pick`` false when the unit has nobody in the automatic stream, so the
insert records the hand-over without calling the pick). ``area`` and ``assign`` are shared
between placements from the same state: read them, never change them.

The placer's reads of the routing state (and its writes of a stored complaint's area) are
``app.intake.repository``'s.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict

import asyncpg

from app.assignment import service as assignment
from app.classification.classifier import (
    DEFAULT_THRESHOLD,
    Classification,
    KeywordModel,
    categorise,
    classify,
    compile_keywords,
)
from app.complaints import repository as complaints_repository
from app.complaints.catalogue import CATEGORIES
from app.core.db import Database
from app.core.http import json_text
from app.geo import areas as geo
from app.geo.gazetteer import Gazetteer
from app.intake import repository
from app.intake.drafts import ComplaintDraft
from app.org import rules
from app.sla.clock import deadlines_for

log = logging.getLogger("aduan.routing")

_CATALOGUE_ORDER = {c.code: i for i, c in enumerate(CATEGORIES)}
_UNLOADED = object()
_MEMO_MAX = 100_000

LEVEL_KEYS = {geo.KELURAHAN: "kelurahan", geo.KECAMATAN: "kecamatan", geo.KOTA: "kota"}


class HandOver(TypedDict):
    """What the insert needs to record the hand-over to the placement's unit and pick the
    officer there (``Placer._hand_over``)."""

    pick: bool  # the unit has somebody in the automatic stream: call the pick
    area_codes: list[str | None]  # kelurahan, kecamatan, kota
    routed: str  # the routed event's data, JSON text
    note: str
    actor: str
    lock_key: int  # app.assignment.service.unit_lock_key of the unit


class Placement(TypedDict, total=False):
    """Where a draft goes and when it is due (``Placer.prepare``); see the module's docstring."""

    area: dict[str, Any] | None
    area_json: str
    category: str
    metadata: dict[str, Any]
    unit_code: str | None
    rule: str | None
    response_due_at: datetime
    due_at: datetime | None
    flags: list[str]
    assign: HandOver
    revision: Any
    check: bool  # False: write without checking the revision


@dataclass(frozen=True, slots=True)
class AreaInfo:
    code: str
    level: str
    name: str
    parent_code: str | None


def level_of_code(code: str) -> str | None:
    """Kemendagri codes have one dotted part per level: 31 / 31.71 / 31.71.06 / 31.71.06.1003."""
    return {2: geo.KOTA, 3: geo.KECAMATAN, 4: geo.KELURAHAN}.get(code.count(".") + 1)


class Placer:
    """Computes the placement of a draft from the routing state it keeps in memory."""

    def __init__(self, *, threshold: float = DEFAULT_THRESHOLD, enabled: bool = True) -> None:
        # enabled=False (ADUAN_ROUTING_ENABLED=false) keeps only the SLA clocks: the core
        # intake path the benchmark compares routing against.
        self.enabled = enabled
        self.threshold = threshold
        self.revision: Any = _UNLOADED
        self.sla_hours: dict[str, int] = {}
        self.category_agency: dict[str, str] = {}
        self.keywords: dict[str, list[str]] = {}
        self.keyword_model: KeywordModel | None = None
        self.areas: dict[str, AreaInfo] = {}
        self.index: geo.AreaIndex | None = None
        self.gazetteer: Gazetteer | None = None
        self.units = rules.UnitDirectory()
        self.staffed: frozenset[str] = frozenset()
        # Pure results of the state above (areas, decisions, hand-overs), kept until it changes.
        self._memo: dict[Any, Any] = {}
        self.areas_fingerprint: Any = _UNLOADED
        self._reload_lock = asyncio.Lock()

    # ------------------------------------------------------------------ state

    async def load(self, conn: asyncpg.Connection) -> None:
        """Read everything; the revision is read first, so a change that lands while loading
        makes the next check reload again rather than be missed."""
        revision = await repository.routing_revision(conn)
        cats = await repository.active_categories(conn)
        # The areas (and the grid and gazetteer built from them, the costly part) are read and
        # rebuilt only when they changed: a unit or keyword edit reloads in milliseconds.
        areas_fingerprint = await repository.areas_fingerprint(conn)
        area_rows = None
        if areas_fingerprint != self.areas_fingerprint:
            area_rows = await repository.area_rows(conn)
        unit_rows = await repository.unit_rows(conn)
        # Units with somebody in the automatic stream: only their new complaints call the pick
        # (an officer change bumps the revision, migration 0006, so this is checked like the rest).
        staffed = await repository.staffed_units(conn)
        self._apply(revision, cats, area_rows, unit_rows, areas_fingerprint, staffed)

    reload = load

    def _apply(
        self,
        revision: Any,
        cats: Sequence[asyncpg.Record],
        area_rows: Sequence[asyncpg.Record] | None,
        unit_rows: Sequence[asyncpg.Record],
        areas_fingerprint: Any = None,
        staffed: set[str] | None = None,
    ) -> None:
        """``area_rows`` None: the areas did not change, keep the ones built before. ``staffed``:
        the units with an active officer of role ``officer``."""
        ordered = sorted(
            cats, key=lambda r: (_CATALOGUE_ORDER.get(r["code"], len(_CATALOGUE_ORDER)), r["code"])
        )
        sla_hours = {r["code"]: r["sla_hours"] for r in ordered}
        agency = {r["code"]: r["agency"] for r in ordered}
        keywords = {r["code"]: list(r["keywords"] or []) for r in ordered if r["keywords"]}
        try:
            model = compile_keywords(keywords) if keywords else None
        except ValueError as exc:  # edits are validated on the way in; never fail intake over one
            log.error("keywords do not compile, classifier disabled: %s", exc)
            model = None
        if area_rows is None:
            areas, index, gazetteer = self.areas, self.index, self.gazetteer
        else:
            areas, index, gazetteer = self._build_areas(area_rows)
        units = rules.UnitDirectory.build(rules.unit_infos(unit_rows))
        # Swap everything at once: a concurrent place() sees either the old or the new state.
        (
            self.sla_hours,
            self.category_agency,
            self.keywords,
            self.keyword_model,
            self.areas,
            self.index,
            self.gazetteer,
            self.units,
            self.staffed,
            self._memo,
            self.revision,
            self.areas_fingerprint,
        ) = (
            sla_hours,
            agency,
            keywords,
            model,
            areas,
            index,
            gazetteer,
            units,
            frozenset(staffed or ()),
            {},
            revision,
            areas_fingerprint,
        )

    @staticmethod
    def _build_areas(
        area_rows: Sequence[asyncpg.Record],
    ) -> tuple[dict[str, AreaInfo], geo.AreaIndex | None, Gazetteer | None]:
        areas = {r["code"]: AreaInfo(r["code"], r["level"], r["name"], r["parent_code"]) for r in area_rows}
        boundaries = []
        for r in area_rows:
            if r["geometry"] is None:
                continue
            kec_code = r["parent_code"] if r["level"] == geo.KELURAHAN else None
            kota_code = (
                areas[kec_code].parent_code
                if kec_code in areas
                else (kec_code.rsplit(".", 1)[0] if kec_code else None)
            )
            if r["level"] == geo.KECAMATAN:
                kota_code = r["parent_code"]
            boundaries.append(
                geo.AreaBoundary(
                    code=r["code"],
                    name=r["name"],
                    level=r["level"],
                    geometry=geo.from_geojson(r["geometry"]),
                    kecamatan_code=kec_code,
                    kecamatan=areas[kec_code].name if kec_code in areas else None,
                    kota_code=kota_code,
                    kota=areas[kota_code].name if kota_code in areas else None,
                )
            )
        hierarchy = [geo.AreaRow(a.level, a.code, a.name, a.parent_code) for a in areas.values()]
        index = geo.AreaIndex(boundaries, hierarchy) if boundaries else None
        gazetteer = Gazetteer.from_areas(hierarchy) if hierarchy else None
        return areas, index, gazetteer

    async def _refresh(self, conn: asyncpg.Connection, seen_revision: Any) -> None:
        async with self._reload_lock:
            if self.revision != seen_revision or self.revision is _UNLOADED:
                await self.load(conn)

    async def ensure_fresh(self, conn: asyncpg.Connection) -> None:
        revision = await repository.routing_revision(conn)
        if revision != self.revision:
            await self._refresh(conn, revision)

    # ------------------------------------------------------------------ pure parts

    def area_from_hit(self, hit: geo.AreaHit, source: str) -> dict[str, Any]:
        area: dict[str, Any] = {}
        for key, code, name in (
            ("kelurahan", hit.kelurahan_code, hit.kelurahan_name),
            ("kecamatan", hit.kecamatan_code, hit.kecamatan_name),
            ("kota", hit.kota_code, hit.kota_name),
        ):
            if code:
                area[key] = {"code": code, "name": name}
        area["source"] = source
        return area

    def area_from_code(self, code: str, source: str) -> dict[str, Any] | None:
        """The area of a Kemendagri code and its ancestors, named when imported."""
        level = self.areas[code].level if code in self.areas else level_of_code(code)
        if level not in LEVEL_KEYS:
            return None
        area: dict[str, Any] = {}
        current: str | None = code
        while current:
            info = self.areas.get(current)
            lvl = info.level if info else level_of_code(current)
            if lvl not in LEVEL_KEYS:
                break
            area[LEVEL_KEYS[lvl]] = {"code": current, "name": info.name if info else None}
            current = info.parent_code if info else (current.rsplit(".", 1)[0] if "." in current else None)
        area["source"] = source
        return area

    def areas_in_text(self, text: str) -> list[dict[str, Any]]:
        if self.gazetteer is None or not text:
            return []
        return [
            {"code": m.code, "level": m.level, "name": m.name, "ambiguous": m.ambiguous}
            for m in self.gazetteer.find(text)
        ]

    def area_from_text(self, text: str) -> dict[str, Any] | None:
        """The first kelurahan the text names without ambiguity, else the first kecamatan."""
        code = self.area_code_in_text(text)
        return self.area_from_code(code, "text") if code else None

    def area_code_in_text(self, text: str) -> str | None:
        if self.gazetteer is None or not text:
            return None
        matches = [m for m in self.gazetteer.find(text) if not m.ambiguous]
        for level in (geo.KELURAHAN, geo.KECAMATAN):
            for m in matches:
                if m.level == level:
                    return m.code
        return None

    @property
    def model_version(self) -> str | None:
        """The version of the keyword set in use (``KeywordModel.version``), None before it loads."""
        return self.keyword_model.version if self.keyword_model is not None else None

    def classify(self, text: str) -> Classification | None:
        if self.keyword_model is None or not text:
            return None
        return classify(text, self.keyword_model, self.threshold)

    def compute(self, draft: ComplaintDraft, *, now: datetime | None = None) -> Placement:
        """Placement from the in-memory state alone (no I/O).

        What follows from the state alone is computed once per state and shared by every
        placement that needs it (``_memo``): an area's dict and JSON, the routing decision for an
        area and category, the hand-over's event data. Those shared values are read-only."""
        memo = self._memo
        if len(memo) > _MEMO_MAX:  # bounded by areas x categories; a guard, not a policy
            memo.clear()
        text = " ".join(t for t in (draft.title, draft.description) if t)
        area_key: tuple[str, ...] | None = None
        if draft.location is not None and self.index is not None:
            found = self.index.find(draft.location.lat, draft.location.lon)
            if found is not None:
                area_key = ("point", found.code)
                if area_key not in memo:
                    memo[area_key] = self.area_from_hit(self.index.hit(found), "point")
        if area_key is None and draft.area_code:
            area_key = (draft.area_source, draft.area_code)
            if area_key not in memo:
                memo[area_key] = self.area_from_code(draft.area_code, draft.area_source)
        if area_key is None or memo[area_key] is None:
            code = self.area_code_in_text(f"{draft.address} {text}" if draft.address else text)
            area_key = ("text", code) if code else None
            if code and area_key not in memo:
                memo[area_key] = self.area_from_code(code, "text")
        area = memo[area_key] if area_key is not None else None

        metadata: dict[str, Any] = {}
        category = draft.category
        if category is None:
            if self.keyword_model is not None and text:
                category, confidence = categorise(text, self.keyword_model, self.threshold)
                metadata["classification"] = {
                    "category": category,
                    "confidence": confidence,
                    "version": self.keyword_model.version,
                }
        flags = [] if category else ["needs_triage"]

        received_at = draft.received_at or now or datetime.now(UTC)
        deadlines = deadlines_for(draft.channel, self.sla_hours.get(category or ""), received_at)
        route_key = ("route", area_key if area is not None else None, category)
        route = memo.get(route_key)
        if route is None:
            decision = rules.decide("created", self.facts(area, category), self.units)
            route = memo[route_key] = (
                decision.unit.code if decision else None,
                decision.rule if decision else None,
                self._hand_over(decision, area) if decision else None,
            )
        placement: Placement = {
            "area": area,
            "metadata": metadata,
            "unit_code": route[0],
            "rule": route[1],
            "response_due_at": deadlines.first_response_due_at,
            "due_at": deadlines.resolution_due_at,
            "flags": flags,
        }
        if area is not None:
            json_key = ("json", area_key)
            placement["area_json"] = memo.get(json_key) or memo.setdefault(json_key, json_text(area))
        if route[2] is not None:
            placement["assign"] = route[2]
        if category and not draft.category:
            placement["category"] = category
        return placement

    def facts(
        self, area: dict[str, Any] | None, category: str | None, current_unit: str | None = None
    ) -> rules.ComplaintFacts:
        area = area or {}
        return rules.ComplaintFacts(
            kelurahan_code=(area.get("kelurahan") or {}).get("code"),
            kecamatan_code=(area.get("kecamatan") or {}).get("code"),
            kota_code=(area.get("kota") or {}).get("code"),
            category=category,
            category_agency=self.category_agency.get(category or ""),
            current_unit=current_unit,
        )

    def row_facts(self, row: asyncpg.Record, current_unit: str | None) -> rules.ComplaintFacts:
        return self.facts(row["area"], row["category"], current_unit)

    # ------------------------------------------------------------------ hooks

    def _core(self, draft: ComplaintDraft) -> Placement:
        """Routing off: only the SLA clocks."""
        received_at = draft.received_at or datetime.now(UTC)
        deadlines = deadlines_for(draft.channel, self.sla_hours.get(draft.category or ""), received_at)
        return {"response_due_at": deadlines.first_response_due_at, "due_at": deadlines.resolution_due_at}

    def _hand_over(self, decision: rules.Decision, area: dict[str, Any] | None) -> HandOver:
        """What the insert needs to record the hand-over to the decided unit and pick the
        officer (one write). A unit nobody takes the automatic stream of gets no pick (no
        lock, no load count)."""
        to_unit = decision.unit
        area = area or {}
        return {
            "pick": to_unit.code in self.staffed,
            "area_codes": [(area.get(k) or {}).get("code") for k in ("kelurahan", "kecamatan", "kota")],
            "routed": json_text(
                assignment.routed_data(
                    from_unit=None,
                    from_unit_code=None,
                    to_unit=to_unit,
                    rule=decision.rule,
                    trigger="created",
                )
            ),
            "note": f"Diteruskan ke {to_unit.name}",
            "actor": "system:routing",
            "lock_key": assignment.unit_lock_key(to_unit.code),
        }

    async def prepare(
        self, db: Database | None, draft: ComplaintDraft, *, conn: asyncpg.Connection | None = None
    ) -> Placement:
        """The placement of a draft, computed from the state in memory (loaded first, through
        ``conn`` or a connection of ``db``, when this process has not loaded it yet).

        It carries ``revision``, the routing state it was computed from: the insert reads the
        current revision in its own snapshot and writes nothing when they differ
        (``app.intake.pipeline.StaleRouting``), so a complaint is never written from state
        another process has since changed.
        """
        if not self.enabled:
            return self._core(draft)
        if self.revision is _UNLOADED:
            await self.refresh(db, _UNLOADED, conn=conn)
        placement = self.compute(draft)
        placement["revision"] = self.revision
        return placement

    async def refresh(
        self, db: Database | None, seen_revision: Any, *, conn: asyncpg.Connection | None = None
    ) -> None:
        """Reload unless this state already is ``seen_revision`` (through ``conn``, else a
        connection of ``db``)."""
        if conn is not None:
            await self._refresh(conn, seen_revision)
            return
        if db is None:
            raise ValueError("refresh needs a connection or a database")
        async with db.raw() as own:
            await self._refresh(own, seen_revision)

    async def after_location(
        self, conn: asyncpg.Connection, complaint_id: uuid.UUID
    ) -> asyncpg.Record | None:
        """A complaint that just got its first point (a WhatsApp location completing an
        earlier message) is placed by that point, and, while nobody has taken it up yet
        (``received``), handed to the unit of its new area."""
        if not self.enabled or self.index is None:
            return None
        row = await complaints_repository.fetch(conn, complaint_id, for_update=True)
        if row is None or row["lat"] is None or (row["area"] or {}).get("source") in ("point", "office"):
            return None
        hit = self.index.lookup(row["lat"], row["lon"])
        if hit is None:
            return None
        area = self.area_from_hit(hit, "point")
        await repository.set_area(
            conn,
            complaint_id,
            json_text(area),
            (hit.kelurahan_code, hit.kecamatan_code, hit.kota_code),
            bump_version=False,
        )
        if row["status"] != "received":
            return None
        decision = rules.decide("created", self.facts(area, row["category"], row["unit_code"]), self.units)
        if decision is None:
            return None
        return await self._route_stored(
            conn, complaint_id, row, decision, trigger="location", bump_version=True
        )

    async def _route_stored(
        self,
        conn: asyncpg.Connection,
        complaint_id: uuid.UUID,
        row: asyncpg.Record,
        decision: rules.Decision,
        *,
        trigger: str,
        bump_version: bool,
    ) -> asyncpg.Record | None:
        """A stored complaint placed after the fact goes where intake would have sent it."""
        return await assignment.route_and_assign(
            conn,
            complaint_id,
            to_unit=decision.unit,
            from_unit=self.units.get(row["unit_code"]),
            from_unit_code=row["unit_code"],
            rule=decision.rule,
            trigger=trigger,
            actor="system:routing",
            bump_version=bump_version,
            previous_officer_id=row["assignee_id"],
        )

    def place_row(self, row: asyncpg.Record | dict[str, Any]) -> dict[str, Any] | None:
        """The area intake would give a stored complaint now: its point's, else an area its text
        names (an office's ``area_code`` places a complaint even without areas: it never gets here)."""
        if row["lat"] is not None and self.index is not None:
            hit = self.index.lookup(row["lat"], row["lon"])
            if hit is not None:
                return self.area_from_hit(hit, "point")
        # Without a point, the address in words (an Open311 address_string) names places too.
        words = (
            (row["address"], row["title"], row["description"])
            if row["lat"] is None
            else (row["title"], row["description"])
        )
        return self.area_from_text(" ".join(t for t in words if t))

    async def reroute(
        self, conn: asyncpg.Connection, complaint_id: uuid.UUID, *, dry_run: bool = False
    ) -> dict[str, Any] | None:
        """Place a complaint intake could not place (it came before the areas) and hand it to
        the unit intake would now choose, with the ``routed`` event (trigger ``reroute``) and
        the automatic pick there. Call it in a transaction, one per complaint: the row is
        locked and checked again, so a complaint someone took up meanwhile is left alone (None).

        Answers ``outcome`` ("routed", "placed": no other unit fits, "unplaced": no area found),
        ``area``, ``from_unit``, ``to_unit``, ``assignee_id``, ``ticket``. ``dry_run`` reads
        (without locking) and writes nothing."""
        if not self.enabled:
            return None
        row = await repository.unplaced_complaint(conn, complaint_id, lock=not dry_run)
        # The conditions of app.geo.repository.UNPLACED_SQL, on the locked row.
        if (
            row is None
            or row["status"] != "received"
            or any(row[k] for k in ("kelurahan_code", "kecamatan_code", "kota_code"))
            or not row["in_triage"]
        ):
            return None
        out: dict[str, Any] = {
            "id": row["id"],
            "ticket": row["ticket"],
            "outcome": "unplaced",
            "area": None,
            "from_unit": row["unit_code"],
            "to_unit": None,
            "assignee_id": None,
        }
        area = self.place_row(row)
        if area is None:
            return out
        out.update(outcome="placed", area=area)
        codes = [(area.get(k) or {}).get("code") for k in ("kelurahan", "kecamatan", "kota")]
        decision = rules.decide("created", self.facts(area, row["category"], row["unit_code"]), self.units)
        if decision is not None:
            out.update(outcome="routed", to_unit=decision.unit.code)
        if dry_run:
            return out
        # One version step for the whole change (the hand-over below does not add another).
        await repository.set_area(conn, row["id"], json_text(area), codes, bump_version=True)
        if decision is not None:
            routed = await self._route_stored(
                conn, row["id"], row, decision, trigger="reroute", bump_version=False
            )
            out["assignee_id"] = routed["assignee_id"] if routed is not None else None
        return out

    async def after_transition(self, conn: asyncpg.Connection, row: asyncpg.Record) -> asyncpg.Record | None:
        """``coordination`` hands the complaint to the category's agency, ``dispatched`` to the
        agency's sub-unit for the complaint's kota."""
        trigger = row["status"]
        if not self.enabled or trigger not in ("coordination", "dispatched"):
            return None
        await self.ensure_fresh(conn)
        decision = rules.decide(trigger, self.row_facts(row, row["unit_code"]), self.units)
        if decision is None:
            return None
        return await assignment.route_and_assign(
            conn,
            row["id"],
            to_unit=decision.unit,
            from_unit=self.units.get(row["unit_code"]),
            from_unit_code=row["unit_code"],
            rule=decision.rule,
            trigger=trigger,
            actor="system:routing",
            # Part of the transition the caller made (and versioned): its ETag stays valid.
            bump_version=False,
        )

"""Channels ``pendopo``, ``inspektorat``, ``walikota``, ``kecamatan``, ``kelurahan``.

A desk officer enters a walk-in citizen's complaint through
``POST /v1/channels/{office}/intake`` with an officer API key (model
``OfficeIntake``; its OpenAPI examples show one form per office).  The
endpoint validates the JSON body with ``OfficeIntake`` (422 problem+json on
errors) and calls ``ADAPTERS[office].parse`` with the validated dict in
``delivery.context["payload"]``; without it the adapter validates
``delivery.body`` itself (re-parsing a stored delivery).

Per office:
- privacy defaults to ``public``; at ``inspektorat`` to ``secret``
  (misconduct reports are confidential); an explicit ``privacy`` wins;
- the complaint's area is ``area_code`` when given; otherwise, at ``walikota``,
  ``kecamatan`` and ``kelurahan`` offices, ``office_area_code`` (the office's
  kota / kecamatan / kelurahan); ``pendopo`` and ``inspektorat`` serve the
  whole province, so their office code implies no area;
- ``external_id`` is the desk form number, unique only within one office: it is
  stored as ``{office_area_code}:{external_id}`` when the office code is given.
"""

from __future__ import annotations

from typing import Any

from app.channels.schemas import OfficeIntake, intake_payload, location_draft, reporter_draft
from app.intake.drafts import AdapterError, ComplaintDraft, Delivery, Outcome, Privacy

OFFICES = ("pendopo", "inspektorat", "walikota", "kecamatan", "kelurahan")
_AREA_FROM_OFFICE = frozenset({"walikota", "kecamatan", "kelurahan"})
_DEFAULT_PRIVACY: dict[str, Privacy] = {"inspektorat": "secret"}


class OfficeAdapter:
    def __init__(self, code: str) -> None:
        self.code = code

    def parse(self, delivery: Delivery) -> list[Outcome]:
        try:
            form: OfficeIntake = intake_payload(delivery.context, delivery.body, OfficeIntake)
        except ValueError as exc:
            raise AdapterError(f"{self.code} intake invalid: {exc}") from exc
        area_code = form.area_code
        if area_code is None and self.code in _AREA_FROM_OFFICE:
            area_code = form.office_area_code
        external_id = form.external_id
        if external_id and form.office_area_code:
            external_id = f"{form.office_area_code}:{external_id}"
        metadata: dict[str, Any] = {
            "office": self.code,
            "office_name": form.office_name,
            "office_area_code": form.office_area_code,
            "form_number": form.external_id,
            "entered_by": delivery.context.get("api_key_name"),
        }
        return [
            ComplaintDraft(
                channel=self.code,
                external_id=external_id,
                description=form.description,
                title=form.title,
                category=form.category,
                metadata={k: v for k, v in metadata.items() if v is not None},
                location=location_draft(form.location),
                area_code=area_code,
                reporter=reporter_draft(form.reporter),
                privacy=form.privacy or _DEFAULT_PRIVACY.get(self.code, "public"),
                received_at=form.received_at,
            )
        ]


ADAPTERS: dict[str, OfficeAdapter] = {code: OfficeAdapter(code) for code in OFFICES}

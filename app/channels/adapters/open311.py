"""Endpoint ``open311`` of channel ``jaki``: a GeoReport v2 ``POST requests`` (app.open311).

An Open311 client is a citizen app like JAKI (an ``app`` key) or a partner's system (a
``partner`` key): its requests become complaints of channel ``jaki``, through the same pipeline,
deduplication and routing, indistinguishable after intake from one the JAKI app filed.

``app.open311.service`` checks the request (the key, the jurisdiction, the service code, the
location, the attributes against the service definition) before anything is stored, then
archives the form without its ``api_key`` (``application/x-www-form-urlencoded``, repeated
fields kept) with its idempotency key added (``x_aduan_external_id``, the complaint's external
id), and hands it here with ``service_name`` in the delivery's context. This adapter reads the stored form again, so a
retried delivery (``POST /v1/inbound/{id}/retry``) maps exactly like the first run.

Mapping: ``service_code`` -> category; ``lat``/``long`` -> the location (``address_string`` its
address); without them ``address_string`` is the address in words (read for place names) and
``address_id`` a Kemendagri area code (the area, source ``address_id``); ``description`` (the
service's name when empty); ``first_name`` + ``last_name``, ``email``, ``phone`` -> the reporter;
``media_url`` -> an attachment; ``device_id``, ``account_id`` and ``attribute[code]`` (a list for
``attribute[code][]``) in ``metadata["open311"]``.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import parse_qsl

from app.intake.drafts import (
    AdapterError,
    AttachmentDraft,
    ComplaintDraft,
    Delivery,
    LocationDraft,
    Outcome,
    ReporterDraft,
)

CHANNEL = "jaki"
ENDPOINT = "open311"
# The field the stored form carries its idempotency key in: set by app.open311.service (which
# drops any a client sent), read here as the complaint's external id.
EXTERNAL_ID_FIELD = "x_aduan_external_id"
# Single-valued fields an Open311 POST may carry (the rest are attributes or ignored).
FIELDS = (
    "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id", "email",
    "device_id", "account_id", "first_name", "last_name", "phone", "description", "media_url",
)  # fmt: skip


def form_pairs(body: bytes) -> list[tuple[str, str]]:
    """The fields of a stored form, in order, repeated ones kept."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AdapterError("open311 request: the form is not UTF-8") from exc
    return parse_qsl(text, keep_blank_values=True, max_num_fields=500)


def split_fields(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, str | list[str]]]:
    """``(fields, attributes)``: the last value of each plain field (trimmed, empty ones
    dropped: GeoReport treats an empty parameter as an absent one), and each attribute's values
    (``attribute[code]=v`` once, ``attribute[code][]=v`` repeated for a multivaluelist)."""
    fields: dict[str, str] = {}
    attributes: dict[str, str | list[str]] = {}
    for key, value in pairs:
        if key.startswith("attribute[") and "]" in key:
            code = key[len("attribute[") : key.index("]")]
            rest = key[key.index("]") + 1 :]
            if rest == "[]":
                values = attributes.get(code)
                attributes[code] = [*values, value] if isinstance(values, list) else [value]
            elif rest == "":
                attributes[code] = value
            continue
        value = value.strip()
        if value:
            fields[key] = value
        else:
            fields.pop(key, None)
    return fields, attributes


def coordinate(fields: dict[str, str], name: str, bound: float) -> float | None:
    raw = fields.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise AdapterError(f"{name}: {raw[:40]!r} is not a number") from exc
    if not math.isfinite(value) or abs(value) > bound:
        raise AdapterError(f"{name}: {value} is out of range (-{bound:g} to {bound:g})")
    return value


class Open311Adapter:
    code = CHANNEL

    def parse(self, delivery: Delivery) -> list[Outcome]:
        fields, attributes = split_fields(form_pairs(delivery.body))
        context = delivery.context
        category = fields.get("service_code")
        if not category:
            raise AdapterError("open311 request: service_code is missing")
        lat = coordinate(fields, "lat", 90)
        lon = coordinate(fields, "long", 180)
        address = fields.get("address_string")
        location = (
            LocationDraft(lat=lat, lon=lon, address=address) if lat is not None and lon is not None else None
        )
        description = fields.get("description") or str(context.get("service_name") or category)
        name = " ".join(p for p in (fields.get("first_name"), fields.get("last_name")) if p) or None
        reporter = None
        if name or fields.get("email") or fields.get("phone"):
            reporter = ReporterDraft(name=name, phone=fields.get("phone"), email=fields.get("email"))
        open311: dict[str, Any] = {
            "service_code": category,
            "device_id": fields.get("device_id"),
            "account_id": fields.get("account_id"),
            "address_id": fields.get("address_id"),
            "attributes": attributes or None,
        }
        metadata = {
            "app": context.get("api_key_name"),
            "open311": {k: v for k, v in open311.items() if v is not None},
        }
        media = fields.get("media_url")
        return [
            ComplaintDraft(
                channel=CHANNEL,
                external_id=fields.get(EXTERNAL_ID_FIELD),
                description=description,
                category=category,
                attachments=[AttachmentDraft(url=media, caption="media_url")] if media else [],
                metadata={k: v for k, v in metadata.items() if v is not None},
                location=location,
                address=address if location is None else None,
                area_code=fields.get("address_id") if location is None else None,
                area_source="address_id",
                reporter=reporter,
                privacy="public",
            )
        ]


ADAPTER = Open311Adapter()

"""Bodies and answers of the public face (examples are the OpenAPI document's)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.complaints.schemas import EXAMPLE_CREATED_AT, EXAMPLE_TICKET

EXAMPLE_ID = "0b7e4c1e-7d7a-4c8e-9a55-2f1f3c4d5e6f"
_PROPERTIES: dict[str, Any] = {
    "ticket": EXAMPLE_TICKET,
    "title": "Jalan berlubang di Jl. Cikini Raya",
    "category": "roads",
    "category_name": "Jalan Rusak",
    "status": "in_progress",
    "status_label": "Proses",
    "colour": "yellow",
    "created_at": EXAMPLE_CREATED_AT,
    "supports": 3,
    "kelurahan": "Cikini",
    "url": f"/track/{EXAMPLE_TICKET}",
}
GEOJSON_EXAMPLE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": EXAMPLE_TICKET,
            "geometry": {"type": "Point", "coordinates": [106.8412, -6.1915]},
            "properties": _PROPERTIES,
        }
    ],
    "bbox": [106.7, -6.3, 106.9, -6.1],
    "next_cursor": None,
}
AREAS_EXAMPLE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "31.71.06.1001",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[106.83, -6.19], [106.85, -6.19], [106.85, -6.2], [106.83, -6.19]]],
            },
            "properties": {
                "code": "31.71.06.1001",
                "name": "Cikini",
                "level": "kelurahan",
                "open": 12,
                "total": 140,
            },
        }
    ],
}
STATS_EXAMPLE: dict[str, Any] = {
    "group_by": "channel",
    "since": "2026-09-01",
    "until": "2026-11-30",
    "total": 1520,
    "open": 310,
    "done": 1100,
    "groups": [
        {
            "key": "twitter",
            "label": "X/Twitter",
            "total": 600,
            "open": 120,
            "done": 450,
            "statuses": {
                "received": 40, "coordination": 10, "dispatched": 20, "in_progress": 40,
                "pending_validation": 10, "resolved": 450, "rejected": 20, "duplicate": 10,
            },
        }
    ],
    "sla": {"done": 1100, "on_time": 990, "late": 110, "compliance": 0.9},
    "median_hours_to_done": 31.5,
    "weekly": [{"week": "2026-11-23", "created": 130, "done": 118}],
}  # fmt: skip


class SupportIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"supporter": "jaki-user-81723"}]}
    )

    supporter: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[^\x00]+$",
        description="The app's own id of the citizen (opaque; stored only as a hash with the key). "
        "One support per citizen per complaint.",
    )


SUPPORT_EXAMPLE: dict[str, Any] = {
    "complaint_id": EXAMPLE_ID,
    "ticket": EXAMPLE_TICKET,
    "supports": 4,
    "supported": True,
}


class SupportOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SUPPORT_EXAMPLE]})

    complaint_id: str
    ticket: str
    supports: int
    supported: bool


class NearbyItem(BaseModel):
    id: str
    ticket: str
    title: str | None = None
    category: str | None = None
    category_name: str | None = None
    status: str
    status_label: str
    colour: str
    created_at: str
    supports: int
    kelurahan: str | None = None
    url: str
    location: dict[str, float]
    distance_m: int


class NearbyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "id": EXAMPLE_ID,
                            **_PROPERTIES,
                            "location": {"lat": -6.1915, "lon": 106.8412},
                            "distance_m": 42,
                        }  # fmt: skip
                    ],
                    "radius_m": 200,
                }
            ]
        }
    )

    items: list[NearbyItem]
    radius_m: float


class StatsGroup(BaseModel):
    key: str | None = Field(
        description="The channel, status, category or area code; null: none (unclassified, outside)"
    )
    label: str
    total: int
    open: int
    done: int
    colour: str | None = None
    statuses: dict[str, int] | None = None


class SlaOut(BaseModel):
    done: int = Field(description="Resolutions in the period")
    on_time: int
    late: int = Field(description="Resolved after the SLA's due date")
    compliance: float | None = Field(description="on_time / done; null when nothing was resolved")


class WeekOut(BaseModel):
    week: str = Field(description="The Monday of the ISO week")
    created: int
    done: int


class StatsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [STATS_EXAMPLE]})

    group_by: str
    since: str
    until: str
    total: int = Field(description="Complaints created in the period (secret ones are not counted)")
    open: int
    done: int
    groups: list[StatsGroup]
    sla: SlaOut
    median_hours_to_done: float | None = Field(
        description="Median time from filing to done of the period's resolutions (log-scale buckets, within 10 %)"
    )
    weekly: list[WeekOut] = Field(description="The last 26 weeks of the period")

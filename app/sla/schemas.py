"""Request and response shapes of the SLA endpoints: the estimated completion date (EWS) and the
sweep."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.complaints.schemas import EXAMPLE_COMPLAINT_ID, EXAMPLE_UNIT, Strict
from app.core.schemas import Timestamp

# How far ahead an estimated completion (EWS) may be set: a public works job takes months,
# not decades, and a date like 9999-12-31 breaks the deadline arithmetic.
EWS_HORIZON = timedelta(days=5 * 366)


class EwsIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"ews_at": "2026-03-05T17:00:00+07:00", "note": "Menunggu alat berat dari Sudin SDA."}
            ]
        },
    )
    ews_at: datetime = Field(
        description="Estimated completion (EWS), with a UTC offset; at most five years ahead"
    )
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("ews_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("must carry a UTC offset, e.g. 2026-03-05T17:00:00+07:00")
        if v > datetime.now(UTC) + EWS_HORIZON:
            raise ValueError("out of range: at most five years ahead")
        return v


class SweepOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "now": "2026-03-09T03:15:00+00:00",
                    "breached": [
                        {
                            "id": EXAMPLE_COMPLAINT_ID,
                            "clock": "resolution",
                            "unit": EXAMPLE_UNIT,
                            "escalated_to": {
                                "officer_id": "0d8e4b7a-2f63-4c19-8a5e-7b1c9d3f6a20",
                                "officer_name": "Agus Prasetyo",
                            },
                        },
                        {
                            "id": "9c4e2a71-5d3b-4f86-b0a2-6e8d1c7f3b59",
                            "clock": "first_response",
                            "unit": "kec-31.74.01",
                            "escalated_to": {"unit": "triage"},
                        },
                    ],
                    "at_risk": ["e27b5c90-1a4d-4b6e-8f3c-2d9a7e5b1c08"],
                    "on_track": [],
                }
            ]
        }
    )
    now: Timestamp
    breached: list[dict[str, Any]]
    at_risk: list[uuid.UUID]
    on_track: list[uuid.UUID]

"""Request shapes of manual assignment (``PUT /v1/complaints/{id}/assignment``)."""

from __future__ import annotations

import uuid

from pydantic import ConfigDict, Field, model_validator

from app.complaints.schemas import Strict
from app.org.schemas import CODE_PATTERN


class AssignmentIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"officer_id": "6f1c2a3e-8a57-4c41-9a0e-1f2b3c4d5e6f", "note": "Dekat lokasi, langsung cek."},
                {"unit": "sudin-sda-31.71", "note": "Perlu alat berat dari Sudin SDA."},
            ]
        },
    )
    officer_id: uuid.UUID | None = Field(default=None, description="An officer of the responsible unit")
    unit: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="Hand over to this unit (auto-assigns there)"
    )
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _one(self) -> AssignmentIn:
        if (self.officer_id is None) == (self.unit is None):
            raise ValueError("give exactly one of officer_id or unit")
        return self

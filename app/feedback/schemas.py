"""Bodies and answers of the feedback endpoint."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from app.complaints.schemas import StatusCode, Strict
from app.core.schemas import Timestamp


class FeedbackIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"rating": 5, "comment": "Lampu sudah menyala, terima kasih.", "accepted": True},
                {"rating": 1, "comment": "Lubangnya masih ada.", "accepted": False},
            ]
        },
    )
    rating: int = Field(ge=1, le=5, description="1 (bad) to 5 (good)")
    comment: str | None = Field(default=None, max_length=2000)
    accepted: bool | None = Field(
        default=None,
        description="false: it is not done; the complaint is reopened (within 7 days of resolution)",
    )


class FeedbackOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "complaint_id": "5d0c7a56-1f0e-4a53-8a59-3b7d3c0f9e21",
                    "rating": 1,
                    "comment": "Lubangnya masih ada.",
                    "accepted": False,
                    "created_at": "2026-03-09T02:00:00.000000+00:00",
                    "status": "in_progress",
                    "version": 7,
                }
            ]
        }
    )

    id: int
    complaint_id: uuid.UUID
    rating: int | None
    comment: str | None
    accepted: bool | None
    created_at: Timestamp
    status: StatusCode = Field(
        description="The complaint's status after the answer (in_progress when reopened)"
    )
    version: int = Field(description="The complaint's version after the answer (its new ETag)")

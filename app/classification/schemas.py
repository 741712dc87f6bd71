"""Request and response shapes of the classification API (``app.classification.router``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.complaints.schemas import Strict


class ClassifyIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"text": "Got mampet di Kel. Cikini, banjir tiap hujan"}]},
    )
    text: str = Field(min_length=1, max_length=10_000)


class ClassifyArea(BaseModel):
    code: str
    level: str
    name: str
    ambiguous: bool


class ClassifyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "category": "drainage_flood",
                    "confidence": 0.9502,
                    "areas": [
                        {"code": "31.71.06.1003", "level": "kelurahan", "name": "Cikini", "ambiguous": False}
                    ],
                    "scores": {"drainage_flood": 6.0},
                    "matched": {"drainage_flood": ["got mampet:3", "banjir:3"]},
                    "model_version": "kw-3f9a1c2b7d40",
                }
            ]
        }
    )
    category: str | None
    confidence: float = Field(ge=0, le=1)
    areas: list[ClassifyArea]
    scores: dict[str, float] = {}
    matched: dict[str, list[str]] = {}
    # The keyword set that answered (the version a complaint classified now would record).
    model_version: str | None = None


class KeywordsIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"keywords": ["got mampet:3", "banjir:3", "genangan:3", "selokan:2"]}]
        },
    )
    keywords: list[str] = Field(
        max_length=1000,
        description='Phrases, each "phrase" or "phrase:weight" (weight > 0; 3 settles the category alone)',
    )

    @field_validator("keywords")
    @classmethod
    def _sizes(cls, values: list[str]) -> list[str]:
        out = [v.strip() for v in values]
        if any(not v or len(v) > 120 for v in out):
            raise ValueError("each keyword is 1 to 120 characters")
        return out


class KeywordsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "category": "drainage_flood",
                    "keywords": ["got mampet:3", "banjir:3", "genangan:3", "selokan:2"],
                }
            ]
        }
    )
    category: str
    keywords: list[str]


class CategoryCorrectionIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [{"category": "water_supply", "note": "Pipa PAM bocor, bukan saluran air hujan."}]
        },
    )
    category: str = Field(
        min_length=1, max_length=40, description="The category it should have (GET /v1/categories)"
    )
    note: str | None = Field(default=None, max_length=2000, description="Why (internal)")

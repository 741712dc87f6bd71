"""The shapes of units and officers: PATCH fields are optional but never null in the schema, and
answers rendered through their models write times as the API always did (with ``+00:00``)."""

from __future__ import annotations

import pytest

from app.org.schemas import OfficerPatch, UnitPatch


@pytest.mark.parametrize(
    ("model", "field", "expected"),
    [
        (UnitPatch, "name", {"type": "string", "minLength": 1, "maxLength": 200}),
        (UnitPatch, "area_codes", {"type": "array", "maxItems": 500}),
        (UnitPatch, "active", {"type": "boolean"}),
        (OfficerPatch, "role", {"type": "string", "enum": ["officer", "supervisor"]}),
        (OfficerPatch, "capacity", {"type": "integer", "minimum": 0, "maximum": 10_000}),
    ],
)
def test_a_patch_field_that_cannot_be_emptied_is_documented_without_null(model, field, expected):
    schema = model.model_json_schema()["properties"][field]
    assert "anyOf" not in schema and "default" not in schema
    assert {k: schema[k] for k in expected} == expected


def test_a_patch_field_that_may_be_cleared_keeps_null():
    schema = UnitPatch.model_json_schema()["properties"]["agency"]
    assert {"type": "null"} in schema["anyOf"]


def test_left_out_is_unchanged_and_null_is_refused():
    assert UnitPatch().model_dump(exclude_unset=True) == {}
    with pytest.raises(ValueError, match="may not be null"):
        OfficerPatch.model_validate({"capacity": None})


async def test_answers_write_times_with_their_offset(client, admin, officer):
    r = await client.post(
        "/v1/units", json={"code": "triage", "name": "Triase", "kind": "triage"}, headers=admin
    )
    assert r.status_code == 201, r.text
    assert r.json()["created_at"].endswith("+00:00") and "officers" not in r.json()
    r = await client.post("/v1/officers", json={"name": "Maya", "unit": "triage"}, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["created_at"].endswith("+00:00") and "api_key" not in r.json()
    listed = (await client.get("/v1/units", headers=officer)).json()["items"]
    assert listed[0]["updated_at"].endswith("+00:00") and "open_complaints" not in listed[0]

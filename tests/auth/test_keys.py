"""API keys: hashed at rest, shown once, 401 vs 403 on every protected endpoint."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_KEY

CID = "00000000-0000-0000-0000-000000000001"
# (method, path, body, roles that may call it)
PROTECTED = [
    ("POST", "/v1/complaints", {"description": "x"}, {"admin", "supervisor", "officer", "app"}),
    # app and partner keys read what they submitted (an unknown id is 404 for every role)
    ("GET", "/v1/complaints", None, {"admin", "supervisor", "officer", "app", "partner"}),
    ("GET", f"/v1/complaints/{CID}", None, {"admin", "supervisor", "officer", "app", "partner"}),
    (
        "POST",
        f"/v1/complaints/{CID}/transitions",
        {"status": "in_progress"},
        {"admin", "supervisor", "officer", "app"},
    ),
    ("POST", f"/v1/complaints/{CID}/comments", {"note": "x"}, {"admin", "supervisor", "officer"}),
    ("POST", "/v1/api-keys", {"name": "n", "role": "app"}, {"admin", "supervisor"}),
    ("GET", "/v1/api-keys", None, {"admin", "supervisor"}),
    ("GET", "/v1/audit", None, {"admin"}),
]


@pytest.mark.parametrize(("method", "path", "body", "roles"), PROTECTED)
async def test_missing_unknown_and_wrong_role(client, make_key, method, path, body, roles):
    r = await client.request(method, path, json=body)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    assert r.headers.get("www-authenticate") == "Bearer"
    r = await client.request(method, path, json=body, headers={"Authorization": "Bearer adn_nope"})
    assert r.status_code == 401
    r = await client.request(method, path, json=body, headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert r.status_code == 401
    for role in ("admin", "supervisor", "officer", "app", "partner"):
        headers = await make_key(role, f"{role}-probe")
        r = await client.request(method, path, json=body, headers=headers)
        if role in roles:
            assert r.status_code not in (401, 403), (role, r.text)
        else:
            assert r.status_code == 403, (role, r.status_code)
            assert r.headers["content-type"].startswith("application/problem+json")


async def test_keys_are_stored_hashed_and_shown_once(client, admin, db):
    r = await client.post("/v1/api-keys", json={"name": "jaki-prod", "role": "app"}, headers=admin)
    assert r.status_code == 201
    key = r.json()["key"]
    assert r.json()["role"] == "app" and len(key) > 30
    stored = await db.fetchrow("SELECT * FROM api_keys WHERE name = 'jaki-prod'")
    assert key not in str(dict(stored))
    ok = await client.post(
        "/v1/complaints", json={"description": "uji"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert ok.status_code == 201


async def test_bad_key_requests_are_422(client, admin):
    for body in ({"name": "x", "role": "root"}, {"role": "app"}, {"name": "", "role": "app"}):
        r = await client.post("/v1/api-keys", json=body, headers=admin)
        assert r.status_code == 422, body


async def test_bootstrap_admin_key_works(client, settings):
    bootstrap = {"Authorization": f"Bearer {ADMIN_KEY}"}
    r = await client.post("/v1/api-keys", json={"name": "first", "role": "admin"}, headers=bootstrap)
    assert r.status_code == 201


async def test_public_endpoints_need_no_key(client):
    assert (await client.get("/v1/categories")).status_code == 200
    assert (await client.get("/healthz")).status_code == 200


async def test_every_operation_declaring_401_refuses_missing_and_unknown_keys(client, app):
    """Walk the OpenAPI document: each protected operation answers 401 without a key."""
    schema = app.openapi()
    checked = 0
    for path, ops in schema["paths"].items():
        concrete = path
        for name in ("complaint_id", "officer_id", "delivery_id"):
            concrete = concrete.replace("{" + name + "}", "00000000-0000-0000-0000-000000000001")
        concrete = concrete.replace("{code}", "roads").replace("{office}", "kelurahan")
        for method, op in ops.items():
            if "401" not in op["responses"] or op.get("security") in (None, []) or {} in op["security"]:
                continue  # public, or signed by a platform instead of a key
            for headers in ({}, {"Authorization": "Bearer adn_unknown"}):
                r = await client.request(method.upper(), concrete, json={}, headers=headers)
                assert r.status_code == 401, f"{method.upper()} {concrete} {headers}: {r.status_code}"
                assert r.headers["content-type"].startswith("application/problem+json")
            checked += 1
    assert checked >= 25

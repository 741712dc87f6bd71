"""The classification API: POST /v1/classify and the keywords of a category (read, replace), as
served by app/classification/router.py."""

from __future__ import annotations

import pytest

from app.classification.classifier import model_version
from app.classification.keywords import DEFAULT_KEYWORDS
from tests.org import helpers as h


async def test_classify_names_category_and_areas(client, admin, app_key):
    await h.import_areas(client, admin)
    r = await client.post(
        "/v1/classify", json={"text": "Got mampet di Kel. Sukamaju, banjir tiap hujan"}, headers=app_key
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["category"] == "drainage_flood" and 0.9 < body["confidence"] <= 1
    assert body["areas"] == [
        {"code": h.SUKAMAJU, "level": "kelurahan", "name": "Sukamaju", "ambiguous": False}
    ]
    assert body["scores"]["drainage_flood"] > 0 and body["matched"]["drainage_flood"]
    r = await client.post("/v1/classify", json={"text": "Halo selamat pagi"}, headers=app_key)
    assert r.json() == {
        "category": None,
        "confidence": 0.0,
        "areas": [],
        "scores": {},
        "matched": {},
        "model_version": body["model_version"],
    }
    assert body["model_version"].startswith("kw-")
    assert (await client.post("/v1/classify", json={"text": "banjir"})).status_code == 401
    assert (await client.post("/v1/classify", json={"text": ""}, headers=app_key)).status_code == 422


@pytest.mark.parametrize(
    ("content", "ctype", "status"),
    [
        (b'{"text": "banjir"', "application/json", 400),
        (b'{"text": "banjir"}', "text/plain", 415),
        (b'{"text": "banjir", "extra": 1}', "application/json", 422),
        (b'{"text": "ban\\u0000jir"}', "application/json", 422),
    ],
)
async def test_classify_keeps_the_json_body_rules(client, app_key, content, ctype, status):
    r = await client.post("/v1/classify", content=content, headers={**app_key, "Content-Type": ctype})
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_keywords_are_in_the_catalogue_and_editable(client, admin, app_key, officer, make_key):
    supervisor = await make_key("supervisor")
    r = await client.get("/v1/categories/noise/keywords", headers=officer)
    assert r.status_code == 200
    assert r.json()["category"] == "noise"
    original = r.json()["keywords"]
    assert original == DEFAULT_KEYWORDS["noise"]  # seeded by the migration
    text = "Ada ondel-ondel lewat tiap malam"
    before = (await client.post("/v1/classify", json={"text": text}, headers=app_key)).json()
    assert before["category"] is None
    assert before["model_version"] == model_version(DEFAULT_KEYWORDS)  # the seeded set
    try:
        r = await client.put(
            "/v1/categories/noise/keywords",
            json={"keywords": [*original, "  ondel ondel:3 "]},
            headers=supervisor,
        )
        assert r.status_code == 200, r.text
        assert r.json() == {"category": "noise", "keywords": [*original, "ondel ondel:3"]}
        assert (await client.post("/v1/classify", json={"text": text}, headers=app_key)).json()[
            "category"
        ] == "noise"
        # and intake uses it right away
        c = await h.submit(client, app_key, text)
        assert c["category"] == "noise" and c["metadata"]["classification"]["category"] == "noise"
        # a new keyword set is a new model version, and the complaint records the one that placed it
        edited = {**DEFAULT_KEYWORDS, "noise": [*original, "ondel ondel:3"]}
        assert c["metadata"]["classification"]["version"] == model_version(edited) != before["model_version"]
    finally:
        r = await client.put("/v1/categories/noise/keywords", json={"keywords": original}, headers=admin)
        assert r.status_code == 200
    assert (await client.post("/v1/classify", json={"text": text}, headers=app_key)).json()[
        "category"
    ] is None


async def test_a_keyword_change_is_audited(client, admin, db):
    original = (await client.get("/v1/categories/noise/keywords", headers=admin)).json()["keywords"]
    r = await client.put("/v1/categories/noise/keywords", json={"keywords": original}, headers=admin)
    assert r.status_code == 200
    row = await db.fetchrow(
        "SELECT target_type, target_id FROM audit_log WHERE action = 'category.keywords' ORDER BY id DESC LIMIT 1"
    )
    assert row is not None and (row["target_type"], row["target_id"]) == ("category", "noise")


@pytest.mark.parametrize(
    ("code", "body", "status"),
    [
        ("noise", {"keywords": ["bising:0"]}, 422),
        ("noise", {"keywords": ["..."]}, 422),
        ("noise", {"keywords": [""]}, 422),
        ("noise", {"keywords": "bising"}, 422),
        ("tidak-ada", {"keywords": ["bising"]}, 404),
    ],
)
async def test_bad_keyword_edits_change_nothing(client, admin, officer, code, body, status):
    before = (await client.get("/v1/categories/noise/keywords", headers=officer)).json()
    r = await client.put(f"/v1/categories/{code}/keywords", json=body, headers=admin)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/categories/noise/keywords", headers=officer)).json() == before


async def test_keywords_of_an_unknown_category_are_404(client, officer):
    r = await client.get("/v1/categories/tidak-ada/keywords", headers=officer)
    assert r.status_code == 404 and r.json()["type"].endswith("/category-not-found")


async def test_keywords_edit_needs_supervisor(client, officer, app_key):
    r = await client.put("/v1/categories/noise/keywords", json={"keywords": ["bising"]}, headers=officer)
    assert r.status_code == 403
    assert (await client.get("/v1/categories/noise/keywords", headers=app_key)).status_code == 403


async def test_without_the_routing_state_classify_is_503(app, client, app_key):
    placer, app.state.placer = app.state.placer, None
    try:
        r = await client.post("/v1/classify", json={"text": "banjir"}, headers=app_key)
    finally:
        app.state.placer = placer
    assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json")

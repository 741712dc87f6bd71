"""An officer corrects a complaint's category: who may, what changes, and the labelled example the
classifier gets (``aduan classifier examples`` writes them as CSV for ``aduan classifier eval``)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest

from app import cli
from app.classification.classifier import model_version
from app.classification.keywords import DEFAULT_KEYWORDS
from tests.helpers import current_version, transition
from tests.org import helpers as h

TEXT = "Air di got depan rumah meluap, pipa bocor sejak kemarin"


async def put_category(
    client: httpx.AsyncClient,
    cid: str,
    body: dict[str, Any],
    headers: dict[str, str],
    version: int | None = None,
) -> httpx.Response:
    if version is None:
        version = await current_version(client, cid, {**headers})
    return await client.put(
        f"/v1/complaints/{cid}/category", json=body, headers={**headers, "If-Match": f'"{version}"'}
    )


async def officer_of(
    client: httpx.AsyncClient, admin: dict[str, str], unit: str, name: str
) -> dict[str, str]:
    r = await client.post(
        "/v1/officers", json={"name": name, "unit": unit, "capacity": 0, "api_key": True}, headers=admin
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['api_key']}"}


async def test_an_officer_corrects_and_an_example_is_kept(client, admin, app_key, db) -> None:  # type: ignore[no-untyped-def]
    await h.setup_routing(client, admin)
    mine = await officer_of(client, admin, "kel-31.99.01.1001", "Siti")
    c = await h.submit(client, app_key, TEXT, location=h.IN_SUKAMAJU)
    assert c["category"] == "drainage_flood" and c["unit"] == "kel-31.99.01.1001"
    version = c["metadata"]["classification"]["version"]
    assert version == model_version(DEFAULT_KEYWORDS)
    before = await h.full(client, admin, c["id"])
    r = await put_category(client, c["id"], {"category": "water_supply", "note": "Pipa PAM, bukan got"}, mine)
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["category"] == "water_supply" and after["version"] == before["version"] + 1
    assert r.headers["etag"] == f'"{after["version"]}"'
    # the unit and the clocks stay
    assert (after["unit"], after["due_at"], after["response_due_at"]) == (
        before["unit"], before["due_at"], before["response_due_at"],
    )  # fmt: skip
    event = after["events"][-1]
    assert event["kind"] == "category_changed" and event["public"] is False
    assert event["data"]["from"] == "drainage_flood" and event["data"]["to"] == "water_supply"
    # the citizen's view does not show the internal note
    public = (await client.get(f"/v1/complaints/{c['id']}", headers=app_key)).json()
    assert all(e["kind"] != "category_changed" for e in public["events"])
    assert public["category"] == "water_supply"
    row = await db.fetchrow("SELECT * FROM classification_examples")
    assert row["text"] == TEXT and row["category"] == "water_supply"
    assert row["previous_category"] == "drainage_flood" and row["model_version"] == version
    assert str(row["complaint_id"]) == c["id"] and row["created_by"].startswith("officer:")
    audit = (await client.get("/v1/audit", params={"action": "complaint.category"}, headers=admin)).json()
    assert [a["data"]["to"] for a in audit["items"]] == ["water_supply"]


async def test_who_may_correct(client, admin, app_key, make_key) -> None:  # type: ignore[no-untyped-def]
    await h.setup_routing(client, admin)
    other = await officer_of(client, admin, "kel-31.99.01.1002", "Budi")
    c = await h.submit(client, app_key, TEXT, location=h.IN_SUKAMAJU)
    body = {"category": "water_supply"}
    assert (await put_category(client, c["id"], body, app_key, c["version"])).status_code == 403
    partner = await make_key("partner")
    assert (await put_category(client, c["id"], body, partner, c["version"])).status_code == 403
    r = await put_category(client, c["id"], body, other, c["version"])
    assert r.status_code == 404  # another unit's complaint: as if it did not exist
    r = await client.put(f"/v1/complaints/{c['id']}/category", json=body)
    assert r.status_code == 401
    supervisor = await make_key("supervisor", unit="kel-31.99.01.1001")
    r = await put_category(client, c["id"], body, supervisor)
    assert r.status_code == 200, r.text
    r = await put_category(client, c["id"], {"category": "drainage_flood"}, admin)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"category": "potholes"}, 422),
        ({"category": "drainage_flood"}, 422),  # unchanged
        ({"category": ""}, 422),
        ({"category": "x" * 41}, 422),
        ({"category": "roads", "extra": 1}, 422),
    ],
)
async def test_bad_corrections_change_nothing(client, admin, app_key, db, body, status) -> None:  # type: ignore[no-untyped-def]
    await h.setup_routing(client, admin)
    c = await h.submit(client, app_key, TEXT, location=h.IN_SUKAMAJU)
    r = await put_category(client, c["id"], body, admin, c["version"])
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert (await h.full(client, admin, c["id"]))["version"] == c["version"]
    assert await db.fetchval("SELECT count(*) FROM classification_examples") == 0


async def test_preconditions_and_closed_complaints(client, admin, app_key) -> None:  # type: ignore[no-untyped-def]
    await h.setup_routing(client, admin)
    c = await h.submit(client, app_key, TEXT, location=h.IN_SUKAMAJU)
    url = f"/v1/complaints/{c['id']}/category"
    assert (await client.put(url, json={"category": "roads"}, headers=admin)).status_code == 428
    r = await client.put(url, json={"category": "roads"}, headers={**admin, "If-Match": '"99"'})
    assert r.status_code == 412
    assert (await transition(client, c["id"], {"status": "rejected"}, admin)).status_code == 200
    r = await put_category(client, c["id"], {"category": "roads"}, admin)
    assert r.status_code == 409


async def test_examples_export_feeds_the_evaluation(
    client, admin, app_key, database_url, tmp_path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    await h.setup_routing(client, admin)
    c = await h.submit(client, app_key, TEXT, location=h.IN_SUKAMAJU)
    d = await h.submit(client, app_key, "Lampu jalan mati di gang sebelah masjid", location=h.IN_SUKAMAJU)
    assert (await put_category(client, c["id"], {"category": "water_supply"}, admin)).status_code == 200
    assert (await put_category(client, d["id"], {"category": "public_facilities"}, admin)).status_code == 200
    out = tmp_path / "examples.csv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADUAN_")} | {"DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "classifier", "examples", str(out)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "2 examples written" in done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["text"], r["category"], r["previous_category"]) for r in rows] == [
        (TEXT, "water_supply", "drainage_flood"),
        ("Lampu jalan mati di gang sebelah masjid", "public_facilities", "street_lights"),
    ]
    capsys.readouterr()
    assert cli.main(["classifier", "eval", str(out)]) == 0
    # the shipped keywords got both wrong: that is why the officers corrected them
    assert "category accuracy on complaints: 0.0 % (0/2)" in capsys.readouterr().out

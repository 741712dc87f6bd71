"""The shared harness: every golden payload, through the HTTP endpoints, with real signatures.

Each file under ``payloads/<dir>/`` is a list of steps (request, whether to
sign it, expected answer, expected stored complaints); see the files and
``signers_*.py``. Signatures are computed by the signers, written from the
platforms' documentation independently of the verifiers.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from app.core.config import Settings
from tests.channels import signers_others, signers_platforms
from tests.conftest import CHANNEL_SECRETS

PAYLOADS = Path(__file__).parent / "payloads"
SIGNERS = {**signers_platforms.SIGNERS, **signers_others.SIGNERS}
CASES = sorted(PAYLOADS.glob("*/*.json"))
ALIASES = {f.alias: name for name, f in Settings.model_fields.items() if f.alias}


def _body(request: dict[str, Any]) -> tuple[bytes | None, dict[str, Any]]:
    """(raw bytes, or None for multipart) and httpx keyword arguments."""
    if request.get("files"):
        files = []
        for f in request["files"]:
            data = base64.b64decode(f["base64"]) if "base64" in f else f["text"].encode()
            files.append((f["field"], (f["filename"], data, f["content_type"])))
        return None, {"data": request.get("form", {}), "files": files}
    raw = signers_others.body_bytes(request)
    return raw, {"content": raw}


async def _send(client, make_key, step: dict[str, Any]):  # type: ignore[no-untyped-def]
    request = json.loads(json.dumps(step["request"]))  # signers may write into it
    headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
    if "json" in request:
        headers.setdefault("content-type", "application/json")
    elif "form" in request and not request.get("files"):
        headers.setdefault("content-type", "application/x-www-form-urlencoded")
    if step.get("sign"):
        signer_key = step.get("signer") or step["_dir"]
        headers.update({k.lower(): v for k, v in SIGNERS[signer_key](request, CHANNEL_SECRETS).items()})
    if step.get("auth"):
        headers.update(
            {k.lower(): v for k, v in (await make_key(step["auth"], f"golden-{step['auth']}")).items()}
        )
    raw, kwargs = _body(request)
    if raw is None:
        headers.pop("content-type", None)  # httpx sets the multipart boundary
    return await client.request(
        request["method"], request["path"], params=request.get("query") or None, headers=headers, **kwargs
    )


def _check_outcomes(got: list[dict], expected: list[dict], tickets: list[str | None], where: str) -> None:
    assert len(got) == len(expected), f"{where}: outcomes {got}"
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        for key, value in e.items():
            if key == "same_ticket_as_step":
                assert g.get("ticket") and g["ticket"] == tickets[value], f"{where}[{i}]: {g} vs step {value}"
            else:
                assert g.get(key) == value, f"{where}[{i}].{key}: {g}"
        if g["action"] in ("created", "followed_up", "updated", "duplicate"):
            assert g.get("ticket") and g.get("complaint_id"), f"{where}[{i}]: a complaint is concerned: {g}"


async def _complaint_by_external_id(client, officer, external_id: str) -> dict:  # type: ignore[no-untyped-def]
    r = await client.get("/v1/complaints", params={"external_id": external_id}, headers=officer)
    items = r.json()["items"]
    assert len(items) == 1, f"complaint {external_id!r}: {len(items)} found"
    full = await client.get(f"/v1/complaints/{items[0]['id']}", headers=officer)
    return full.json()


def _check_complaint(c: dict, e: dict, where: str) -> None:
    for key, value in e.items():
        if key == "external_id":
            continue
        if key == "description_contains":
            assert value in c["description"], f"{where}: {c['description']!r}"
        elif key == "location":
            if value is None:
                assert c["location"] is None, where
            else:
                assert c["location"] is not None, f"{where}: no location"
                assert round(c["location"]["lat"], 4) == round(value["lat"], 4), where
                assert round(c["location"]["lon"], 4) == round(value["lon"], 4), where
        elif key == "attachments_count":
            assert len(c["attachments"]) == value, f"{where}: {c['attachments']}"
        elif key == "reporter":
            rep = c["reporter"]
            assert rep is not None, f"{where}: no reporter"
            for rk, rv in value.items():
                if rk == "handle":
                    assert rv.lower() in [h.lower() for h in rep["handles"].values()], f"{where}: {rep}"
                else:
                    assert rep[rk] == rv, f"{where}: reporter.{rk} {rep[rk]!r}"
        else:
            assert c[key] == value, f"{where}: {key} = {c[key]!r}, expected {value!r}"


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
async def test_golden(case: Path, client, make_key, app):  # type: ignore[no-untyped-def]
    spec = json.loads(case.read_text(encoding="utf-8"))
    settings = app.state.settings
    saved = {}
    for var, value in (spec.get("env") or {}).items():
        field = ALIASES[var]
        saved[field] = getattr(settings, field)
        setattr(settings, field, value)
    officer = await make_key("admin", "golden-reader")  # secret complaints are for admins and their unit
    tickets: list[str | None] = []
    try:
        for n, step in enumerate(spec["steps"]):
            where = f"{case.parent.name}/{case.stem} step {n}"
            r = await _send(client, make_key, {**step, "_dir": case.parent.name})
            expect = step["expect"]
            assert r.status_code == expect["status"], f"{where}: {r.status_code} {r.text}"
            if r.status_code >= 400:
                assert r.headers["content-type"].startswith("application/problem+json"), where
            if "text" in expect:
                assert r.text == expect["text"], where
            if "json" in expect:
                assert r.json() == expect["json"], where
            got = (
                r.json().get("outcomes", [])
                if r.headers["content-type"].startswith("application/json")
                else []
            )
            if "outcomes" in expect:
                _check_outcomes(got, expect["outcomes"], tickets, where)
            tickets.append(next((o.get("ticket") for o in got if o.get("ticket")), None))
            for c in expect.get("complaints", []):
                _check_complaint(await _complaint_by_external_id(client, officer, c["external_id"]), c, where)
            if "events_contains" in expect:
                ev = expect["events_contains"]
                ticket = tickets[ev["step"]]
                listed = await client.get("/v1/complaints", params={"limit": 100}, headers=officer)
                target = next(i for i in listed.json()["items"] if i["ticket"] == ticket)
                full = (await client.get(f"/v1/complaints/{target['id']}", headers=officer)).json()
                notes = " ".join(e["note"] or "" for e in full["events"])
                assert ev["text"] in notes, f"{where}: events {full['events']}"
    finally:
        for field, value in saved.items():
            setattr(settings, field, value)

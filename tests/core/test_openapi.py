"""The OpenAPI document: exported copy in sync, every operation documented."""

from __future__ import annotations

import json
from pathlib import Path

from app.main import create_app

EXPORTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def test_exported_openapi_matches_the_app():
    live = create_app().openapi()
    exported = json.loads(EXPORTED.read_text(encoding="utf-8"))
    assert exported == json.loads(json.dumps(live)), (
        "openapi/openapi.json is stale: run `aduan openapi export`"
    )


def test_every_operation_is_documented():
    schema = create_app().openapi()
    ops = [(path, m, op) for path, item in schema["paths"].items() for m, op in item.items()]
    assert ops
    ids = set()
    for path, method, op in ops:
        where = f"{method.upper()} {path}"
        assert op.get("summary"), where
        assert op.get("tags"), where
        assert op.get("operationId") and op["operationId"] not in ids, where
        ids.add(op["operationId"])
        errors = [code for code in op["responses"] if code.startswith(("4", "5"))]
        if op["operationId"] != "healthz":  # liveness has no failure answer but silence
            assert errors, f"{where} declares no error response"
        for code in errors:
            content = op["responses"][code].get("content", {})
            if path.startswith("/open311/"):  # GeoReport's own errors, in both its formats
                assert {"application/json", "text/xml"} <= set(content), f"{where} {code}"
                assert content["application/json"]["schema"]["items"]["$ref"].endswith("/Open311Error"), where
                continue
            assert "application/problem+json" in content, f"{where} {code} is not problem+json"
        if method in ("post", "put", "patch") and "requestBody" in op:
            body = op["requestBody"]["content"]
            assert any(
                "example" in c or "examples" in c or "$ref" in c.get("schema", {}) for c in body.values()
            ), where


def _has_example(content: dict, schemas: dict) -> bool:
    for media in content.values():
        if "example" in media or "examples" in media:
            return True
        ref = media.get("schema", {}).get("$ref")
        if ref:
            model = schemas[ref.rsplit("/", 1)[-1]]
            if "example" in model or "examples" in model:
                return True
    return False


def test_every_success_response_has_an_example():
    schema = create_app().openapi()
    schemas = schema["components"]["schemas"]
    missing = [
        f"{method.upper()} {path} {code}"
        for path, item in schema["paths"].items()
        for method, op in item.items()
        for code, response in op["responses"].items()
        if code.startswith("2") and code != "204" and not _has_example(response.get("content", {}), schemas)
    ]
    assert not missing, f"2xx responses without an example: {missing}"

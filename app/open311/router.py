"""``/open311/v2/``: Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), each resource
as ``.json`` and ``.xml``.

Who may call what: every GET is public (no key; everyone sees the same public view, as on the
tracking page). ``POST requests`` needs a key of role ``app`` or ``partner`` as ``api_key``
(form or query, as GeoReport clients send it) or as a Bearer header; other roles, and a missing
or unknown key, get 403. Errors are GeoReport's (``app.open311.formats``), never problem+json.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from app.core.deps import Conn, DbDep, SettingsDep
from app.intake.deps import PipelineDep
from app.open311 import schemas, service
from app.open311.formats import Format, render
from app.open311.schemas import (
    CreatedRequestOut,
    DiscoveryOut,
    ServiceDefinitionOut,
    ServiceOut,
    ServiceRequestOut,
    TokenOut,
)

router = APIRouter(prefix="/open311/v2", tags=["open311"])

Fmt = Annotated[Literal["json", "xml"], "the format: json or xml"]
Jurisdiction = Annotated[
    str | None,
    Query(max_length=200, description="Optional (one jurisdiction is served); another one is 404"),
]
_GET = schemas.errors(400, 404, 429, 503)


def _base(request: Request, settings: SettingsDep) -> str:
    return settings.public_base_url or str(request.base_url)


@router.get(
    "/discovery.{fmt}",
    operation_id="open311Discovery",
    summary="Service discovery: this endpoint, its formats and the catalogue's changeset",
    response_model=DiscoveryOut,
    responses={200: schemas.both("discovery", schemas.DISCOVERY_EXAMPLE, "The discovery document"), **_GET},
)
async def discovery(fmt: Fmt, request: Request, settings: SettingsDep) -> Response:
    return render(fmt, "discovery", service.discovery(settings, _base(request, settings)))


@router.get(
    "/services.{fmt}",
    operation_id="open311Services",
    summary="The service list: the complaint categories, their agency and keywords (Indonesian)",
    response_model=list[ServiceOut],
    responses={200: schemas.both("services", [schemas.SERVICE_EXAMPLE], "The services"), **_GET},
)
async def services(
    fmt: Fmt, conn: Conn, settings: SettingsDep, jurisdiction_id: Jurisdiction = None
) -> Response:
    service.check_jurisdiction(jurisdiction_id, settings)
    return render(fmt, "services", await service.service_list(conn))


_DEFINITION = {
    "summary": "A service definition: the attributes a request of this category may carry",
    "response_model": ServiceDefinitionOut,
    "responses": {
        200: schemas.both("service_definition", schemas.DEFINITION_EXAMPLE, "The service definition"),
        **_GET,
    },
}


async def _definition(
    fmt: Format, service_code: str, conn: Any, settings: Any, jurisdiction_id: str | None
) -> Response:
    service.check_jurisdiction(jurisdiction_id, settings)
    return render(fmt, "service_definition", await service.service_definition(conn, service_code))


@router.get("/services/{service_code}.{fmt}", operation_id="open311ServiceDefinition", **_DEFINITION)  # type: ignore[arg-type]
async def service_definition(
    service_code: str, fmt: Fmt, conn: Conn, settings: SettingsDep, jurisdiction_id: Jurisdiction = None
) -> Response:
    return await _definition(fmt, service_code, conn, settings, jurisdiction_id)


# The path the `open311` client on PyPI (1.1, still in deployed apps) asks definitions at:
# `service/{code}`, singular. Served, not documented.
@router.get("/service/{service_code}.{fmt}", include_in_schema=False)
async def service_definition_legacy(
    service_code: str, fmt: Fmt, conn: Conn, settings: SettingsDep, jurisdiction_id: Jurisdiction = None
) -> Response:
    return await _definition(fmt, service_code, conn, settings, jurisdiction_id)


@router.get(
    "/requests.{fmt}",
    operation_id="open311Requests",
    summary="Service requests: complaints by id, or by window, status and service (public view)",
    description=(
        "`service_request_id` (tickets, comma separated) overrides every other filter. Else: "
        "`start_date`/`end_date` (W3C date-times; at most 90 days apart; the last 90 days when neither "
        "is given), `status` (`open`, `closed`, comma separated), `service_code` (comma separated); "
        "newest first. Paging extension (as Chicago, Boston and San Francisco): `page_size` (1-1000, "
        'default 1000) and `page` (from 1); a `Link: <...>; rel="next"` header when there is more. '
        "Secret complaints are never listed; personal data never appears."
    ),
    response_model=list[ServiceRequestOut],
    responses={200: schemas.both("service_requests", [schemas.REQUEST_EXAMPLE], "The requests"), **_GET},
)
async def list_requests(
    fmt: Fmt,
    request: Request,
    conn: Conn,
    settings: SettingsDep,
    jurisdiction_id: Jurisdiction = None,
    service_request_id: Annotated[str | None, Query(max_length=20_000)] = None,
    service_code: Annotated[str | None, Query(max_length=2000)] = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    page: Annotated[str | None, Query(max_length=10, description="Paging extension: from 1")] = None,
    page_size: Annotated[str | None, Query(max_length=10, description="Paging extension: 1-1000")] = None,
) -> Response:
    service.check_jurisdiction(jurisdiction_id, settings)
    query = service.RequestQuery(
        service_request_id, service_code, start_date, end_date, status, page, page_size
    )
    result = await service.list_requests(conn, query, _base(request, settings))
    headers = {"Cache-Control": "public, max-age=15"}
    if result.more:
        nxt = request.url.include_query_params(page=result.page + 1, page_size=result.page_size)
        headers["Link"] = f'<{nxt}>; rel="next"'
    return render(fmt, "service_requests", result.items, headers=headers)


_FORM_EXAMPLE = (
    "api_key=ak_app_xxx&service_code=illegal_parking&lat=-6.1962&long=106.8317"
    "&address_string=Jl.+Teuku+Umar%2C+Gondangdia&description=Mobil+parkir+di+trotoar+setiap+pagi"
    "&first_name=Budi&last_name=Santoso&email=budi%40example.id&phone=081311110000"
    "&attribute[JENIS_KENDARAAN]=mobil&attribute[PLAT_NOMOR]=B+1234+XYZ"
)


@router.post(
    "/requests.{fmt}",
    operation_id="open311CreateRequest",
    summary="Create a service request (app or partner key): a complaint through the JAKI channel's intake",
    description=(
        "Form-encoded (`application/x-www-form-urlencoded`), GeoReport's fields: `api_key` (form or query; "
        "or `Authorization: Bearer`), `service_code`, a location (`lat` and `long`, or `address_string`, "
        "or `address_id` = a Kemendagri area code), `description` (at most 4000 characters), `email`, "
        "`first_name`, `last_name`, `phone`, `device_id`, `account_id`, `media_url`, `attribute[CODE]` "
        "(`attribute[CODE][]` repeated for a multivaluelist). It becomes a complaint of channel `jaki`, "
        "through the same intake, deduplication and routing as the JAKI app; the key may then read it "
        "at `/v1/complaints`. 201 with `service_request_id` (the ticket); the same request again from "
        "the same key the same day (or with the same `Idempotency-Key`) is 200 with the same id; 202 "
        "with a `token` when the request was kept but could not become a complaint yet."
    ),
    status_code=201,
    response_model=list[CreatedRequestOut],
    responses={
        201: schemas.both("service_requests", [schemas.CREATED_EXAMPLE], "Created: the complaint's ticket"),
        200: schemas.both(
            "service_requests", [schemas.CREATED_EXAMPLE], "The same request again: the same id"
        ),
        202: schemas.both(
            "service_requests",
            [{"token": schemas.TOKEN_EXAMPLE["token"], "service_notice": None, "account_id": None}],
            "Kept, not a complaint yet: follow the token",
        ),
        **schemas.errors(400, 403, 404, 429, 503),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "api_key": {"type": "string"},
                            "jurisdiction_id": {"type": "string"},
                            "service_code": {"type": "string"},
                            "lat": {"type": "number"},
                            "long": {"type": "number"},
                            "address_string": {"type": "string", "maxLength": 500},
                            "address_id": {"type": "string"},
                            "email": {"type": "string"},
                            "device_id": {"type": "string"},
                            "account_id": {"type": "string"},
                            "first_name": {"type": "string"},
                            "last_name": {"type": "string"},
                            "phone": {"type": "string"},
                            "description": {"type": "string", "maxLength": 4000},
                            "media_url": {"type": "string"},
                        },
                        "required": ["service_code"],
                    },
                    "example": _FORM_EXAMPLE,
                }
            },
        }
    },
)
async def create_request(
    fmt: Fmt, request: Request, db: DbDep, pipeline: PipelineDep, settings: SettingsDep
) -> Response:
    pairs = list(request.query_params.multi_items())
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form(max_files=0, max_fields=500)
        pairs += [(k, v) for k, v in form.multi_items() if not isinstance(v, UploadFile)]
    elif await request.body():
        raise service.Open311Invalid(
            "send the fields as application/x-www-form-urlencoded",
            errors=[{"field": "Content-Type", "detail": "send application/x-www-form-urlencoded"}],
        )
    api_key = next((v for k, v in reversed(pairs) if k == "api_key"), None)
    bearer = request.headers.get("authorization", "")
    principal = await service.authenticate(
        db, settings, api_key, bearer[7:] if bearer.lower().startswith("bearer ") else None
    )
    done = await service.submit(
        db,
        pipeline,
        settings,
        principal,
        [(k, v) for k, v in pairs if k != "api_key"],
        headers={k.lower(): v for k, v in request.headers.items()},
        url=str(request.url.remove_query_params("api_key")),
        idempotency_key=request.headers.get("idempotency-key"),
    )
    headers = {}
    if "service_request_id" in done.body:
        headers["Location"] = f"/open311/v2/requests/{done.body['service_request_id']}.{fmt}"
    return render(fmt, "service_requests", [done.body], status_code=done.status_code, headers=headers)


@router.get(
    "/requests/{service_request_id}.{fmt}",
    operation_id="open311Request",
    summary="One service request by its id (the ticket): the tracking page's public view",
    response_model=list[ServiceRequestOut],
    responses={200: schemas.both("service_requests", [schemas.REQUEST_EXAMPLE], "The request"), **_GET},
)
async def get_request(
    service_request_id: str, fmt: Fmt, request: Request, conn: Conn, settings: SettingsDep,
    jurisdiction_id: Jurisdiction = None,
) -> Response:  # fmt: skip
    service.check_jurisdiction(jurisdiction_id, settings)
    view = await service.get_request(conn, service_request_id, _base(request, settings))
    return render(fmt, "service_requests", [view], headers={"Cache-Control": "public, max-age=15"})


@router.get(
    "/tokens/{token}.{fmt}",
    operation_id="open311Token",
    summary="The service_request_id of a token (null until the kept request is a complaint)",
    response_model=list[TokenOut],
    responses={200: schemas.both("service_requests", [schemas.TOKEN_EXAMPLE], "The token's request"), **_GET},
)
async def token(
    token: str, fmt: Fmt, conn: Conn, settings: SettingsDep, jurisdiction_id: Jurisdiction = None
) -> Response:
    service.check_jurisdiction(jurisdiction_id, settings)
    return render(fmt, "service_requests", [await service.token_view(conn, token)])


def document(schema: dict[str, Any]) -> None:
    """The OpenAPI document's GeoReport operations answer GeoReport errors: no problem+json
    (FastAPI's 422 and the rate limiter's 429 are given in GeoReport's shape), and the error
    schema they refer to."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Open311Error"] = (
        schemas.Open311Error.model_json_schema()
    )
    for path, ops in schema.get("paths", {}).items():
        if not path.startswith(router.prefix):
            continue
        for op in ops.values():
            responses = op.get("responses", {})
            responses.pop("422", None)
            responses["429"] = schemas.errors(429)[429]

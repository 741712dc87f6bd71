"""The JSON shapes of GeoReport v2 as this facade answers them, for the OpenAPI document (the
handlers render their answers themselves, in JSON or XML: ``app.open311.formats``). Each
example is also given as the XML the same answer is, generated from it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from app.open311.formats import to_xml

SERVICE_EXAMPLE = {
    "service_code": "illegal_parking",
    "service_name": "Parkir Liar",
    "description": "Kendaraan parkir di bahu jalan, trotoar atau tempat terlarang, juru parkir liar.",
    "metadata": True,
    "type": "realtime",
    "keywords": "parkir liar, parkir sembarangan, juru parkir liar",
    "group": "Dinas Perhubungan",
}
DEFINITION_EXAMPLE = {
    "service_code": "illegal_parking",
    "attributes": [
        {
            "variable": True,
            "code": "PLAT_NOMOR",
            "datatype": "string",
            "required": False,
            "datatype_description": "Huruf dan angka seperti tertulis pada plat",
            "order": 1,
            "description": "Nomor polisi kendaraan, mis. B 1234 XYZ",
        },
        {
            "variable": True,
            "code": "JENIS_KENDARAAN",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": None,
            "order": 2,
            "description": "Jenis kendaraan",
            "values": [{"key": "motor", "name": "Sepeda motor"}, {"key": "mobil", "name": "Mobil"}],
        },
    ],
}
REQUEST_EXAMPLE = {
    "service_request_id": "K7M2-Q9XD",
    "status": "open",
    "status_notes": "Proses: Petugas menuju lokasi",
    "service_name": "Pohon Tumbang dan Perantingan",
    "service_code": "trees",
    "description": "Pohon angsana tumbang menutup satu lajur Jl. Teuku Umar.",
    "agency_responsible": "Kelurahan Gondangdia",
    "service_notice": "Target penyelesaian 3 hari sejak laporan diterima.",
    "requested_datetime": "2026-12-05T09:30:12+07:00",
    "updated_datetime": "2026-12-05T10:02:40+07:00",
    "expected_datetime": "2026-12-08T09:30:12+07:00",
    "address": "Jl. Teuku Umar, Gondangdia, Menteng, Kota Administrasi Jakarta Pusat",
    "address_id": "31.71.06.1004",
    "lat": -6.1962,
    "long": 106.8317,
    "media_url": "https://aduan.jakarta.go.id/v1/media/3f1c2a9e.jpg",
}
CREATED_EXAMPLE = {
    "service_request_id": "K7M2-Q9XD",
    "service_notice": "Target penyelesaian 3 hari sejak laporan diterima.",
    "account_id": None,
}
TOKEN_EXAMPLE = {"service_request_id": "K7M2-Q9XD", "token": "7d0b7c52-3f55-4a7e-9b43-8f0f3c1d2e6a"}
DISCOVERY_EXAMPLE = {
    "changeset": "2026-12-05T00:00:00Z",
    "contact": "Aduan, Pemprov DKI Jakarta",
    "key_service": "API key (role app or partner) dari admin layanan ini",
    "endpoints": [
        {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "https://aduan.jakarta.go.id/open311/v2",
            "changeset": "2026-12-05T00:00:00Z",
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }
    ],
}


def _ex(value: Any) -> dict[str, Any]:
    return {"examples": [value]}


class Open311Error(BaseModel):
    """One error: GeoReport answers a list of them (``<errors><error>``)."""

    model_config = ConfigDict(
        json_schema_extra=_ex({"code": 404, "description": "service_code 'x' was not found"})
    )
    code: int
    description: str


class ServiceOut(BaseModel):
    model_config = ConfigDict(json_schema_extra=_ex(SERVICE_EXAMPLE))
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class AttributeValue(BaseModel):
    key: str
    name: str


class AttributeOut(BaseModel):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[AttributeValue] | None = None


class ServiceDefinitionOut(BaseModel):
    model_config = ConfigDict(json_schema_extra=_ex(DEFINITION_EXAMPLE))
    service_code: str
    attributes: list[AttributeOut]


class ServiceRequestOut(BaseModel):
    """A complaint as the public may see it (the tracking page's masking)."""

    model_config = ConfigDict(json_schema_extra=_ex(REQUEST_EXAMPLE))
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str | None
    service_code: str | None
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class CreatedRequestOut(BaseModel):
    """``service_request_id`` when the complaint exists, else ``token``; never both."""

    model_config = ConfigDict(json_schema_extra=_ex(CREATED_EXAMPLE))
    service_request_id: str | None = None
    token: str | None = None
    service_notice: str | None
    account_id: str | None


class TokenOut(BaseModel):
    model_config = ConfigDict(json_schema_extra=_ex(TOKEN_EXAMPLE))
    service_request_id: str | None
    token: str


class EndpointOut(BaseModel):
    specification: str
    url: str
    changeset: str
    type: Literal["production", "test"]
    formats: list[str]


class DiscoveryOut(BaseModel):
    model_config = ConfigDict(json_schema_extra=_ex(DISCOVERY_EXAMPLE))
    changeset: str
    contact: str
    key_service: str
    endpoints: list[EndpointOut]


def both(root: str, example: Any, description: str) -> dict[str, Any]:
    """A response documented in both formats: the JSON example and the same answer as XML."""
    return {
        "description": description,
        "content": {
            "application/json": {"example": example},
            "text/xml": {"schema": {"type": "string"}, "example": to_xml(root, example).decode()},
        },
    }


_ERROR_TEXT = {
    400: ("The request cannot be done (a parameter is missing or wrong)", "service_code: was not provided"),
    403: (
        "api_key missing, unknown, revoked, or of a role that may not do this",
        "api_key is required to create a service request",
    ),
    404: ("No such service, request, token or jurisdiction", "service_code 'x' was not found"),
    405: ("Method not allowed", "GET is not allowed on /open311/v2/tokens/x.json"),
    429: ("Too many requests (see Retry-After)", "Too many requests; retry after 30 s"),
    503: (
        "The database is not reachable; retry shortly",
        "The database is not reachable; try again shortly.",
    ),
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Error responses as GeoReport gives them: a list of ``code`` and ``description``."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        text, detail = _ERROR_TEXT[code]
        example = [{"code": code, "description": detail}]
        out[code] = {
            "description": text,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Open311Error"}},
                    "example": example,
                },
                "text/xml": {"schema": {"type": "string"}, "example": to_xml("errors", example).decode()},
            },
        }
    return out

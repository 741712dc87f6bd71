"""GeoReport v2's two formats, and its errors.

XML is the specification's required format: schemaless, no namespace, the declaration with
``encoding="utf-8"`` first, ``Content-Type: text/xml; charset=utf-8``. JSON
(``application/json; charset=utf-8``) is the XML mapped by the Spark convention: a list element
holds its items (``<services><service>...`` is ``[{...}]``), an empty element is ``null``,
``true``/``false`` are booleans.

Errors: a list of ``code`` and ``description`` (``<errors><error>...``), in the format the path
asks for (``.json``, else XML), with the specification's HTTP statuses: 404 for what does not
exist, 403 for a missing or wrong ``api_key``, 400 for any other request that cannot be done
(the service's 401, 409, 413, 415 and 422 become 400; 405, 429, 500 and 503 keep their
status, with ``Retry-After`` where it was given). ``Open311Errors`` does that to every
``application/problem+json`` answer under ``/open311/``, whoever raised it (a handler, a
validation error, the rate limiter, the body limit, an unknown path), so a GeoReport client
never sees another error shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal
from xml.etree import ElementTree as ET

import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Format = Literal["json", "xml"]
PREFIX = "/open311/"
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# The element of each item of a list (Spark convention); any other list is an error here.
ITEM = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
# Characters XML 1.0 cannot carry, even escaped (C0 controls but tab, LF, CR; U+FFFE/U+FFFF;
# lone surrogates): dropped from text, which would otherwise make the document unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, sub in value.items():
            _fill(ET.SubElement(element, key), sub)
    elif isinstance(value, list):
        item = ITEM[element.tag]
        for sub in value:
            _fill(ET.SubElement(element, item), sub)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """``value`` (a dict, or a list of the items of ``root``) as a GeoReport XML document."""
    element = ET.Element(root)
    _fill(element, value)
    return (DECLARATION + ET.tostring(element, encoding="unicode")).encode()


def render(
    fmt: Format, root: str, value: Any, *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """The answer in the format the path named: ``value`` as JSON, or as XML under ``root``."""
    if fmt == "json":
        body = orjson.dumps(value)
        return Response(body, status_code=status_code, media_type=JSON_TYPE, headers=headers)
    return Response(to_xml(root, value), status_code=status_code, media_type=XML_TYPE, headers=headers)


def error_status(status: int) -> int:
    """The specification's HTTP status for an error the service answered with ``status``."""
    if status == 401:
        return 403  # "403 for errors because of wrong or missing api_key"
    if status in (404, 403, 405, 406, 408, 429) or status >= 500:
        return status
    return 400  # "basically 400 for any other error where the request can not be fulfilled"


def format_of(path: str) -> Format:
    """The format a path asks for: ``.json`` at its end, else the required XML."""
    return "json" if path.lower().endswith(".json") else "xml"


def errors_response(
    fmt: Format, status: int, errors: list[dict[str, Any]], headers: Mapping[str, str] | None = None
) -> Response:
    return render(fmt, "errors", errors, status_code=status, headers=headers)


def errors_from_problem(status: int, problem: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A problem+json body as GeoReport errors: one per field error it names, else its detail."""
    code = error_status(status)
    items = problem.get("errors")
    out = []
    if isinstance(items, list):
        for e in items[:20]:
            if isinstance(e, Mapping):
                field, detail = e.get("field"), e.get("detail") or "invalid"
                out.append({"code": code, "description": f"{field}: {detail}" if field else str(detail)})
    if not out:
        out.append(
            {"code": code, "description": str(problem.get("detail") or problem.get("title") or "error")}
        )
    return out


# Headers of a problem answer that stay on its GeoReport form (the body and its type change).
_KEPT = (b"retry-after", b"allow", b"x-request-id")


class Open311Errors:
    """ASGI middleware: every ``application/problem+json`` answer under ``/open311/`` leaves as
    GeoReport errors (see the module's docstring). Other paths pass untouched, unbuffered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if headers.get(b"content-type", b"").startswith(b"application/problem+json"):
                    start = message  # held until the whole problem is read
                    return
                await send(message)
                return
            if message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await self._convert(scope, start, b"".join(chunks), send)
                return
            await send(message)

        await self.app(scope, receive, wrapped)

    @staticmethod
    async def _convert(scope: Scope, start: Message, body: bytes, send: Send) -> None:
        try:
            problem = orjson.loads(body) if body else {}
        except orjson.JSONDecodeError:
            problem = {}
        if not isinstance(problem, dict):
            problem = {}
        status = int(start["status"])
        kept = {k.decode(): v.decode() for k, v in start.get("headers") or [] if k.lower() in _KEPT}
        response = errors_response(
            format_of(scope["path"]), error_status(status), errors_from_problem(status, problem), kept
        )
        await response(scope, _no_receive, send)


async def _no_receive() -> Message:  # pragma: no cover - a Response never reads the request
    return {"type": "http.disconnect"}

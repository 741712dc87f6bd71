"""``JsonRoute``: typed JSON bodies with Aduan's rules for what a body may be.

Handlers declare their body as a typed parameter (``body: ComplaintIn``), so the OpenAPI
document comes from the signature. Before FastAPI reads such a body, this route class applies
what every JSON body of this API must meet, whatever its schema, and answers in
``application/problem+json``:

- 415 when the ``Content-Type`` is not JSON (``application/json`` or ``application/*+json``);
- 400 when the body does not parse (``app.core.http.MalformedJson``);
- 422 for what no body may hold (``app.core.http.hostile_json``: NUL characters, nesting past 32
  levels, numbers beyond bigint or not finite);

then hands FastAPI the parsed document (orjson's, cached on the request), and FastAPI validates
it against the model: its 422 is rendered by ``app.core.errors``.

A refused body is answered only after the route's dependencies have run, as FastAPI does with
its own 422: a caller without a valid key gets 401 (or 403) whatever it sent, and learns nothing
about how bodies are checked. The refusal is kept on the side, FastAPI is given a body that
cannot validate, and the ``RequestValidationError`` it raises once the principal is known is
replaced by the refusal. Form and upload bodies
(``Form``/``File`` parameters) and bodyless operations pass through untouched. Body size limits
and read timeouts are ``app.core.http.BodyLimitMiddleware``'s, before any of this.

Use it as ``APIRouter(route_class=JsonRoute)``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from app.core.errors import UnsupportedMediaType
from app.core.http import MalformedJson, RequestInvalid, is_json, parse_json_body

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _Refused:
    """The body FastAPI is given for a refused one: no model (nor ``None``) accepts it."""


class JsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        field = self.body_field
        if field is None or isinstance(field.field_info, params.Form):
            return handler
        required = field.field_info.is_required()

        async def json_handler(request: Request) -> Response:
            refused: Exception | None = None
            if request.method in _BODY_METHODS:
                raw = await request.body()
                if raw or required:
                    content_type = request.headers.get("content-type")
                    try:
                        if not is_json(content_type):
                            raise UnsupportedMediaType(
                                f"send Content-Type: application/json (got {content_type or 'none'})"
                            )
                        # Starlette's Request.json() returns this cached document: FastAPI
                        # validates the body we parsed and checked, not a second parse.
                        request._json = parse_json_body(raw)
                    except (UnsupportedMediaType, MalformedJson, RequestInvalid) as exc:
                        refused = exc
                        request._json = _Refused()
            try:
                return await handler(request)
            except RequestValidationError:
                if refused is None:
                    raise
                raise refused from None

        return json_handler

"""Small HTTP helpers shared by every router: JSON in and out, body limits."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import (
    AppError,
    PayloadTooLarge,
    UnsupportedMediaType,
    problem_response,
    validation_problem,
)

M = TypeVar("M", bound=BaseModel)

JSON_TYPES = ("application/json",)


class MalformedJson(AppError):
    status, slug, title = 400, "malformed-json", "The body is not valid JSON"


class RequestInvalid(Exception):
    """Carries pydantic errors to the one validation renderer."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors


def _default(value: Any) -> Any:
    if isinstance(value, uuid.UUID):  # asyncpg's UUID subclass is not orjson's
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, default=_default)


def json_text(data: Any) -> str:
    """JSON as text, for jsonb parameters of raw SQL."""
    return dumps(data).decode()


def json_response(data: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status_code=status_code, media_type="application/json", headers=headers)


def is_json(content_type: str | None) -> bool:
    ct = (content_type or "").split(";", 1)[0].strip().lower()
    return ct in JSON_TYPES or (ct.startswith("application/") and ct.endswith("+json"))


async def read_json(request: Request, model: type[M], *, body: bytes | None = None) -> M:
    """Parse and validate a JSON body: 415 for another content type, 400 for
    JSON that does not parse, 422 naming the fields that are wrong."""
    if not is_json(request.headers.get("content-type")):
        raise UnsupportedMediaType(
            f"send Content-Type: application/json (got {request.headers.get('content-type') or 'none'})"
        )
    raw = body if body is not None else await request.body()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedJson(f"body is not valid JSON: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestInvalid(list(exc.errors(include_url=False))) from None


def install_request_invalid_handler(app) -> None:  # type: ignore[no-untyped-def]
    async def handler(request: Request, exc: RequestInvalid) -> Response:
        return validation_problem(exc.errors, instance=request.url.path)

    app.add_exception_handler(RequestInvalid, handler)


def json_body_schema(
    model: type[BaseModel], *, required: bool = True, examples: dict[str, Any] | None = None
):
    """``openapi_extra`` for an endpoint that reads its JSON body itself."""
    content: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
    if examples:
        content["examples"] = examples
    return {"requestBody": {"required": required, "content": {"application/json": content}}}


class BodyLimitMiddleware:
    """413 before reading a body over the limit (by Content-Length, or while streaming).

    Limits are per path prefix: photo uploads and mail with attachments need
    more than the 1 MiB that every JSON endpoint gets.
    """

    def __init__(self, app: ASGIApp, default_limit: int, limits: dict[str, int] | None = None):
        self.app = app
        self.default_limit = default_limit
        self.limits = sorted((limits or {}).items(), key=lambda kv: -len(kv[0]))

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.limits:
            if path.startswith(prefix):
                return limit
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = -1
                if length > limit:
                    await self._reject(scope, receive, send, limit)
                    return
                break
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise PayloadTooLarge(f"the body is over {limit} bytes")
            return message

        await self.app(scope, limited_receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413,
            PayloadTooLarge.title,
            f"the body is over the limit of {limit} bytes for {scope['path']}",
            slug=PayloadTooLarge.slug,
            instance=scope["path"],
        )
        await response(scope, receive, send)

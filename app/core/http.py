"""Small HTTP helpers shared by every router: JSON in and out, body limits."""

from __future__ import annotations

import asyncio
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


# Bodies that are uploads: photos and mail. Only these get a path's larger limit; a JSON body
# costs ~10 times its size in memory once parsed, so JSON keeps the JSON limit everywhere a
# path does not say otherwise (the GeoJSON area import does).
UPLOAD_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded", "message/rfc822"})


class BodyTimeout(AppError):
    status, slug, title = 408, "body-timeout", "The request body did not arrive in time"


class BodyLimitMiddleware:
    """413 before reading a body over its limit (by Content-Length, or while streaming), and
    408 when the next chunk of a body does not arrive within ``timeout`` seconds, so a client
    that sends headers and then trickles (or withholds) its body cannot hold a request forever.

    The limit depends on the path prefix and the content type: ``limits`` maps a prefix to
    ``(limit, content types)`` (``None``: any type); any other body gets ``default_limit``.
    Either answer closes the connection: the rest of that body is never read.
    """

    def __init__(
        self,
        app: ASGIApp,
        default_limit: int,
        limits: dict[str, tuple[int, frozenset[str] | None]] | None = None,
        timeout: float | None = 30.0,
    ):
        self.app = app
        self.default_limit = default_limit
        self.limits = sorted(
            ((prefix, limit, types) for prefix, (limit, types) in (limits or {}).items()),
            key=lambda rule: -len(rule[0]),
        )
        self.timeout = timeout if timeout and timeout > 0 else None

    def limit_for(self, path: str, content_type: str | None = None) -> int:
        ctype = (content_type or "").split(";", 1)[0].strip().lower()
        for prefix, limit, types in self.limits:
            if path.startswith(prefix):
                if types is None or ctype in types:
                    return limit
                break
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        length = -1
        content_type = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = -1
            elif name == b"content-type":
                content_type = value.decode("latin-1")
        limit = self.limit_for(scope["path"], content_type)
        if length > limit:
            await self._problem(PayloadTooLarge(self._too_large(limit, scope)), scope, receive, send)
            return
        timeout = self.timeout
        received = 0
        body_done = False
        failure: AppError | None = None
        started = replaced = False

        async def limited_receive() -> Message:
            nonlocal received, body_done, failure
            if body_done:  # after the body only a disconnect can come, whenever the client leaves
                return await receive()
            try:
                if timeout is None:
                    message = await receive()
                else:
                    async with asyncio.timeout(timeout):
                        message = await receive()
            except TimeoutError:
                failure = BodyTimeout(f"no part of the body arrived within {timeout:g} s")
                raise failure from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    failure = PayloadTooLarge(self._too_large(limit, scope))
                    raise failure
                body_done = not message.get("more_body", False)
            return message

        async def guarded_send(message: Message) -> None:
            # Whatever the endpoint made of the failure (its own 400, a wrapped exception), the
            # client gets the 413 or 408 that says what happened.
            nonlocal started, replaced
            if message["type"] == "http.response.start":
                started = True
                if failure is not None:
                    replaced = True
                    await self._problem(failure, scope, receive, send)
                    return
            if not replaced:
                await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if failure is None or started:
                raise
            await self._problem(failure, scope, receive, send)

    @staticmethod
    def _too_large(limit: int, scope: Scope) -> str:
        return f"the body is over the limit of {limit} bytes for {scope['path']} with its content type"

    @staticmethod
    async def _problem(error: AppError, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            error.status,
            error.title,
            error.detail,
            slug=error.slug,
            instance=scope["path"],
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)

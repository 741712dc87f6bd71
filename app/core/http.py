"""Small HTTP helpers shared by every router: JSON in and out, body limits."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import (
    AppError,
    PayloadTooLarge,
    problem_response,
    validation_problem,
)

JSON_TYPES = ("application/json",)


class MalformedJson(AppError):
    status, slug, title = 400, "malformed-json", "The body is not valid JSON"


class RequestInvalid(Exception):
    """Carries pydantic errors to the one validation renderer."""

    def __init__(self, errors: Sequence[Mapping[str, Any]]) -> None:
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


# How deep a JSON body may nest. No request schema goes past 4 levels; the free-form
# ``metadata`` objects get the rest. Deeper input is an attack on the parsers and on
# PostgreSQL's jsonb, not a complaint.
MAX_JSON_DEPTH = 32
# Integers PostgreSQL can hold (bigint); a JSON number outside them has no column to go to.
# The parser reads an integer literal past 64 bits as a float, so floats get the same bound
# (nothing this API measures comes near it: coordinates, metres, bytes, counts).
MAX_JSON_INT = 2**63 - 1
MAX_JSON_NUMBER = 2.0**63


def _json_problem(path: list[str | int], detail: str, kind: str) -> dict[str, Any]:
    return {"loc": ("body", *path), "msg": detail, "type": kind}


def hostile_json(data: Any) -> list[dict[str, Any]]:
    """What no request body may hold, whatever its schema: a string with NUL (PostgreSQL
    text cannot store U+0000, nor can jsonb), nesting deeper than ``MAX_JSON_DEPTH``, an
    integer beyond bigint, a number that is not finite. Pydantic-shaped errors, at most 5."""
    errors: list[dict[str, Any]] = []
    stack: list[tuple[Any, list[str | int]]] = [(data, [])]
    while stack and len(errors) < 5:
        value, path = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                errors.append(
                    _json_problem(path, "must not contain the NUL character (\\u0000)", "string_nul")
                )
        elif isinstance(value, dict | list):
            if len(path) >= MAX_JSON_DEPTH:
                errors.append(_json_problem(path, f"nested deeper than {MAX_JSON_DEPTH} levels", "too_deep"))
                continue
            if isinstance(value, dict):
                for key, item in value.items():
                    if "\x00" in key:
                        errors.append(_json_problem(path, "a key contains the NUL character", "string_nul"))
                    stack.append((item, [*path, key]))
            else:
                stack.extend((item, [*path, i]) for i, item in enumerate(value))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if not -MAX_JSON_INT - 1 <= value <= MAX_JSON_INT:
                errors.append(_json_problem(path, "number out of range", "number_too_large"))
        elif isinstance(value, float) and not (math.isfinite(value) and abs(value) < MAX_JSON_NUMBER):
            errors.append(_json_problem(path, "number out of range", "number_too_large"))
    return errors


def parse_json_body(raw: bytes) -> Any:
    """The JSON of a request body, or 400 (does not parse) / 422 (``hostile_json``)."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedJson(f"body is not valid JSON: {exc}") from None
    hostile = hostile_json(data)
    if hostile:
        raise RequestInvalid(hostile)
    return data


class NulGuardMiddleware:
    """422 for a URL whose path or query holds NUL (``%00``) before any endpoint reads it.

    Every query and path parameter ends up as a text parameter of some SQL statement,
    and PostgreSQL cannot take U+0000 in text; FastAPI's parameter validation has no
    rule for it, so it is checked once here for all of them.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            errors = _nul_in_url(scope)
            if errors:
                await validation_problem(errors, instance=scope.get("path"))(scope, receive, send)
                return
        await self.app(scope, receive, send)


_NUL_IN_URL = "must not contain the NUL character (%00)"


def _nul_in_url(scope: Scope) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if "\x00" in scope.get("path", ""):
        errors.append({"loc": ("path",), "msg": _NUL_IN_URL, "type": "string_nul"})
    query: bytes = scope.get("query_string") or b""
    if b"%00" in query or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                field = name.replace("\x00", "") or "query"
                errors.append({"loc": ("query", field), "msg": _NUL_IN_URL, "type": "string_nul"})
        if not errors:
            errors.append({"loc": ("query",), "msg": _NUL_IN_URL, "type": "string_nul"})
    return errors


def install_request_invalid_handler(app: FastAPI) -> None:
    @app.exception_handler(RequestInvalid)
    async def handler(request: Request, exc: RequestInvalid) -> Response:
        return validation_problem(exc.errors, instance=request.url.path)

    app.add_middleware(NulGuardMiddleware)


# Bodies that are uploads: photos and mail. Only these get a path's larger limit; a JSON body
# costs ~10 times its size in memory once parsed, so JSON keeps the JSON limit everywhere a
# path does not say otherwise (the GeoJSON area import does).
UPLOAD_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded", "message/rfc822"})


# The slowest average a body may arrive at, measured over each ADUAN_BODY_TIMEOUT span.
MIN_BODY_RATE = 1024


class BodyTimeout(AppError):
    status, slug, title = 408, "body-timeout", "The request body did not arrive in time"


class BodyLimitMiddleware:
    """413 before reading a body over its limit (by Content-Length, or while streaming), and
    408 when the next chunk of a body does not arrive within ``timeout`` seconds or the body
    averages less than ``MIN_BODY_RATE`` over such a span, so a client that sends headers and
    then withholds or trickles its body cannot hold a request for long.

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
        # One timer per request, not one per chunk (asyncio.timeout around each receive cost
        # ~10 us a request): it wakes at most every `timeout` seconds and cancels the read only
        # while the endpoint is waiting for a chunk that is late, or the body is too slow.
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle | None = None
        waiter: asyncio.Task[Any] | None = None
        last_chunk = span_start = 0.0
        span_bytes = 0
        timed_out: str | None = None

        def check() -> None:
            # A chunk must come within `timeout`, and over each `timeout` span the body must
            # average MIN_BODY_RATE: one byte every few seconds is not an upload.
            nonlocal timer, timed_out, span_start, span_bytes
            timer = None
            if body_done or timeout is None:
                return
            now = loop.time()
            idle, span = now - last_chunk, now - span_start
            slow = span >= timeout and received - span_bytes < MIN_BODY_RATE * span
            if waiter is not None and (idle >= timeout or slow):
                timed_out = (
                    f"no part of the body arrived within {timeout:g} s"
                    if idle >= timeout
                    else f"the body arrives slower than {MIN_BODY_RATE} bytes/s"
                )
                waiter.cancel()
                return
            if span >= timeout:
                span_start, span_bytes = now, received
            timer = loop.call_later(max(timeout - idle, 0.05), check)

        async def limited_receive() -> Message:
            nonlocal received, body_done, failure, timer, waiter, last_chunk, span_start
            if body_done:  # after the body only a disconnect can come, whenever the client leaves
                return await receive()
            if timeout is not None and timer is None and not timed_out:
                last_chunk = span_start = loop.time()
                timer = loop.call_later(timeout, check)
            waiter = asyncio.current_task()
            try:
                message = await receive()
            except asyncio.CancelledError:
                if not timed_out or waiter is None:
                    raise
                waiter.uncancel()
                failure = BodyTimeout(timed_out)
                raise failure from None
            finally:
                waiter = None
            last_chunk = loop.time()
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
        finally:
            if timer is not None:
                timer.cancel()

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

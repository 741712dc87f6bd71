"""One error base class and one renderer: RFC 9457 ``application/problem+json``.

Every error the service answers, its own or the framework's (404, 405, 422),
leaves through ``problem_response``; no response ever carries a stack trace.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
import orjson
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from app.core.db import DB_UNAVAILABLE_ERRORS

log = logging.getLogger("aduan.errors")

PROBLEM_TYPE_BASE = "https://aduan.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


class AppError(Exception):
    """A domain error with its HTTP status and a problem type slug."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = headers or {}
        self.extra = extra


class NotFound(AppError):
    status, slug, title = 404, "not-found", "Not found"


class Unauthorized(AppError):
    status, slug, title = 401, "unauthorized", "Missing or unknown API key"

    def __init__(self, detail: str | None = None, **extra: Any):
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extra)


class Forbidden(AppError):
    status, slug, title = 403, "forbidden", "This key may not do that"


class Conflict(AppError):
    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(AppError):
    status, slug, title = 412, "precondition-failed", "The resource changed since you read it"


class PayloadTooLarge(AppError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(AppError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported content type"


class Unprocessable(AppError):
    status, slug, title = 422, "validation-error", "The request is not valid"


class UnknownReference(Unprocessable):
    """A body names a unit, officer or the like that does not exist: 422, not 404 (the path
    exists; what the body points at does not)."""

    slug = "unknown-reference"
    title = "The request names something that does not exist"


class ServiceUnavailable(AppError):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (slug or str(status)),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(
        orjson.dumps(body, default=str), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def field_errors(
    errors: Sequence[Mapping[str, Any]], *, drop_prefix: tuple[str, ...] = ("body",)
) -> list[dict[str, Any]]:
    """Pydantic errors as ``[{"field": "location.lat", "detail": ...}]``.

    ``field`` is always a string (the Problem schema says so): an error about the
    whole body (a model validator, a body that is not an object) names ``body``,
    one about a whole header or query parameter names its location.
    """
    out = []
    for err in errors:
        full = [str(p) for p in err.get("loc", ())]
        loc = full[1:] if full and full[0] in drop_prefix else full
        field = ".".join(loc) or (full[0] if full else "body")
        out.append(
            {
                "field": field,
                "detail": str(err.get("msg") or "invalid"),
                "type": str(err.get("type") or "invalid"),
            }
        )
    return out


def normalise_errors(errors: Any) -> list[dict[str, str]]:
    """``errors`` given by hand (``Unprocessable(errors=[...])``) in the Problem schema's shape."""
    out = []
    for err in errors if isinstance(errors, list) else []:
        if not isinstance(err, dict):
            continue
        item = {k: str(v) for k, v in err.items() if v is not None}
        item.setdefault("field", "body")
        item.setdefault("detail", "invalid")
        out.append(item)
    return out


def validation_problem(errors: Sequence[Mapping[str, Any]], instance: str | None = None) -> Response:
    fields = field_errors(errors)
    summary = "; ".join(f"{e['field']}: {e['detail']}" for e in fields[:5])
    return problem_response(
        422,
        Unprocessable.title,
        summary or "invalid request",
        slug=Unprocessable.slug,
        instance=instance,
        errors=fields,
    )


_HTTP_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported content type",
    422: "The request is not valid",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        extra = dict(exc.extra)
        if "errors" in extra:
            extra["errors"] = normalise_errors(extra["errors"])
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            slug=exc.slug,
            instance=request.url.path,
            headers=exc.headers,
            **extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = _HTTP_TITLES.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) else title
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No resource at {request.url.path}"
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return problem_response(
            exc.status_code, title, detail, instance=request.url.path, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(RequestValidationError)
    async def request_validation_error(request: Request, exc: RequestValidationError) -> Response:
        return validation_problem(list(exc.errors()), instance=request.url.path)

    @app.exception_handler(ValidationError)
    async def pydantic_validation_error(request: Request, exc: ValidationError) -> Response:
        return validation_problem(list(exc.errors()), instance=request.url.path)

    def db_unavailable(request: Request) -> Response:
        return problem_response(
            503,
            "Service unavailable",
            "The database is not reachable; try again shortly.",
            slug="database-unavailable",
            instance=request.url.path,
            headers={"Retry-After": "5"},
        )

    async def infrastructure_error(request: Request, exc: Exception) -> Response:
        # Handled here (not by the catch-all) so the answer is final and not re-raised.
        if _is_db_unavailable(exc):
            log.warning("database unavailable on %s: %s", request.url.path, type(exc).__name__)
            return db_unavailable(request)
        return await unexpected(request, exc)

    async def unexpected(request: Request, exc: Exception) -> Response:
        if _is_db_unavailable(exc):
            log.warning("database unavailable: %s", type(exc).__name__)
            return db_unavailable(request)
        rejected = data_error_problem(exc, request)
        if rejected is not None:
            return rejected
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500,
            "Internal server error",
            "Something went wrong on our side; it has been logged.",
            slug="internal",
            instance=request.url.path,
        )

    @app.exception_handler(ClientDisconnect)
    async def client_disconnect(request: Request, exc: Exception) -> Response:
        # The client left before its body arrived (a timeout, a closed app): nothing was read, so
        # nothing was done, and nobody is left to answer. Not a server error.
        log.info("client disconnected during %s %s", request.method, request.url.path)
        return problem_response(
            400, "Client disconnected", "The request body did not arrive.", slug="client-disconnected"
        )

    async def database_rejected(request: Request, exc: Exception) -> Response:
        rejected = data_error_problem(exc, request)
        return rejected if rejected is not None else await unexpected(request, exc)

    # The handlers above are registered by their decorators; these take a whole family each.
    for cls in (*DB_UNAVAILABLE_ERRORS, sqlalchemy.exc.DBAPIError, sqlalchemy.exc.TimeoutError):
        app.add_exception_handler(cls, infrastructure_error)
    for cls in _REJECTED_BY_DATABASE:
        app.add_exception_handler(cls, database_rejected)
    app.add_exception_handler(Exception, unexpected)


# --------------------------------------------------------------------------- the database said no
#
# A last line of defence, not validation: every value that reaches SQL should have been checked
# by a request schema first. When one slips through (a text with NUL, a string longer than its
# column, a number out of range, a reference to a row that does not exist), the caller sent
# something wrong and gets a 4xx problem instead of a 500; the WARNING says which check is
# missing so that it gets written.

_REJECTED_BY_DATABASE: tuple[type[asyncpg.PostgresError], ...] = (
    asyncpg.exceptions.DataError,  # 22xxx: truncation, out of range, bad encoding, NUL, bad text
    asyncpg.exceptions.IntegrityConstraintViolationError,  # 23xxx
    asyncpg.exceptions.ProgramLimitExceededError,  # 54000: e.g. an index row too large
)
# SQLSTATE -> (status, what the caller did wrong)
_REJECTION_TEXT = {
    "22001": (422, "a value is longer than allowed"),
    "22003": (422, "a number is out of range"),
    "22008": (422, "a date or time is out of range"),
    "22021": (422, "a text holds a character that cannot be stored (NUL or invalid UTF-8)"),
    "22P05": (422, "a text holds a character that cannot be stored (NUL or invalid UTF-8)"),
    "23502": (422, "a required value is missing (null)"),
    "23503": (422, "a referenced record does not exist"),
    "23505": (409, "it conflicts with an existing record"),
    "23514": (422, "a value is not allowed"),
    "23P01": (409, "it conflicts with an existing record"),
    "54000": (422, "a value is too large"),
}
_KEY_COLUMNS = re.compile(r"Key \(([^)]+)\)")


def _database_rejection(exc: BaseException) -> asyncpg.PostgresError | None:
    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 6:
        if isinstance(cur, _REJECTED_BY_DATABASE):
            return cur
        cur = getattr(cur, "orig", None) or cur.__cause__ or cur.__context__
        seen += 1
    return None


def data_error_problem(exc: BaseException, request: Request) -> Response | None:
    """The 4xx problem for an error by which the database refused the caller's data, else None."""
    err = _database_rejection(exc)
    if err is None:
        return None
    sqlstate = getattr(err, "sqlstate", None) or ""
    status, what = _REJECTION_TEXT.get(
        sqlstate, (409 if sqlstate.startswith("23") else 422, "a value cannot be stored")
    )
    field = getattr(err, "column_name", None)
    if not field:
        keys = _KEY_COLUMNS.search(getattr(err, "detail", None) or "")
        field = keys.group(1) if keys else "body"
    log.warning(
        "database rejected the data of %s %s (%s %s on %s): a request check is missing",
        request.method,
        request.url.path,
        sqlstate or "-",
        type(err).__name__,
        getattr(err, "table_name", None) or field,
    )
    detail = f"{field}: {what}" if field != "body" else f"The request was refused: {what}."
    return problem_response(
        status,
        _HTTP_TITLES[status] if status in _HTTP_TITLES else "Error",
        detail,
        slug="conflict" if status == 409 else Unprocessable.slug,
        instance=request.url.path,
        errors=[{"field": field, "detail": what, "type": f"database.{sqlstate or 'data'}"}],
    )


def _is_db_unavailable(exc: BaseException) -> bool:
    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 6:
        if isinstance(cur, sqlalchemy.exc.DBAPIError) and cur.connection_invalidated:
            return True
        if isinstance(cur, DB_UNAVAILABLE_ERRORS) or isinstance(
            cur, sqlalchemy.exc.TimeoutError | sqlalchemy.exc.InterfaceError
        ):
            return True
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return False


# The error responses every operation may declare in OpenAPI.
PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "detail": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}


def problem(status: int, description: str, example_detail: str | None = None) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "example": {
                    "type": PROBLEM_TYPE_BASE + str(status),
                    "title": _HTTP_TITLES.get(status, "Error"),
                    "status": status,
                    "detail": example_detail or description,
                },
            }
        },
    }


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    texts = {
        400: "Malformed request (e.g. JSON that does not parse)",
        401: "Missing or unknown API key",
        403: "The key's role may not do this",
        404: "Not found",
        408: "The request body did not arrive in time",
        409: "Conflicts with the current state",
        412: "If-Match does not match the current version",
        428: "If-Match is required (the version you read)",
        429: "Over the rate limit; Retry-After says when to retry",
        413: "Body over the size limit",
        415: "Content type not accepted",
        422: "A field is invalid; `errors` names it",
        503: "Database or channel not available",
    }
    return {s: problem(s, texts.get(s, "Error")) for s in statuses}

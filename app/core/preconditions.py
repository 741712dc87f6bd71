"""Optimistic concurrency: every state-changing call on one resource names the version it read.

``If-Match: "<version>"`` (the resource's ETag; ``W/"3"`` and a bare ``3`` are accepted too) is
required on transitions, assignment and EWS of a complaint and on every PATCH: without it the
answer is 428, with another version 412. ``If-Match: *`` is a blind overwrite, exactly what this
rule exists to prevent, so it counts as missing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from app.core.errors import AppError, PreconditionFailed


class PreconditionRequired(AppError):
    status, slug, title = 428, "precondition-required", "If-Match is required"


IfMatch = Annotated[
    str | None,
    Header(
        max_length=100,
        description='The version you read (the ETag), e.g. "3": required; 428 without it, 412 when stale',
    ),
]


def expected_version(value: str | None) -> int:
    """The version an ``If-Match`` header names; 428 when it names none."""
    if value is None or not value.strip() or value.strip() == "*":
        raise PreconditionRequired(
            'send If-Match with the version you read (its ETag, e.g. If-Match: "3"); blind overwrites are refused'
        )
    v = value.strip()
    if v.startswith("W/"):
        v = v[2:]
    v = v.strip('"')
    try:
        version = int(v)
    except ValueError:
        raise PreconditionFailed(f"If-Match {value!r} is not a version this API gave out") from None
    if not 0 < version < 2**31:
        raise PreconditionFailed(f"If-Match {value!r} is not a version this API gave out")
    return version


def check_version(expected: int, current: int) -> None:
    if expected != current:
        raise PreconditionFailed(
            f"If-Match {expected} does not match the current version {current}", current_version=current
        )

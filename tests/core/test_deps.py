"""The request's database connection goes back to the pool when the handler returns."""

from __future__ import annotations

from typing import get_args

from fastapi import params

from app.core.deps import Conn, connection


def test_the_connection_is_released_before_the_answer_is_sent():
    # With FastAPI's default scope ("request") a dependency with yield ends after the answer is
    # sent: the pool's waiters then lose their place to the client's next request (bench/README).
    dependency = get_args(Conn)[1]
    assert isinstance(dependency, params.Depends)
    assert dependency.dependency is connection
    assert dependency.scope == "function"

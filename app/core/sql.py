"""Named parameters for raw asyncpg statements.

asyncpg speaks PostgreSQL's positional ``$1, $2, ...``. A statement assembled from parts written
in different modules (the intake's insert with the officer pick of ``app.assignment``) must not
depend on which number each part's values get, so such parts are written with ``:name``
placeholders and compiled once into a ``Statement``: its text uses ``$n`` (the same name, the
same number) and ``args(**values)`` orders the values for it. A missing or unexpected name is an
error at once, never a value silently bound to the wrong placeholder.

Casts (``:name::text``) and text such as ``'12:30'`` are left alone: a placeholder is a colon not
preceded by another colon or a word character, followed by a lower-case identifier.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_PLACEHOLDER = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


@dataclass(frozen=True, slots=True)
class Statement:
    """A compiled statement: ``text`` for asyncpg, ``names[i]`` the name bound to ``$i+1``."""

    text: str
    names: tuple[str, ...]

    def args(self, values: Mapping[str, Any] | None = None, /, **more: Any) -> tuple[Any, ...]:
        given = {**(values or {}), **more}
        missing = [n for n in self.names if n not in given]
        extra = sorted(set(given) - set(self.names))
        if missing or extra:
            raise KeyError(f"statement parameters: missing {missing}, unexpected {extra}")
        return tuple(given[n] for n in self.names)


def compile_named(sql: str) -> Statement:
    """``:name`` placeholders to ``$n``, numbered by first appearance."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return Statement(_PLACEHOLDER.sub(number, sql), tuple(names))

"""The complaint endpoints' own collaborator, as a FastAPI dependency.

A status move may hand the complaint to another unit (``coordination`` to the category's
agency, ``dispatched`` to the agency's sub-unit for its kota): the placer
(``app.intake.placement.Placer``) does that in its ``after_transition`` hook, in the move's
transaction. Complaints lie below the intake and may not import it, so they name
what they need of it here, as a ``Protocol``, and the dependency hands over the process's placer
typed as that (None before the service has started one).
"""

from __future__ import annotations

from typing import Annotated, Protocol

import asyncpg
from fastapi import Depends, Request


class TransitionHooks(Protocol):
    async def after_transition(self, conn: asyncpg.Connection, row: asyncpg.Record) -> asyncpg.Record | None:
        """Called in the transition's transaction with the moved complaint; answers the complaint
        as the hook left it (None: unchanged)."""
        ...


async def get_transition_hooks(request: Request) -> TransitionHooks | None:
    hooks: TransitionHooks | None = getattr(request.app.state, "placer", None)
    return hooks


TransitionHooksDep = Annotated[TransitionHooks | None, Depends(get_transition_hooks)]

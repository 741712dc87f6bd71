"""The classification API's collaborator as a FastAPI dependency: the in-memory routing state
``POST /v1/classify`` reads (compiled keywords and gazetteer).

That state is each process's ``app.intake.placement.Placer``; this package sees it through
``ClassifierState``, the part the endpoint uses, so it never imports the intake.
"""

from __future__ import annotations

from typing import Annotated, Any, Protocol

import asyncpg
from fastapi import Depends, Request

from app.classification.classifier import Classification


class ClassifierState(Protocol):
    """The keyword model and gazetteer intake uses, kept fresh against the routing revision."""

    async def ensure_fresh(self, conn: asyncpg.Connection) -> None: ...

    def classify(self, text: str) -> Classification | None: ...

    @property
    def model_version(self) -> str | None: ...

    def areas_in_text(self, text: str) -> list[dict[str, Any]]: ...


async def get_classifier_state(request: Request) -> ClassifierState | None:
    """None until the service's lifespan has set the routing state up."""
    state: ClassifierState | None = request.app.state.placer
    return state


ClassifierStateDep = Annotated[ClassifierState | None, Depends(get_classifier_state)]

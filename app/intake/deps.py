"""The intake's collaborators as FastAPI dependencies: the placer (routing state in memory) and
the delivery pipeline every channel endpoint hands its verified delivery to."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.intake.deliveries import Pipeline
from app.intake.placement import Placer


async def get_placer(request: Request) -> Placer | None:
    placer: Placer | None = request.app.state.placer
    return placer


async def get_pipeline(request: Request) -> Pipeline:
    pipeline: Pipeline = request.app.state.pipeline
    return pipeline


PlacerDep = Annotated[Placer | None, Depends(get_placer)]
PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]

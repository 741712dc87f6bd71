"""The assignment endpoint's own collaborator, as a FastAPI dependency.

A manual assignment of a complaint no unit holds yet hands it to the officer's unit, and the
``routed`` event names that unit as the routing knows it: the unit directory of the routing state
a process keeps in memory (``app.intake.placement.Placer.units``). The assignment lies below the
intake and may not import it, so it names what it needs of it here, as a ``Protocol``, and the
dependency hands over the process's placer typed as that (None before the service started it).
"""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends, Request

from app.org.rules import UnitDirectory


class UnitDirectorySource(Protocol):
    @property
    def units(self) -> UnitDirectory:
        """The units as the routing rules see them, by code (``UnitDirectory.get``)."""
        ...


async def get_unit_directory_source(request: Request) -> UnitDirectorySource | None:
    source: UnitDirectorySource | None = getattr(request.app.state, "placer", None)
    return source


UnitDirectoryDep = Annotated[UnitDirectorySource | None, Depends(get_unit_directory_source)]

"""The channels' own collaborator as a FastAPI dependency: where uploaded photos and mail
attachments are stored (``app.channels.storage``; ``app.main`` sets ``app.state.storage``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.channels.storage import Storage


async def get_storage(request: Request) -> Storage:
    # async: FastAPI runs a plain ``def`` dependency in a worker thread, a hop per request.
    storage: Storage = request.app.state.storage
    return storage


StorageDep = Annotated[Storage, Depends(get_storage)]

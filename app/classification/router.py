"""Endpoints of app.classification (being moved here from app/routing/router.py)."""

from __future__ import annotations

from fastapi import APIRouter

from app.core.routes import JsonRoute

router = APIRouter(route_class=JsonRoute)

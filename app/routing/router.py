"""Routing endpoints: areas, classification, keywords, units, officers, queues, assignment, EWS, SLA."""

from __future__ import annotations

from fastapi import APIRouter

# Units, officers, queues, assignment, EWS and the SLA sweep moved to app.org.router,
# app.assignment.router and app.sla.router.
router = APIRouter()

BODY_MODELS: list[type] = []

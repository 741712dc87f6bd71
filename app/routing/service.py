"""Routing's database work, moved: areas to app.geo.repository, keywords to
app.classification.repository, units, officers and queues to app.org (repository, service),
EWS to app.sla.ews, manual assignment to app.assignment.workflow. The names below are
re-exported for the callers that still import them from here.
"""

from __future__ import annotations

from app.geo.repository import (  # noqa: F401  (moved to app.geo.repository)
    import_file,
    import_jakarta_if_empty,
    unplaced_complaints,
)

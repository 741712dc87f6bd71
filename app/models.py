"""Every table, imported in one place for Alembic."""

from app.auth import models as auth_models  # noqa: F401
from app.channels import models as channel_models  # noqa: F401
from app.complaints import models as complaint_models  # noqa: F401
from app.core.db import Base
from app.routing import models as routing_models  # noqa: F401

metadata = Base.metadata

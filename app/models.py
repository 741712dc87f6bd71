"""Every table, imported in one place for Alembic.

The migrations build the real schema; these models must describe exactly that schema
(tests/core/test_models_match_migrations.py, and ``alembic check`` on a deployed database).
"""

from app.auth import models as auth_models  # noqa: F401
from app.channels import models as channel_models  # noqa: F401
from app.classification import models as classification_models  # noqa: F401
from app.complaints import models as complaint_models  # noqa: F401
from app.core import revision  # noqa: F401
from app.core.db import Base
from app.geo import models as geo_models  # noqa: F401
from app.org import models as org_models  # noqa: F401
from app.outbound import models as outbound_models  # noqa: F401
from app.public import models as public_models  # noqa: F401

metadata = Base.metadata

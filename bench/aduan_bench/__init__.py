"""The benchmark's parts, by what they measure; ``bench/run.py`` runs them in sequence.

Importing the package puts the repository on ``sys.path`` first, so its modules can import
``app``: ``python bench/run.py`` puts ``bench/``, not the repository, on the path.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `python bench/run.py` puts bench/, not the repo, on the path
    sys.path.insert(0, str(REPO))


def log(msg: str) -> None:
    print(msg, flush=True)

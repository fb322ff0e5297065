"""The defaults run: the app as the README starts it (no KONDUSIF_SECRET_KEY, fresh data dir,
`python -m kondusif prepare`), attacked the way an outsider would try first."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))  # run_app, wait_until

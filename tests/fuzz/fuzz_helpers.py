"""Shared hypothesis settings for the fuzz tests.

`make test` runs a moderate number of examples per test so the suite stays fast;
set FUZZ_EXAMPLES (e.g. 5000) for a deeper hunt:
`FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/fuzz -q`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings


def fuzz_settings(default: int = 150) -> settings:
    """deadline=None: the first example pays for imports and caches; speed is not what is tested."""
    examples = int(os.environ.get("FUZZ_EXAMPLES") or default)
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

"""Fixtures of the intake tests: a store with the RT registry installed."""

from __future__ import annotations

import pytest


@pytest.fixture
def store_engine(engine):
    """A fresh store with the sample RT registry installed."""
    from kondusif import registry

    registry.ensure_rt_registry(engine)
    return engine

"""What the alert checks, inbox and delivery share: kinds, delivery states, small helpers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from kondusif import store
from kondusif.timeutil import as_utc

KIND_BERAT = "berat"
KIND_RAWAN = "rawan"
KIND_LABELS = {KIND_BERAT: "Laporan berat", KIND_RAWAN: "Kelurahan rawan",
               "sms_senyap": "Gerbang SMS senyap",  # issue 15: kondusif/sms/gateways.py
               "cakupan": "Cakupan kabar RT rendah"}  # issue 24: kondusif/rounds.py
COUNTED_OUT = ("ditolak", "duplikat")

# delivery_state values
NONE, PENDING, SENDING, SENT, FAILED = "none", "pending", "sending", "sent", "failed"


@contextmanager
def _in_transaction(conn_or_engine: Connection | Engine) -> Iterator[Connection]:
    """Use the caller's connection (its transaction) or open one write transaction."""
    if isinstance(conn_or_engine, Engine):
        with store.write(conn_or_engine) as conn:
            yield conn
    else:
        yield conn_or_engine


def _as_records(incident_rows: Sequence[dict[str, Any]] | pd.DataFrame) -> list[dict[str, Any]]:
    if isinstance(incident_rows, pd.DataFrame):
        return incident_rows.to_dict("records")
    return [dict(r) for r in incident_rows]


def _ts(value: Any) -> datetime | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else as_utc(value.to_pydatetime())
    return as_utc(value)

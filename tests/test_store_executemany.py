"""store.executemany with records that carry different keys (issue 14 found it failing)."""

from __future__ import annotations

from datetime import UTC, datetime

from kondusif import store
from kondusif.model import SYSTEM


def test_records_with_different_keys_go_in_together_in_order(engine):
    first = {"id": "00000000-0000-4000-8000-0000000000a1", "kode_kelurahan": "16.73.01.1001", "rt": 1,
             "category": "politik_uang", "severity": "sedang", "title": "Amplop",
             "occurred_at": datetime(2018, 6, 26, 1, 0, tzinfo=UTC), "source": "form", "created_by": "rt-a"}
    second = {"id": "00000000-0000-4000-8000-0000000000a2", "kode_kelurahan": "16.73.01.1001", "rt": 1,
              "category": "politik_uang", "severity": "sedang", "title": "Amplop lagi",
              "occurred_at": datetime(2018, 6, 26, 2, 0, tzinfo=UTC), "source": "form",
              "status": "duplikat", "duplicate_of": first["id"], "outcome": "-"}
    with store.write(engine) as conn:
        rows = store.insert_incidents(conn, [first, second], actor="tester")
    assert [r["report_no"] for r in rows] == ["LLG-2018-000001", "LLG-2018-000002"]
    stored = store.get_incident(engine, second["id"], viewer=SYSTEM)
    assert (stored["duplicate_of"], stored["outcome"], stored["status"]) == (first["id"], "-", "duplikat")
    assert store.get_incident(engine, first["id"], viewer=SYSTEM)["created_by"] == "rt-a"
    assert store.count_incidents(engine, None, SYSTEM) == 2

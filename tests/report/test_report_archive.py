"""The snapshot archive: new versions, exact bytes back, integrity checked, audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from kondusif import access, store
from kondusif.report import archive
from kondusif.ui.pages import page

AT = datetime(2018, 6, 25, 1, 0, tzinfo=UTC)


def test_versions_grow_and_bytes_come_back_exactly(engine):
    a = archive.save_snapshot(engine, "2018-W25", b"%PDF-1 satu", {"k": 1}, "admin", AT)
    b = archive.save_snapshot(engine, "2018w25", b"%PDF-1 dua", {"k": 2}, "pejabat", AT)
    other = archive.save_snapshot(engine, "2018-W26", b"%PDF-1 lain", {}, "admin", AT)
    assert (a.version, b.version, other.version) == (1, 2, 1)
    assert a.sha256 == archive.sha256_hex(b"%PDF-1 satu")
    info, data = archive.load_snapshot(engine, "2018-W25")
    assert info.version == 2 and data == b"%PDF-1 dua" and info.params == {"k": 2}
    assert archive.load_snapshot(engine, "2018-W25", 1)[1] == b"%PDF-1 satu"
    listed = archive.list_snapshots(engine)
    assert [(s.week, s.version) for s in listed] == [("2018-W26", 1), ("2018-W25", 2), ("2018-W25", 1)]
    assert listed[1].size == len(b"%PDF-1 dua") and listed[1].created_by == "pejabat"
    assert listed[1].created_at == AT
    assert listed[1].filename == "laporan-mingguan-2018-W25-v2.pdf"


def test_generation_is_audited(engine):
    archive.save_snapshot(engine, "2018-W25", b"x", {}, "admin", AT)
    audit = store.audit_for(engine, "snapshot", "2018-W25/v1")
    assert list(audit["action"]) == ["generate"] and list(audit["actor"]) == ["admin"]


def test_missing_snapshot_says_so(engine):
    with pytest.raises(archive.SnapshotNotFound, match="untuk minggu 2018-W25 tidak ada"):
        archive.load_snapshot(engine, "2018-W25")
    archive.save_snapshot(engine, "2018-W25", b"x", {}, "admin", AT)
    with pytest.raises(archive.SnapshotNotFound, match="versi 7"):
        archive.load_snapshot(engine, "2018-W25", 7)


def test_changed_bytes_are_detected(engine):
    archive.save_snapshot(engine, "2018-W25", b"asli", {}, "admin", AT)
    with store.write(engine) as conn:
        conn.execute(sa.update(store.snapshots).values(pdf=b"diubah"))
    with pytest.raises(archive.SnapshotCorrupt):
        archive.load_snapshot(engine, "2018-W25")


def test_a_taken_version_is_refused_and_nothing_written(engine):
    archive.save_snapshot(engine, "2018-W25", b"a", {}, "admin", AT)
    with pytest.raises(archive.VersionTaken):
        archive.save_snapshot(engine, "2018-W25", b"b", {}, "admin", AT, version=1)
    assert [s.version for s in archive.list_snapshots(engine, "2018-W25")] == [1]
    assert store.audit_for(engine, "snapshot", "2018-W25/v2").empty


def test_report_roles_match_the_page_declaration():
    assert page("laporan_mingguan").roles == access.roles_for("report.weekly")

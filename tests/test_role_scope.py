"""Issue 18/19/27: one table of roles × scopes × data functions, walked for every kind of viewer.

`DATA_FUNCTIONS` lists every public function of the data modules that takes a
viewer, with how its scope is proven: a probe run here for admin, pejabat, a
city-wide panwaslu, a kecamatan panwaslu and an rt (each sees and changes only
its own), or the test elsewhere that proves it. `NO_VIEWER` lists every public
function of those modules that reaches the store without a viewer, with the
reason. The data modules are discovered (every module of kondusif/ except the
callers in `NOT_DATA_MODULES`), so a new module is covered from its first line.
A new public data function in neither table fails
`test_every_public_data_function_has_an_entry`, so the next unscoped function
cannot slip in; `test_pages_reach_data_only_through_viewer_functions` does the
same for pages and widgets.

An entry is only as good as its probe: each probe runs under a profiler that
records which listed functions it really called, and an entry whose function
the probe never reached fails (`reached`); an entry naming a test elsewhere must
name a test whose body calls the function.

Expected rows are computed by hand-written rules on the rows the system viewer
reads (a kecamatan panwaslu owns rows of 16.73.01; an rt owns its kelurahan + RT),
never with the production scope clause.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import kondusif
from kondusif import access, accounts, alerts, exports, overview, store, workbench, workflow
from kondusif.errors import NotPermitted
from kondusif.intake import pipeline
from kondusif.intake.validate import make_rules
from kondusif.model import SYSTEM, Role, Viewer, new_id

ROOT = Path(__file__).resolve().parent.parent

# Modules that call the data functions rather than being them, and why they are left out.
NOT_DATA_MODULES = {
    "kondusif.ui": "Streamlit glue: checked by test_pages_reach_data_only_through_viewer_functions",
    "kondusif.web": "the HTTP edge: routes sign in (accounts.auth) or take the SMSsync secret (sms.smssync)",
    "kondusif.cli": "the command line: passes an explicit admin viewer (Viewer('cli:<login>', admin))",
    "kondusif.__main__": "the command line entry",
    "kondusif.access": "the policy itself (require/allows/scope_clause): tests/test_access.py, test_one_policy.py",
}
DB_PARAMS = {"engine", "conn", "conn_or_engine", "engine_or_conn"}

KEC = "16.73.01"  # Lubuk Linggau Timur I
VIEWER_KINDS = ["admin", "pejabat", "panwaslu_kota", "panwaslu_kecamatan", "rt"]
CITY = ("admin", "pejabat", "panwaslu_kota")  # city-wide kinds: every row is theirs


# --------------------------------------------------------------------------- viewers and their own rows


@pytest.fixture
def world(demo_engine):
    """The demo store, every row as the system reads it, and one viewer of each kind."""
    rows = store.query_incidents(demo_engine, None, SYSTEM,
                                 columns=["id", "kode_kecamatan", "kode_kelurahan", "rt", "status", "version",
                                          "occurred_at"])
    in_kec = rows[rows["kode_kecamatan"] == KEC].dropna(subset=["rt"])
    kel, rt = in_kec.groupby(["kode_kelurahan", "rt"]).size().idxmax()  # the busiest RT of Timur I
    viewers = {
        "admin": Viewer("uji-admin", Role.ADMIN, "Admin Uji"),
        "pejabat": Viewer("uji-pejabat", Role.PEJABAT, "Pejabat Uji"),
        "panwaslu_kota": Viewer("uji-panwaslu", Role.PANWASLU, "Panwaslu Kota Uji"),
        "panwaslu_kecamatan": Viewer("uji-panwascam", Role.PANWASLU, "Panwascam Uji", kecamatan=KEC),
        "rt": Viewer("uji-rt", Role.RT, "RT Uji", kelurahan=str(kel), rt=int(rt)),
    }
    return demo_engine, rows, viewers


def owns(kind: str, viewer: Viewer, row) -> bool:
    """The hand-written rule: which rows a viewer of this kind may see."""
    if kind in ("admin", "pejabat", "panwaslu_kota"):
        return True
    if kind == "panwaslu_kecamatan":
        return row["kode_kecamatan"] == KEC
    return row["kode_kelurahan"] == viewer.kelurahan and not pd.isna(row["rt"]) and int(row["rt"]) == viewer.rt


def own_rows(world, kind: str) -> pd.DataFrame:
    _, rows, viewers = world
    mask = [owns(kind, viewers[kind], r) for r in rows.to_dict("records")]
    return rows[mask]


def foreign_row(world, kind: str, status: str | None = None) -> dict | None:
    _, rows, viewers = world
    for r in rows.to_dict("records"):
        if not owns(kind, viewers[kind], r) and (status is None or r["status"] == status):
            return r
    return None


# --------------------------------------------------------------------------- probes: reads


def _ids(world, kind, frame):
    expected = set(own_rows(world, kind)["id"])
    assert expected, f"no rows of {kind} in the demo store: the probe would prove nothing"
    assert set(frame["id"]) == expected


def probe_query_incidents(world, kind):
    e, _, v = world
    _ids(world, kind, store.query_incidents(e, None, v[kind], columns=["id"]))


def probe_count_incidents(world, kind):
    e, _, v = world
    assert store.count_incidents(e, None, v[kind]) == len(own_rows(world, kind))


def probe_counts_by(world, kind):
    e, _, v = world
    got = store.counts_by(e, None, v[kind], ["kode_kecamatan"])
    expected = own_rows(world, kind).groupby("kode_kecamatan").size()
    assert dict(zip(got["kode_kecamatan"], got["n"], strict=True)) == expected.to_dict()


def probe_get_incident(world, kind):
    e, _, v = world
    mine = own_rows(world, kind).iloc[0]
    assert store.get_incident(e, mine["id"], v[kind])["id"] == mine["id"]
    other = foreign_row(world, kind)
    if other is not None:
        assert store.get_incident(e, other["id"], v[kind]) is None


def probe_read_incidents(world, kind):
    e, _, v = world
    _ids(world, kind, overview.read_incidents(e, store.IncidentQuery(), v[kind], ["id"], limit=None))


def probe_newest_occurred(world, kind):
    e, _, v = world
    expected = own_rows(world, kind)["occurred_at"].max().to_pydatetime()
    assert overview.newest_occurred(e, v[kind]) == expected


def probe_page_rows(world, kind):
    e, _, v = world
    _ids(world, kind, workbench.page_rows(e, None, v[kind], limit=100_000))


NAME_RE = r"Pelapor simulasi \d+"  # the demo's reporter names
PRIVATE = ("reporter_name", "reporter_phone")


def probe_export_frame(world, kind):
    """The export holds the viewer's rows; reporter identity (in the SQL it sends, the frame and
    the file) only for roles that may see it, so a leak in the store's identity filter shows."""
    e, _, v = world
    sql: list[str] = []

    def record(_conn, _cursor, statement, *_rest):
        sql.append(statement)

    sa.event.listen(e, "before_cursor_execute", record)
    try:
        frame = exports.export_frame(e, None, v[kind])
        name, data, _ = exports.export(e, None, v[kind], "csv")
    finally:
        sa.event.remove(e, "before_cursor_execute", record)
    assert len(frame) == len(own_rows(world, kind))
    sees = kind in ("admin", "panwaslu_kota", "panwaslu_kecamatan")
    selects = [q for q in sql if "FROM incidents" in q]
    assert selects
    asked = any(col in q.split("FROM incidents")[0] for q in selects for col in PRIVATE)
    assert asked == sees, f"identity columns in the export's SQL for {kind}: {asked}"
    named = frame.astype(str).apply(lambda col: col.str.contains(NAME_RE, regex=True)).to_numpy().any()
    assert bool(named) == sees, f"reporter identity in the export frame for {kind}: {named}"
    in_file = bool(pd.Series([data.decode("utf-8-sig")]).str.contains(NAME_RE, regex=True)[0])
    assert in_file == sees, f"reporter identity in {name} for {kind}: {in_file}"
    listed = store.query_incidents(e, None, v[kind], limit=5)
    assert all((c in listed.columns) == sees for c in PRIVATE), f"identity columns for {kind}: {list(listed.columns)}"


def probe_history(world, kind):
    """Every kind reads the history of its own report (the system's rows, same actions); a scoped
    viewer gets nothing for a report outside its scope."""
    e, _, v = world
    fresh = own_rows(world, kind)
    mine = fresh[fresh["status"] == "baru"].iloc[0]
    workflow.verify(e, SYSTEM, mine["id"], int(mine["version"]), "cek riwayat")  # one audited change
    own = workbench.history(e, v[kind], mine["id"])
    assert len(own) >= 1
    assert len(own) == len(workbench.history(e, SYSTEM, mine["id"]))
    other = foreign_row(world, kind)
    if kind in CITY:
        assert other is None  # the whole city is theirs
    else:
        assert other is not None and workbench.history(e, v[kind], other["id"]).empty


def probe_duplicates(world, kind):
    """Duplicate candidates of the viewer's own report come from its own rows only."""
    from kondusif import duplicates

    e, _, v = world
    mine = own_rows(world, kind)
    row = store.get_incident(e, mine.iloc[0]["id"], SYSTEM)
    near = duplicates.candidates_for(e, row["id"], v[kind])
    around = duplicates.store_neighbours(e, [row], v[kind], window=30 * 24 * 3600)
    assert set(near.get("id", [])) <= set(mine["id"])
    assert set(around.get("id", [])) <= set(mine["id"]) and len(around) >= 1


def probe_overview_figures(world, kind):
    """The map page's figures count exactly the viewer's own reports of the period (June 2018 WIB);
    levels cover only the viewer's kelurahan even when handed every row of the city."""
    from datetime import date

    from kondusif import registry
    from kondusif.filters import Filter
    from lubuklinggau_geo import gazetteer

    e, rows, v = world
    flt = Filter(period="rentang", start=date(2018, 6, 1), end=date(2018, 6, 30))
    period = flt.resolve()
    mine = own_rows(world, kind)
    in_period = mine[(mine["occurred_at"] >= period.start) & (mine["occurred_at"] < period.end)]
    assert len(in_period), f"no rows of {kind} in June 2018: the probe would prove nothing"
    levels = overview.levels_for_view(e, v[kind], flt, period.as_of)
    head = overview.headline(e, v[kind], flt, period, levels)
    assert head.n == len(in_period)
    units = set(overview.kelurahan_units(flt, v[kind]))
    if kind in CITY:
        assert units == set(gazetteer.kelurahan_codes()) and len(units) == 72
    elif kind == "panwaslu_kecamatan":
        assert units and all(u.startswith(KEC + ".") for u in units)
    else:
        assert units == {v[kind].kelurahan}
    assert set(in_period["kode_kelurahan"]) <= units
    if levels.coverage is not None:  # check-in contact (issue 24): only the viewer's own RT are counted
        assert set(levels.coverage.rt["kode_kelurahan"]) <= units
    every = store.query_incidents(e, None, SYSTEM)
    wide = overview.levels_from_frame(every, v[kind], flt, period.as_of, registry.rt_registry(e))
    assert set(wide.kelurahan["kode_kelurahan"]) == units


def probe_workbench_detail(world, kind):
    """The workbench's headline counts the viewer's own rows; a report's detail shows identity only
    to roles that may see it; duplicates stay in scope."""
    e, _, v = world
    mine = own_rows(world, kind)
    assert workbench.headline(e, None, v[kind]).total == len(mine)
    row = store.get_incident(e, mine.iloc[0]["id"], SYSTEM)
    fields = dict(workbench.detail_fields(row, v[kind]))
    identity = any("pelapor" in label.lower() for label in fields)
    assert identity == (kind not in ("pejabat", "rt")), fields
    dups = workbench.duplicates_of(e, v[kind], row["id"])
    assert set(dups.get("id", [])) <= set(mine["id"])
    other = foreign_row(world, kind)
    if kind in CITY:
        assert other is None
    else:
        assert workbench.duplicates_of(e, v[kind], other["id"]).empty


def probe_export_labels(world, kind):
    """The export's file name and description name the viewer's area and its identity rule."""
    _, _, v = world
    name = exports.export_filename(None, v[kind], "csv")
    about = dict(exports.describe(None, v[kind], 3, False))
    assert about["Jumlah baris"] == "3" and about["Oleh"].startswith(v[kind].display_name + " (")
    if kind == "panwaslu_kecamatan":
        assert name == "insiden_semua-waktu_kec-16.73.01.csv" and "16.73.01" in about.values()
    else:
        assert name == "insiden_semua-waktu.csv"
    without = about.get("Identitas pelapor") == "tidak disertakan untuk peran ini"
    assert without == (kind in ("pejabat", "rt"))


def probe_role_answers(world, kind):
    """The yes/no answers pages ask before they draw a control, written out by hand per kind."""
    _, _, v = world
    assert workflow.can_reopen(v[kind]) == (kind in ("admin", "panwaslu_kota", "panwaslu_kecamatan"))
    assert alerts.sees_alerts(v[kind]) == (kind in ("pejabat", "panwaslu_kota", "panwaslu_kecamatan"))


# --------------------------------------------------------------------------- probes: changes


def probe_verify(world, kind):
    """Only admin and panwaslu change status; a scoped one only inside its scope."""
    e, _, v = world
    other = foreign_row(world, kind, status="baru")
    mine = own_rows(world, kind)
    mine = mine[mine["status"] == "baru"].iloc[0]
    if kind in ("pejabat", "rt"):
        with pytest.raises(NotPermitted, match="tidak berhak mengubah status laporan"):
            workflow.verify(e, v[kind], mine["id"], int(mine["version"]), "cek")
        assert store.get_incident(e, mine["id"], SYSTEM)["status"] == "baru"
        return
    if other is not None:
        with pytest.raises(workflow.NotFound):
            workflow.verify(e, v[kind], other["id"], int(other["version"]), "cek")
        assert store.get_incident(e, other["id"], SYSTEM)["status"] == "baru"
    assert workflow.verify(e, v[kind], mine["id"], int(mine["version"]), "cek")["status"] == "diverifikasi"


ACTIONS = ("verify", "reject", "mark_duplicate", "follow_up", "close", "bulk_change_status", "apply_action")


def _act(e, viewer, name, row, original=None):
    rid, ver = row["id"], int(row["version"])
    if name == "verify":
        return workflow.verify(e, viewer, rid, ver, "cek")
    if name == "reject":
        return workflow.reject(e, viewer, rid, ver, "bukan pelanggaran")
    if name == "mark_duplicate":
        return workflow.mark_duplicate(e, viewer, rid, ver, original, "laporan yang sama")
    if name == "follow_up":
        due = row["occurred_at"] + timedelta(days=7)
        return workflow.follow_up(e, viewer, rid, ver, "diteruskan", "Polsek", due)
    if name == "apply_action":
        return workflow.apply_action(e, viewer, rid, ver, "verify")
    if name == "close":
        return workflow.close(e, viewer, rid, ver, "sudah ditangani")
    return workflow.bulk_change_status(e, viewer, [(rid, ver)], "diverifikasi")


def probe_workflow(world, kind):
    """Every status action: refused to pejabat and rt (nothing changes), not found outside a
    scoped viewer's area, carried out inside it (the stored status is the hand-expected one)."""
    e, _, v = world
    viewer = v[kind]
    fresh = own_rows(world, kind)
    fresh = fresh[fresh["status"] == "baru"]
    rows = [store.get_incident(e, i, SYSTEM) for i in fresh["id"][:7]]
    assert access.allows(viewer, "incident.transition") == (kind not in ("pejabat", "rt"))
    if kind in ("pejabat", "rt"):
        assert rows, f"{kind}: no new report for the probe"
        for i, name in enumerate(ACTIONS):
            row = rows[i % len(rows)]
            with pytest.raises(NotPermitted, match="tidak berhak mengubah status laporan"):
                _act(e, viewer, name, row, original=rows[0]["id"])
        assert {store.get_incident(e, r["id"], SYSTEM)["status"] for r in rows} == {"baru"}
        return
    assert len(rows) == 7, f"{kind}: too few new reports for the probe"
    other = foreign_row(world, kind, status="baru")
    if kind in CITY:
        assert other is None
    else:
        for name in ACTIONS:
            if name == "bulk_change_status":
                assert not _act(e, viewer, name, other).done
            else:
                with pytest.raises(workflow.NotFound):
                    _act(e, viewer, name, other, original=rows[0]["id"])
        assert store.get_incident(e, other["id"], SYSTEM)["status"] == "baru"
    a, b, c, d, f, g, h = rows
    assert _act(e, viewer, "apply_action", h)["status"] == "diverifikasi"
    assert _act(e, viewer, "verify", a)["status"] == "diverifikasi"
    assert _act(e, viewer, "reject", b)["status"] == "ditolak"
    assert _act(e, viewer, "mark_duplicate", c, original=a["id"])["status"] == "duplikat"
    d = _act(e, viewer, "verify", d)
    assert _act(e, viewer, "follow_up", d)["status"] == "ditindaklanjuti"
    f = _act(e, viewer, "verify", f)
    assert _act(e, viewer, "close", f)["status"] == "selesai"
    assert _act(e, viewer, "bulk_change_status", g).done
    assert store.get_incident(e, g["id"], SYSTEM)["status"] == "diverifikasi"


FOREIGN_PLACE = {"kelurahan": "16.73.08.1003", "rt": 1}  # Kenanga, Utara II: outside Timur I
FORM = {"category": "politik_uang", "severity": "berat", "occurred_at": datetime(2018, 6, 20, 7, 32, tzinfo=UTC),
        "title": "Amplop", "description": "Uji cakupan"}


def probe_submit_form(world, kind):
    """A report filed for a place outside the filer's scope is refused or kept inside it."""
    e, _, v = world
    before = store.count_incidents(e, None, SYSTEM)
    # What the server keeps of a form: an rt's own place whatever was sent, anyone else's as sent.
    kept = pipeline.form_values_for(v[kind], {**FORM, **FOREIGN_PLACE, "status": "selesai"})
    assert "status" not in kept
    own_place = (v[kind].kelurahan, v[kind].rt) if kind == "rt" else ("16.73.08.1003", 1)
    assert (kept["kelurahan"], kept["rt"]) == own_place
    if kind == "pejabat":
        with pytest.raises(NotPermitted, match="tidak berhak mengirim laporan"):
            pipeline.submit_form(e, v[kind], {**FORM, **FOREIGN_PLACE}, new_id())
        assert store.count_incidents(e, None, SYSTEM) == before
        return
    out = pipeline.submit_form(e, v[kind], {**FORM, **FOREIGN_PLACE}, new_id())
    if kind == "panwaslu_kecamatan":
        assert not out.ok and out.errors
        assert store.count_incidents(e, None, SYSTEM) == before
        return
    row = store.get_incident(e, out.report_no, SYSTEM)
    if kind == "rt":  # an rt files for its own RT, whatever the form says
        assert (row["kode_kelurahan"], row["rt"]) == (v[kind].kelurahan, v[kind].rt)
    else:
        assert (row["kode_kelurahan"], row["rt"]) == ("16.73.08.1003", 1)


IMPORT_CSV = (b"Tanggal;Kelurahan;RT;Jenis;Tingkat;Judul\n"
              b"20/06/2018 14.32;Air Kuti;3;Politik Uang;berat;Amplop di Air Kuti\n"  # Timur I (16.73.01)
              b"21/06/2018 09.00;Kenanga;1;APK;ringan;Baliho di Kenanga\n")  # Utara II (16.73.08)
IMPORTED = {"admin": {"Amplop di Air Kuti", "Baliho di Kenanga"},
            "panwaslu_kota": {"Amplop di Air Kuti", "Baliho di Kenanga"},
            "panwaslu_kecamatan": {"Amplop di Air Kuti"}}  # pejabat and rt may not import


def _titles_stored(e) -> set[str]:
    titles = store.query_incidents(e, None, SYSTEM, columns=["title"])["title"]
    return set(titles) & {"Amplop di Air Kuti", "Baliho di Kenanga"}


def probe_import_file(world, kind):
    """A file import keeps to the importer's kecamatan; roles without import.run are refused."""
    e, _, v = world
    rules = make_rules(e, v[kind])  # the importer's kecamatan, written out by hand per kind
    assert rules.allowed_kecamatan == (KEC if kind == "panwaslu_kecamatan" else None)  # rt: held to its RT later
    if kind not in IMPORTED:
        with pytest.raises(NotPermitted, match="tidak berhak"):
            pipeline.preview_file(e, IMPORT_CSV, "laporan.csv", v[kind])
        admins = pipeline.preview_file(e, IMPORT_CSV, "laporan.csv", v["admin"])
        with pytest.raises(NotPermitted, match="tidak berhak"):
            pipeline.commit_file(e, admins, v[kind])
        assert _titles_stored(e) == set()
        return
    preview = pipeline.preview_file(e, IMPORT_CSV, "laporan.csv", v[kind])
    result = pipeline.commit_file(e, preview, v[kind])
    assert result.imported == len(IMPORTED[kind])
    assert _titles_stored(e) == IMPORTED[kind]


def probe_import_worker(world, kind):
    """The same file checked in the worker process: the viewer's scope travels with the job."""
    from kondusif.intake import worker

    e, _, v = world
    if kind not in IMPORTED:
        with pytest.raises(NotPermitted, match="tidak berhak"):  # refused before a process starts
            worker.run("file", IMPORT_CSV, "laporan.csv", v[kind])
        return
    preview = worker.run("file", IMPORT_CSV, "laporan.csv", v[kind])
    good = {r.record["title"] for r in preview.results if r.status == "baik"}
    assert good == IMPORTED[kind]


def probe_import_enqueue(world, kind):
    """The same file queued by the screen and checked by the worker: the viewer's scope travels with the job."""
    from polling import wait_until
    from worker_thread import worker_thread

    from kondusif.intake import worker

    e, _, v = world
    if kind not in IMPORTED:
        with pytest.raises(NotPermitted, match="tidak berhak"):  # refused before anything is queued
            worker.enqueue(e, "file", IMPORT_CSV, "laporan.csv", v[kind])
        return
    job = worker.enqueue(e, "file", IMPORT_CSV, "laporan.csv", v[kind])
    with worker_thread(e):
        wait_until(lambda: not job.running(), timeout=90, message="the worker's check")
    status, preview = job.outcome()
    assert status == "ok", preview
    assert {r.record["title"] for r in preview.results if r.status == "baik"} == IMPORTED[kind]


CHAT = (b"waktu;nomor;pesan\n"
        b"2018-06-20 14:32;081200000011;LAPOR politik uang berat RT 3 Air Kuti: amplop dibagikan di Air Kuti\n"
        b"2018-06-20 14:40;081200000012;LAPOR perusakan APK ringan RT 1 Kenanga: baliho dirobek di Kenanga\n")


def probe_import_chat(world, kind):
    """A chat import stores reports only inside the importer's kecamatan (the other message waits
    in the review queue, unplaced); roles without import.run are refused."""
    e, _, v = world
    before = set(store.query_incidents(e, None, SYSTEM, columns=["id"])["id"])
    if kind not in IMPORTED:
        with pytest.raises(NotPermitted, match="tidak berhak"):
            pipeline.preview_chat(e, CHAT, "sms.txt", v[kind])
        admins = pipeline.preview_chat(e, CHAT, "sms.txt", v["admin"])
        with pytest.raises(NotPermitted, match="tidak berhak"):
            pipeline.commit_chat(e, admins, v[kind])
        assert store.count_incidents(e, None, SYSTEM) == len(before)
        return
    preview = pipeline.preview_chat(e, CHAT, "sms.txt", v[kind])
    result = pipeline.commit_chat(e, preview, v[kind])
    expected = ["16.73.01.1001"] if kind == "panwaslu_kecamatan" else ["16.73.01.1001", "16.73.08.1003"]
    assert result.imported == len(expected)
    after = store.query_incidents(e, None, SYSTEM, columns=["id", "kode_kelurahan"])
    assert sorted(after[~after["id"].isin(before)]["kode_kelurahan"]) == expected


def probe_report_weeks(world, kind):
    """The weekly-PDF picker offers the weeks of the viewer's own reports only."""
    from kondusif.report.week import report_weeks, week_of_date
    from kondusif.timeutil import WIB

    e, _, v = world
    days = own_rows(world, kind)["occurred_at"].dt.tz_convert(WIB).dt.date.unique()
    expected = {week_of_date(d) for d in days}
    assert set(report_weeks(e, v[kind])) == expected and expected


def probe_accounts(world, kind):
    e, _, v = world
    if kind == "admin":
        accounts.create_account(e, v[kind], "uji-baru", Role.PEJABAT, "Rahasia-kota-9")
        assert accounts.get_account(e, v[kind], "uji-baru")["role"] == "pejabat"
        assert "uji-baru" in set(accounts.list_accounts(e, v[kind])["username"])
        assert list(accounts.history(e, v[kind], "uji-baru")["action"]) == ["create"]
        return
    with pytest.raises(NotPermitted, match="tidak berhak mengelola akun pengguna"):
        accounts.list_accounts(e, v[kind])
    with pytest.raises(NotPermitted):
        accounts.create_account(e, v[kind], "uji-baru", Role.PEJABAT, "Rahasia-kota-9")
    with pytest.raises(NotPermitted):
        accounts.history(e, v[kind], "uji-baru")
    assert accounts.get_account(e, SYSTEM, "uji-baru") is None
    own = accounts.get_account  # an account may read itself only
    with pytest.raises(NotPermitted):
        own(e, v[kind], "someone-else")


# --------------------------------------------------------------------------- the table

REVIEW = "tests/intake/test_review_scope.py::"
WB = "tests/workbench/"

# "module.function": probe run here for every viewer kind, or "path::test" proving the scope elsewhere.
DATA_FUNCTIONS: dict[str, object] = {
    "store.query_incidents": probe_query_incidents,
    "store.count_incidents": probe_count_incidents,
    "store.counts_by": probe_counts_by,
    "store.get_incident": probe_get_incident,
    "store.incidents_select": probe_query_incidents,  # the select query_incidents runs
    "store.scope_clause": probe_count_incidents,
    "store.visible_columns": probe_export_frame,
    "overview.read_incidents": probe_read_incidents,
    "overview.newest_occurred": probe_newest_occurred,
    "overview.headline": probe_overview_figures,
    "overview.kelurahan_detail": "tests/test_overview.py::test_scope_applies_to_every_figure",
    "overview.kelurahan_units": probe_overview_figures,
    "overview.kelurahan_choices": "tests/test_one_policy.py::test_kelurahan_choices_follow_the_viewers_area",
    "overview.levels_for_view": "tests/test_overview.py::test_scope_applies_to_every_figure",
    **{f"overview.{n}": "tests/test_page_data.py::test_page_data_stays_in_the_viewers_scope"
       for n in ("read_view", "page_data")},
    "overview.levels_from_frame": probe_overview_figures,
    "overview.patch_view": "tests/test_page_data.py::"
                           "test_a_patched_view_stays_in_the_viewers_scope_and_other_writes_mean_a_whole_read",
    "workbench.page_rows": probe_page_rows,
    "workbench.headline": probe_workbench_detail,
    "workbench.history": probe_history,
    "duplicates.candidates_for": probe_duplicates,
    "duplicates.store_neighbours": probe_duplicates,
    "workbench.attachments_for": WB + "test_workbench_queries.py::test_scoped_listing_and_history",
    "workbench.duplicates_of": probe_workbench_detail,
    "workbench.duplicate_candidates": WB + "test_workbench_queries.py::"
                                           "test_duplicate_candidates_rank_by_text_and_respect_scope",
    "workbench.detail_fields": probe_workbench_detail,
    "workbench.original_choices": WB + "test_original_choices.py::test_originals_offered_twins_first_within_scope",
    "workbench.source_text": WB + "test_source_words.py::test_a_form_report_says_formulir_not_its_key",
    "workflow.change_status": probe_workflow,
    "workflow.apply_action": probe_workflow,
    "workflow.verify": probe_verify,
    "workflow.reject": probe_workflow,
    "workflow.mark_duplicate": probe_workflow,
    "workflow.follow_up": probe_workflow,
    "workflow.close": probe_workflow,
    "workflow.bulk_change_status": probe_workflow,
    "workflow.allowed_actions": WB + "test_workbench_workflow.py::test_allowed_actions_follow_transitions",
    "workflow.can_reopen": probe_role_answers,
    "workflow.reopen": WB + "test_workbench_workflow.py::test_reopen_outside_the_scope_is_not_found",
    "workflow.is_own_repeat": WB + "test_workbench_workflow.py::test_a_double_click_is_recognised_as_the_users_own_repeat",
    "overview.data_moments": "tests/test_default_moment.py::test_data_moments_read_the_store_in_the_viewers_scope",
    "exports.export_frame": probe_export_frame,
    "exports.export": probe_export_frame,
    "exports.frame_from_rows": probe_export_frame,
    "exports.describe": probe_export_labels,
    "exports.export_filename": probe_export_labels,
    "alerts.visible_alerts": WB + "test_workbench_alerts.py::test_berat_report_alerts_users_in_scope_only",
    "alerts.count_unacknowledged": WB + "test_workbench_alerts.py::test_berat_report_alerts_users_in_scope_only",
    "alerts.acknowledge": WB + "test_workbench_alerts.py::"
                               "test_acknowledging_is_recorded_and_hides_the_banner_for_that_user_only",
    "alerts.sees_alerts": probe_role_answers,
    "intake.review.queue_frame": REVIEW + "test_a_scoped_panwaslu_sees_its_kecamatan_and_the_unplaced_items_only",
    "intake.review.queue_counts": REVIEW + "test_a_scoped_panwaslu_sees_its_kecamatan_and_the_unplaced_items_only",
    "intake.review.get_item": REVIEW + "test_a_scoped_panwaslu_sees_its_kecamatan_and_the_unplaced_items_only",
    "intake.review.discard": REVIEW + "test_a_scoped_panwaslu_cannot_discard_another_kecamatans_item",
    "intake.review.classify": REVIEW + "test_a_scoped_panwaslu_places_unplaced_items_only_inside_its_kecamatan",
    # Issue 24: check-ins and coverage.
    "intake.review.accept_checkin": "tests/checkins/test_sms_checkins.py::test_the_queue_accepts_a_checkin_candidate",
    "overview.with_contact": probe_overview_figures,
    "overview.contact": probe_overview_figures,
    **{f"checkins.{n}": "tests/checkins/test_checkins.py::test_an_rt_account_checks_in_only_for_its_own_rt"
       for n in ("record_checkin", "last_checkin")},
    "checkins.insert_checkin": "tests/checkins/test_checkins.py::test_an_rt_account_checks_in_only_for_its_own_rt"
                               " via record_checkin",
    "checkins.list_checkins": "tests/checkins/test_checkins.py::test_kecamatan_panwaslu_sees_only_its_kecamatan",
    "coverage.coverage": "tests/checkins/test_checkins.py::test_kecamatan_panwaslu_sees_only_its_kecamatan",
    "rounds.round_view": "tests/checkins/test_rounds.py::test_silent_list_after_the_first_round",
    "intake.pipeline.submit_form": probe_submit_form,
    "intake.validate.make_rules": probe_import_file,
    "intake.worker.run": probe_import_worker,
    "intake.worker.start": probe_import_worker,
    "intake.worker.enqueue": probe_import_enqueue,
    "report.week.report_weeks": probe_report_weeks,
    "intake.pipeline.form_values_for": probe_submit_form,
    "intake.pipeline.preview_file": probe_import_file,
    "intake.pipeline.commit_file": probe_import_file,
    "intake.pipeline.preview_chat": probe_import_chat,
    "intake.pipeline.commit_chat": probe_import_chat,
    "accounts.list_accounts": probe_accounts,
    "accounts.get_account": probe_accounts,
    "accounts.create_account": probe_accounts,
    "accounts.history": probe_accounts,
    "accounts.set_active": "tests/test_auth.py::test_account_changes_need_account_manage",
    "accounts.reset_password": "tests/test_auth.py::test_account_changes_need_account_manage",
    "accounts.set_password": "tests/test_auth.py::test_account_changes_need_account_manage",
    "accounts.update_account": "tests/test_auth.py::test_account_changes_need_account_manage",
    "accounts.link_oidc": "tests/test_auth.py::test_account_changes_need_account_manage",
    "accounts.apply_rt_accounts": "tests/test_auth.py::test_account_changes_need_account_manage",
    **{f"registry.{n}": "tests/registry/test_official_list.py::test_only_the_admin_loads_the_list"
       for n in ("preview_official", "apply_official", "removed_rts")},
    "sms.senders.set_phone": "tests/sms/test_sms_inbound.py::test_phone_registration_rules",
    "sms.senders.phones_from_registry": "tests/sms/test_sms_inbound.py::test_phones_from_the_rt_registry",
    "sms.senders.registered_phones": "tests/sms/test_sms_inbound.py::test_phone_numbers_only_for_roles_that_see_identity",
    **{f"sms.{n}": "tests/smssync/test_gateways.py::test_gateway_figures_are_the_admins_only" for n in (
        "gateways.gateway_states", "gateways.recent_messages", "gateways.silence", "smssync.devices",
        "smssync.outbox_counts", "smssync.last_failure")},
    **{f"sms.smssync.{n}": "tests/smssync/test_smssync_protocol.py::test_only_the_admin_registers_lists_or_revokes_phones"
       for n in ("register_phone", "revoke_phone", "list_phones")},
    "wall.snapshot": "tests/wall/test_wall_data.py::test_snapshot_counts_only_what_the_viewer_may_see",
    "wall.place_title": "tests/wall/test_wall_data.py::test_the_wall_title_names_the_area_the_viewer_sees",
    "simulated.count_in_view": "tests/wall/test_simulated_banner.py::"
                               "test_count_in_view_respects_scope_and_the_source_filter",
}

# Public functions that reach the store without a viewer, and why that is safe.
_PRIMITIVE = "storage primitive: runs inside a write or read already authorised by its caller"
_SYSTEM_JOB = "system job (CLI, alert checks, delivery): acts for the city as a whole, never for a viewer"
_CITY_WIDE = "city-wide weekly snapshot: callers check report.weekly (page.laporan_mingguan, CLI --as)"
NO_VIEWER: dict[str, str] = {
    **{f"store.{n}": _PRIMITIVE for n in (
        "audit.record", "audit.record_rows", "audit_for", "executemany", "insert_on_conflict", "load_simulated",
        "update_incident", "get_setting", "set_setting", "init_db", "insert_incidents",
        "reserve_numbers", "schema_version", "new_generation", "wib_day_expr", "write", "bulk_insert",
        "secondary_indexes_deferred", "build_reference_schema")},
    # The accounts' and alerts' write modules: one change each, inside a write their callers decided on.
    **{f"accounts.writes.{n}": _PRIMITIVE for n in (
        "add_account", "set_active", "set_password", "change_account", "set_phone", "link_sso", "add_rt_accounts",
        "take_guess_slot", "lock_when_full", "sign_in", "sign_in_sso", "log_out", "change_own_password",
        "forget_failures", "add_failure", "take_back_failure")},
    **{f"alerts.writes.{n}": _PRIMITIVE for n in (
        "record_levels", "acknowledge_alerts", "take_for_delivery", "count_delivery_attempt", "finish_delivery",
        "requeue_undelivered")},
    "alerts.create_alerts": _SYSTEM_JOB,
    "checkins.load_simulated": "demo seeding inside demo_checkins.seed_checkins (simulated rows only)",
    "intake.review.enqueue": "write step of the intake paths, each authorised by its caller (import, SMS)",
    "checkins.check_place": "checks a place against the RT registry (no row of any viewer's data)",
    "rounds.check_rounds": "background check as the system: writes alerts, each scoped by its kecamatan on reading",
    "demo_checkins.seed_checkins": "demo seeding from the CLI (simulated rows only)",
    "store.has_simulated": "yes/no flag shown to every role (the data holds simulated reports)",
    "workbench.report_numbers": "id → report number for ids the caller already read within its scope",
    "overview.data_version": "cache key (newest audit and alert ids, store generation), no row content",
    "overview.reports_written": "ids of reports written since a cached read (audit rows only); the page "
                                "re-reads them with overview.patch_view in its viewer's scope",
    "wall.data_version": "change check (newest audit and alert ids), no row content",
    "overview.epoch_seconds": _PRIMITIVE,
    "sms.gammu.from_settings": "builds the worker's Gammu reader from the settings (no row of any viewer's data)",
    **{f"alerts.{n}": _SYSTEM_JOB for n in (
        "check_levels", "check_new_incidents", "deliver_alert", "deliver_pending", "deliver_ids", "announce",
        "list_alerts")},
    **{f"store.outbox.{n}": _PRIMITIVE for n in (
        "record", "work_waiting", "claim", "finish", "fail", "heartbeat", "state",
        # import jobs: queued by `intake.worker.enqueue` (which requires import.run), held by the session's own id
        "enqueue_import", "claim_imports", "renew_imports", "stop_requests", "finish_import",
        "release_imports", "cancel_import", "import_state", "last_seen", "prune_imports")},
    **{f"worker.{n}": _SYSTEM_JOB for n in ("handle",)},
    "intake.pipeline.existing_refs": _PRIMITIVE,
    "intake.pipeline.queued_fingerprints": _PRIMITIVE,
    "intake.pipeline.insert_records": _PRIMITIVE,
    "report.data.gather": _CITY_WIDE,
    "report.data.store_fingerprint": _CITY_WIDE,
    **{f"report.archive.{n}": _CITY_WIDE for n in ("next_version", "save_snapshot", "list_snapshots",
                                                   "load_snapshot")},
    **{f"report.build.{n}": _CITY_WIDE for n in ("build_report", "generate_snapshot", "reproduce")},
    "demo.seed_demo": _SYSTEM_JOB,
    **{f"health.{n}": "figures of the installation (disk, queues, worker state), no report content"
       for n in ("check", "disk_of", "free_space", "low_disk_warning")},
    **{f"intake.layouts.{n}": ("remembered column layouts of file headers: no report content; callers hold "
                               "import.run (preview_file/commit_file)")
       for n in ("load_mapping", "resolve_mapping", "save_mapping")},
    "intake.photos.add_attachment": _PRIMITIVE,
    "accounts.count_accounts": "a number, read before any account exists (first start)",
    "accounts.ensure_demo_accounts": _SYSTEM_JOB,
    "accounts.active_demo_accounts": "names of the demo accounts still active (admin page warning)",
    "accounts.plan_rt_accounts": "plans from the RT registry; writing needs registry.manage (apply_rt_accounts)",
    "accounts.normalize_scope": "checks a scope against the registry; no row returned",
    "duplicates.find_for_records": "detection at insert time must compare with every stored report (SYSTEM)",
    "registry.rt_registry": "the public RT registry (kelurahan, RT numbers)",
    "registry.ensure_rt_registry": _SYSTEM_JOB,
    "sms.receive_sms": ("SMS gateway entry point: the sender's registered number decides the RT (validated "
                                "as that RT account); any other number only reaches the review queue"),
    "sms.senders.find_sender": "SMS gateway: which active RT account a number belongs to (system look-up)",
    **{f"sms.smssync.{n}": ("SMSsync endpoint (kondusif/web/smssync.py): the phone proves its own "
                            "secret; it moves SMS and their replies, never reads reports")
       for n in ("phone_for_secret", "touch_phone", "count_request", "receive", "queue_reply", "take_waiting", "confirm_queued", "awaiting_result",
                 "record_results", "note_device")},
    "sms.gateways.check_silence": _SYSTEM_JOB,
    "sms.gateways.record_state": _SYSTEM_JOB,
    **{f"sms.reminders.{n}": ("the Gammu reader's round reminder, as the system: numbers go to Gammu's "
                              "outbox only, never to a page") for n in ("due", "claim")},
    "accounts.auth_oidc.resolve_sso": "single sign-on: the identity provider proves who the user is",
    **{f"accounts.auth.{n}": "signing in and out: the user proves who they are (no viewer exists yet, or it is their own)"
       for n in ("authenticate", "authenticate_from", "restore_session", "change_password", "end_sessions")},
}


def data_modules() -> list[str]:
    """Every module of kondusif/ outside NOT_DATA_MODULES, packages before their submodules."""
    names = [m.name for m in pkgutil.walk_packages(kondusif.__path__, "kondusif.")
             if not m.name.startswith(tuple(NOT_DATA_MODULES))]
    return sorted(names, key=lambda n: (n.count("."), n))


def public_data_functions() -> dict[str, Callable]:
    """Every public function of the data modules that takes a viewer or reaches the store, named
    by the shortest module that exports it (`store.query_incidents`, not `store.queries.…`)."""
    found: dict[str, Callable] = {}
    seen: set[int] = set()
    for name in data_modules():
        mod = importlib.import_module(name)
        for fname, fn in inspect.getmembers(mod, inspect.isfunction):
            # a package (store/, alerts/, accounts/) re-exports its submodules' functions
            own = fn.__module__ == mod.__name__ or fn.__module__.startswith(f"{mod.__name__}.")
            if fname.startswith("_") or not own or id(fn) in seen:
                continue
            params = set(inspect.signature(fn).parameters)
            if "viewer" in params or params & DB_PARAMS:
                seen.add(id(fn))
                found[f"{name.removeprefix('kondusif.')}.{fname}"] = fn
    return found


def reached(probe: Callable, *args) -> set[str]:
    """Run `probe(*args)`; the names of the DATA_FUNCTIONS it called (directly or deep inside)."""
    codes = {inspect.unwrap(fn).__code__: name for name, fn in public_data_functions().items()}
    hit: set[str] = set()

    def profile(frame, event, _arg):
        if event == "call":
            name = codes.get(frame.f_code)
            if name is not None:
                hit.add(name)

    old = sys.getprofile()
    sys.setprofile(profile)
    try:
        probe(*args)
    finally:
        sys.setprofile(old)
    return hit


# --------------------------------------------------------------------------- the tests


def test_the_data_modules_are_discovered_not_listed():
    """The modules an earlier hand-written list left out are in the walk."""
    modules = {m.removeprefix("kondusif.") for m in data_modules()}
    assert {"health", "intake.layouts", "intake.photos", "intake.worker", "intake.validate", "report.week",
            "store", "intake.pipeline", "sms.smssync"} <= modules
    assert not {m for m in modules if m.startswith(("ui", "web", "cli"))}


def test_every_public_data_function_has_an_entry():
    found = public_data_functions()
    missing = sorted(set(found) - set(DATA_FUNCTIONS) - set(NO_VIEWER))
    assert not missing, f"public data functions without an entry in DATA_FUNCTIONS or NO_VIEWER: {missing}"
    stale = sorted((set(DATA_FUNCTIONS) | set(NO_VIEWER)) - set(found))
    assert not stale, f"entries for functions that no longer exist: {stale}"


def test_every_listed_function_requires_a_viewer():
    """The viewer parameter is a required Viewer: no default, not Optional (None is not 'everything')."""
    for name, fn in public_data_functions().items():
        sig = inspect.signature(fn)
        if name in DATA_FUNCTIONS:
            p = sig.parameters.get("viewer")
            assert p is not None, f"{name} takes no viewer"
            assert str(p.annotation) == "Viewer", f"{name}: viewer is annotated {p.annotation!r}, not Viewer"
            assert p.default is inspect.Parameter.empty, f"{name}: viewer has a default ({p.default!r})"
        else:
            assert "viewer" not in sig.parameters, f"{name} takes a viewer: move it to DATA_FUNCTIONS"


def test_a_missing_viewer_is_refused_not_read_as_unrestricted(engine):
    with pytest.raises(TypeError, match="viewer wajib"):
        store.query_incidents(engine, None, None)
    with pytest.raises(NotPermitted, match="Silakan masuk"):
        access.require(None, "incident.read")


def _test_source(entry: str) -> str:
    """The test's source plus that of the helpers of its file it calls (followed transitively)."""
    path, _, test = entry.partition("::")
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert test in defs, f"{entry} does not exist"
    todo, seen, parts = [test], set(), []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        text = ast.unparse(defs[name])
        parts.append(text)
        todo += [d for d in defs if d != name and f"{d}(" in text]
    return "\n".join(parts)


def test_every_elsewhere_entry_names_a_test_that_calls_the_function():
    """`path::test` must call the function (in its body or a helper of its file); `path::test via f`
    must call `f`, a function of the same module whose own body calls the listed one."""
    found = public_data_functions()
    bad = []
    for name, entry in DATA_FUNCTIONS.items():
        if callable(entry):
            continue
        where, _, through = str(entry).partition(" via ")
        fname = name.rsplit(".", 1)[1]
        if through:
            outer = found.get(name.rsplit(".", 1)[0] + "." + through)
            if outer is None or f"{fname}(" not in inspect.getsource(outer):
                bad.append(f"{name}: {through} does not call {fname}")
            fname = through
        if not re.search(rf"\.{fname}\b|\b{fname}\(", _test_source(where)):  # called, or handed on to call
            bad.append(f"{name}: {where} never calls {fname}")
    assert not bad, bad


PROBES = sorted({e.__name__: e for e in DATA_FUNCTIONS.values() if callable(e)}.items())


@pytest.mark.parametrize("kind", VIEWER_KINDS)
@pytest.mark.parametrize("probe", [p for _, p in PROBES], ids=[n for n, _ in PROBES])
def test_each_viewer_sees_and_changes_only_its_own(world, kind, probe):
    hit = reached(probe, world, kind)
    claimed = {name for name, entry in DATA_FUNCTIONS.items() if entry is probe}
    assert claimed <= hit, f"{probe.__name__} ({kind}) never called {sorted(claimed - hit)}"


def test_the_probe_recorder_sees_a_function_called_deep_inside():
    """`reached` counts calls made inside other functions, and only those really made."""
    def probe(_world, _kind):
        store.incidents_select(store.IncidentQuery(), SYSTEM)  # calls visible_columns inside

    hit = reached(probe, None, None)
    assert {"store.incidents_select", "store.visible_columns"} <= hit
    assert "store.query_incidents" not in hit


def test_the_export_probe_sees_a_leak_in_the_sql_identity_filter(world, monkeypatch):
    """Mutation check: with the SQL identity filter broken by hand, the probe fails for pejabat and rt."""
    from kondusif.store import queries

    probe_export_frame(world, "pejabat")  # passes with the real filter
    monkeypatch.setattr(queries, "PRIVATE_FIELDS", frozenset())  # every column for everyone
    for kind in ("pejabat", "rt"):
        with pytest.raises(AssertionError, match="identity"):
            probe_export_frame(world, kind)


# --------------------------------------------------------------------------- pages and widgets


UI_FILES = sorted([*(ROOT / "screens").glob("*.py"), ROOT / "dashboard.py", ROOT / "app.py",
                   *(ROOT / "kondusif" / "ui").rglob("*.py")])
UI_ALLOWED_NO_VIEWER = {
    "store.has_simulated", "overview.data_version", "overview.reports_written", "wall.data_version", "workbench.report_numbers", "accounts.active_demo_accounts",
    "report.archive.list_snapshots", "report.archive.load_snapshot", "report.build.generate_snapshot",
    "report.data.gather", "store.get_engine", "store.write",
    "registry.rt_registry",  # the public RT list (kelurahan, RT numbers) for pickers
    "health.low_disk_warning", "health.check",  # figures of the installation, no report content
    "intake.layouts.save_mapping",  # a header's column layout (audited with its actor), on the guarded import page
    "accounts.plan_rt_accounts",  # RT names from the registry; the page writes them via apply_rt_accounts(viewer)
    # signing in and out (kondusif/ui/login.py, session.py): the user proves who they are
    "accounts.auth.authenticate", "accounts.auth.restore_session", "accounts.auth.change_password",
    "accounts.auth.end_sessions", "accounts.auth_oidc.resolve_sso",
}


def _module_of(module: str, name: str):
    """What `from <module> import <name>` binds when it is a module (kondusif.auth resolves too)."""
    try:
        return importlib.import_module(f"{module}.{name}")
    except ImportError:
        obj = getattr(importlib.import_module(module), name, None)
        return obj if inspect.ismodule(obj) else None


def _calls(path: Path):
    """(function name in the table, call node) of every call `alias.function(...)` of a kondusif module."""
    by_function = {fn: name for name, fn in public_data_functions().items()}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: dict[str, object] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kondusif"):
            for a in node.names:
                mod = _module_of(node.module, a.name)
                if mod is not None:
                    aliases[a.asname or a.name] = mod
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in aliases:
            fn = getattr(aliases[node.func.value.id], node.func.attr, None)
            if fn in by_function:
                yield by_function[fn], node


@pytest.mark.parametrize("path", UI_FILES, ids=[str(p.relative_to(ROOT)) for p in UI_FILES])
def test_pages_reach_data_only_through_viewer_functions(path):
    """A page or widget calls data functions that take its viewer, or the few listed harmless ones."""
    found = public_data_functions()
    bad = []
    for name, node in _calls(path):
        if name in UI_ALLOWED_NO_VIEWER:
            continue
        if name in NO_VIEWER:
            bad.append(f"{name} (line {node.lineno}) reaches data without a viewer")
            continue
        passed = len(node.args) + len(node.keywords)
        if passed <= list(inspect.signature(found[name]).parameters).index("viewer"):
            bad.append(f"{name} (line {node.lineno}) is called without its viewer")
    assert not bad, bad


def test_the_page_check_covers_every_screen():
    """The screens folder exists and is walked (a moved folder must not empty the check)."""
    names = {str(p.relative_to(ROOT)) for p in UI_FILES}
    assert {"screens/peta.py", "screens/lapor.py", "dashboard.py", "kondusif/ui/session.py"} <= names


def test_the_page_check_resolves_module_aliases():
    """`from kondusif.accounts import auth` in a widget maps its calls onto the table's names."""
    calls = {name for name, _ in _calls(ROOT / "kondusif" / "ui" / "session.py")}
    assert "accounts.auth.restore_session" in calls

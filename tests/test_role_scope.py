"""Issue 18/19: one table of roles × scopes × data functions, walked for every kind of viewer.

`DATA_FUNCTIONS` lists every public function of the data modules that takes a
viewer, with how its scope is proven: a probe run here for admin, pejabat, a
city-wide panwaslu, a kecamatan panwaslu and an rt (each sees and changes only
its own), or the test elsewhere that proves it. `NO_VIEWER` lists every public
function of those modules that reaches the store without a viewer, with the
reason. A new public data function in neither table fails
`test_every_public_data_function_has_an_entry`, so the next unscoped function
cannot slip in; `test_pages_reach_data_only_through_viewer_functions` does the
same for pages and widgets.

Expected rows are computed by hand-written rules on the rows the system viewer
reads (a kecamatan panwaslu owns rows of 16.73.01; an rt owns its kelurahan + RT),
never with the production scope clause.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from kondusif import access, accounts, exports, overview, store, workbench, workflow
from kondusif.errors import NotPermitted
from kondusif.intake import pipeline
from kondusif.model import SYSTEM, Role, Viewer, new_id

ROOT = Path(__file__).resolve().parent.parent

DATA_MODULES = ["store", "workbench", "workflow", "overview", "status", "alerts", "intake.review",
                "intake.pipeline", "exports", "report.data", "report.archive", "report.build", "accounts",
                "duplicates", "registry", "accounts.auth", "sms.inbound", "sms.senders", "sms.gateways", "sms.gammu",
                "sms.smssync", "wall", "simulated"]
DB_PARAMS = {"engine", "conn", "conn_or_engine", "engine_or_conn"}

KEC = "16.73.01"  # Lubuk Linggau Timur I
VIEWER_KINDS = ["admin", "pejabat", "panwaslu_kota", "panwaslu_kecamatan", "rt"]


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


def probe_export_frame(world, kind):
    e, _, v = world
    frame = exports.export_frame(e, None, v[kind])
    assert len(frame) == len(own_rows(world, kind))
    identity = any("pelapor" in str(c).lower() for c in frame.columns)
    assert identity == (kind in ("admin", "panwaslu_kota", "panwaslu_kecamatan"))


def probe_history(world, kind):
    e, _, v = world
    other = foreign_row(world, kind)
    if other is not None:
        assert workbench.history(e, v[kind], other["id"]).empty


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


FOREIGN_PLACE = {"kelurahan": "16.73.08.1003", "rt": 1}  # Kenanga, Utara II: outside Timur I
FORM = {"category": "politik_uang", "severity": "berat", "occurred_at": datetime(2018, 6, 20, 7, 32, tzinfo=UTC),
        "title": "Amplop", "description": "Uji cakupan"}


def probe_submit_form(world, kind):
    """A report filed for a place outside the filer's scope is refused or kept inside it."""
    e, _, v = world
    before = store.count_incidents(e, None, SYSTEM)
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
    "overview.headline": "tests/test_overview.py::test_scope_applies_to_every_figure",
    "overview.kelurahan_detail": "tests/test_overview.py::test_scope_applies_to_every_figure",
    "overview.kelurahan_units": "tests/test_overview.py::test_scope_applies_to_every_figure",
    "overview.kelurahan_choices": "tests/test_one_policy.py::test_kelurahan_choices_follow_the_viewers_area",
    "overview.levels_for_view": "tests/test_overview.py::test_scope_applies_to_every_figure",
    **{f"overview.{n}": "tests/test_page_data.py::test_page_data_stays_in_the_viewers_scope"
       for n in ("read_view", "levels_from_frame", "page_data")},
    "workbench.page_rows": probe_page_rows,
    "workbench.headline": WB + "test_workbench_queries.py::test_scoped_listing_and_history",
    "workbench.history": probe_history,
    "workbench.attachments_for": WB + "test_workbench_queries.py::test_scoped_listing_and_history",
    "workbench.duplicates_of": WB + "test_workbench_queries.py::test_scoped_listing_and_history",
    "workbench.duplicate_candidates": WB + "test_workbench_queries.py::"
                                           "test_duplicate_candidates_rank_by_text_and_respect_scope",
    "workbench.detail_fields": WB + "test_workbench_queries.py::test_scoped_listing_and_history",
    "workflow.change_status": probe_verify,
    "workflow.apply_action": probe_verify,
    "workflow.verify": probe_verify,
    "workflow.reject": probe_verify,
    "workflow.mark_duplicate": probe_verify,
    "workflow.follow_up": probe_verify,
    "workflow.close": probe_verify,
    "workflow.bulk_change_status": probe_verify,
    "workflow.allowed_actions": WB + "test_workbench_workflow.py::test_allowed_actions_follow_transitions",
    "workflow.can_reopen": WB + "test_workbench_workflow.py::test_reopen_refused_to_other_roles",
    "workflow.reopen": WB + "test_workbench_workflow.py::test_reopen_outside_the_scope_is_not_found",
    "workflow.is_own_repeat": WB + "test_workbench_workflow.py::test_a_double_click_is_recognised_as_the_users_own_repeat",
    "overview.data_moments": "tests/test_default_moment.py::test_data_moments_read_the_store_in_the_viewers_scope",
    "exports.export_frame": probe_export_frame,
    "exports.export": probe_export_frame,
    "exports.frame_from_rows": probe_export_frame,
    "exports.describe": WB + "test_workbench_exports.py::test_scoped_panwaslu_exports_only_their_kecamatan",
    "exports.export_filename": WB + "test_workbench_exports.py::test_scoped_panwaslu_exports_only_their_kecamatan",
    "alerts.visible_alerts": WB + "test_workbench_alerts.py::test_berat_report_alerts_users_in_scope_only",
    "alerts.count_unacknowledged": WB + "test_workbench_alerts.py::test_berat_report_alerts_users_in_scope_only",
    "alerts.acknowledge": WB + "test_workbench_alerts.py::"
                               "test_acknowledging_is_recorded_and_hides_the_banner_for_that_user_only",
    "alerts.sees_alerts": WB + "test_workbench_alerts.py::test_berat_report_alerts_users_in_scope_only",
    "intake.review.queue_frame": REVIEW + "test_a_scoped_panwaslu_sees_its_kecamatan_and_the_unplaced_items_only",
    "intake.review.queue_counts": REVIEW + "test_a_scoped_panwaslu_sees_its_kecamatan_and_the_unplaced_items_only",
    "intake.review.get_item": REVIEW + "test_a_scoped_panwaslu_sees_its_kecamatan_and_the_unplaced_items_only",
    "intake.review.discard": REVIEW + "test_a_scoped_panwaslu_cannot_discard_another_kecamatans_item",
    "intake.review.classify": REVIEW + "test_a_scoped_panwaslu_places_unplaced_items_only_inside_its_kecamatan",
    "intake.pipeline.submit_form": probe_submit_form,
    "intake.pipeline.form_values_for": probe_submit_form,
    "intake.pipeline.preview_file": "tests/intake/test_import_files.py::test_scoped_panwaslu_gets_rows_outside_its_kecamatan_rejected",
    "intake.pipeline.commit_file": "tests/intake/test_import_files.py::test_scoped_panwaslu_gets_rows_outside_its_kecamatan_rejected",
    "intake.pipeline.preview_chat": REVIEW + "test_a_scoped_panwaslu_sees_its_kecamatan_and_the_unplaced_items_only",
    "intake.pipeline.commit_chat": REVIEW + "test_queue_items_carry_the_place_they_were_parsed_to",
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
    "duplicates.candidates_for": "tests/intake/test_duplicates.py::test_candidates_for_a_stored_incident_respect_the_viewer",
    "duplicates.store_neighbours": "tests/intake/test_duplicates.py::test_candidates_for_a_stored_incident_respect_the_viewer",
    "accounts.auth.may_file_for": "tests/test_auth.py::test_rt_may_file_only_for_own_rt",
    "registry.replace_rt_registry": "tests/test_auth.py::test_account_changes_need_account_manage",
    **{f"registry.{n}": "tests/registry/test_official_list.py::test_only_the_admin_loads_the_list"
       for n in ("preview_official", "apply_official", "removed_rts")},
    "sms.senders.set_phone": "tests/sms/test_sms_inbound.py::test_phone_registration_rules",
    "sms.senders.phones_from_registry": "tests/sms/test_sms_inbound.py::test_phones_from_the_rt_registry",
    "sms.senders.registered_phones": "tests/sms/test_sms_inbound.py::test_phone_numbers_only_for_roles_that_see_identity",
    **{f"sms.{n}": "tests/smssync/test_gateways.py::test_gateway_figures_are_the_admins_only" for n in (
        "gateways.gateway_states", "gateways.recent_messages", "gateways.silence", "smssync.devices",
        "smssync.outbox_counts", "smssync.last_failure")},
    "sms.smssync.show_secret": "tests/smssync/test_smssync_protocol.py::test_only_the_admin_sees_or_changes_the_secret",
    "sms.smssync.rotate_secret": "tests/smssync/test_smssync_protocol.py::test_only_the_admin_sees_or_changes_the_secret",
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
        "add_audit", "audit_for", "executemany", "get_setting", "set_setting", "init_db", "insert_incidents",
        "reserve_numbers", "schema_version", "wib_day_expr", "write", "on_commit", "bulk_insert",
        "secondary_indexes_deferred", "build_reference_schema")},
    "store.has_simulated": "yes/no flag shown to every role (the data holds simulated reports)",
    "workbench.report_numbers": "id → report number for ids the caller already read within its scope",
    "overview.data_version": "cache key (row count and newest change), no row content",
    "overview.epoch_seconds": _PRIMITIVE,
    **{f"alerts.{n}": _SYSTEM_JOB for n in (
        "check_levels", "check_levels_after_insert", "check_new_incidents", "deliver_alert", "deliver_pending",
        "kick_delivery", "start_delivery_worker", "list_alerts", "acks_for")},
    "intake.pipeline.existing_refs": _PRIMITIVE,
    "intake.pipeline.queued_fingerprints": _PRIMITIVE,
    "intake.pipeline.insert_records": _PRIMITIVE,
    "report.data.gather": _CITY_WIDE,
    "report.data.store_fingerprint": _CITY_WIDE,
    **{f"report.archive.{n}": _CITY_WIDE for n in ("next_version", "save_snapshot", "list_snapshots",
                                                   "load_snapshot")},
    **{f"report.build.{n}": _CITY_WIDE for n in ("build_report", "generate_snapshot", "reproduce")},
    "accounts.count_accounts": "a number, read before any account exists (first start)",
    "accounts.ensure_demo_accounts": _SYSTEM_JOB,
    "accounts.active_demo_accounts": "names of the demo accounts still active (admin page warning)",
    "accounts.plan_rt_accounts": "plans from the RT registry; writing needs registry.manage (apply_rt_accounts)",
    "accounts.normalize_scope": "checks a scope against the registry; no row returned",
    "duplicates.find_for_records": "detection at insert time must compare with every stored report (SYSTEM)",
    "registry.rt_registry": "the public RT registry (kelurahan, RT numbers)",
    "registry.ensure_rt_registry": _SYSTEM_JOB,
    "sms.inbound.receive_sms": ("SMS gateway entry point: the sender's registered number decides the RT (validated "
                                "as that RT account); any other number only reaches the review queue"),
    "sms.senders.find_sender": "SMS gateway: which active RT account a number belongs to (system look-up)",
    **{f"sms.smssync.{n}": ("SMSsync endpoint (kondusif/web/smssync.py): the phone proves the installation's "
                            "secret; it moves SMS and their replies, never reads reports")
       for n in ("ensure_secret", "receive", "queue_reply", "take_waiting", "confirm_queued", "awaiting_result",
                 "record_results", "note_device")},
    "sms.gateways.check_silence": _SYSTEM_JOB,
    "sms.gateways.record_state": _SYSTEM_JOB,
    **{f"accounts.auth.{n}": "signing in and out: the user proves who they are (no viewer exists yet, or it is their own)"
       for n in ("authenticate", "authenticate_from", "restore_session", "change_password", "end_sessions",
                 "bump_epoch")},
}


def public_data_functions() -> dict[str, inspect.Signature]:
    """Every public function of the data modules that takes a viewer or reaches the store."""
    found = {}
    for name in DATA_MODULES:
        mod = importlib.import_module(f"kondusif.{name}")
        for fname, fn in inspect.getmembers(mod, inspect.isfunction):
            # a package (store/, alerts/, accounts/) re-exports its submodules' functions
            own = fn.__module__ == mod.__name__ or fn.__module__.startswith(f"{mod.__name__}.")
            if fname.startswith("_") or not own:
                continue
            params = set(inspect.signature(fn).parameters)
            if "viewer" in params or params & DB_PARAMS:
                found[f"{name}.{fname}"] = inspect.signature(fn)
    return found


# --------------------------------------------------------------------------- the tests


def test_every_public_data_function_has_an_entry():
    found = public_data_functions()
    missing = sorted(set(found) - set(DATA_FUNCTIONS) - set(NO_VIEWER))
    assert not missing, f"public data functions without an entry in DATA_FUNCTIONS or NO_VIEWER: {missing}"
    stale = sorted((set(DATA_FUNCTIONS) | set(NO_VIEWER)) - set(found))
    assert not stale, f"entries for functions that no longer exist: {stale}"


def test_every_listed_function_requires_a_viewer():
    """The viewer parameter is a required Viewer: no default, not Optional (None is not 'everything')."""
    for name, sig in public_data_functions().items():
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


def test_every_elsewhere_entry_names_a_test_that_exists():
    for name, entry in DATA_FUNCTIONS.items():
        if callable(entry):
            continue
        path, _, test = str(entry).partition("::")
        text = (ROOT / path).read_text(encoding="utf-8")
        assert f"def {test}(" in text, f"{name}: {entry} does not exist"


PROBES = sorted({e.__name__: e for e in DATA_FUNCTIONS.values() if callable(e)}.items())


@pytest.mark.parametrize("kind", VIEWER_KINDS)
@pytest.mark.parametrize("probe", [p for _, p in PROBES], ids=[n for n, _ in PROBES])
def test_each_viewer_sees_and_changes_only_its_own(world, kind, probe):
    probe(world, kind)


# --------------------------------------------------------------------------- pages and widgets


UI_FILES = sorted([*(ROOT / "pages").glob("*.py"), ROOT / "dashboard.py", *(ROOT / "kondusif" / "ui").glob("*.py")])
UI_ALLOWED_NO_VIEWER = {
    "store.has_simulated", "overview.data_version", "workbench.report_numbers", "accounts.active_demo_accounts",
    "report.archive.list_snapshots", "report.archive.load_snapshot", "report.build.generate_snapshot",
    "report.data.gather", "store.get_engine", "store.write",
    "registry.rt_registry",  # the public RT list (kelurahan, RT numbers) for pickers
    "accounts.plan_rt_accounts",  # RT names from the registry; the page writes them via apply_rt_accounts(viewer)
    # signing in and out (kondusif/ui/login.py, session.py): the user proves who they are
    *(f"accounts.auth.{n}" for n in ("authenticate", "restore_session", "change_password", "end_sessions",
                                     "bump_epoch")),
}


def _calls(path: Path):
    """(module alias, function) of every call `alias.function(...)` in a file, with the module it names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kondusif"):
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}".removeprefix("kondusif.")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in aliases:
            yield aliases[node.func.value.id], node.func.attr, node


@pytest.mark.parametrize("path", UI_FILES, ids=[str(p.relative_to(ROOT)) for p in UI_FILES])
def test_pages_reach_data_only_through_viewer_functions(path):
    """A page or widget calls data functions that take its viewer, or the few listed harmless ones."""
    found = public_data_functions()
    bad = []
    for module, fname, node in _calls(path):
        name = f"{module}.{fname}"
        if name not in found or name in UI_ALLOWED_NO_VIEWER:
            continue
        if name in NO_VIEWER:
            bad.append(f"{name} (line {node.lineno}) reaches data without a viewer")
            continue
        passed = len(node.args) + len(node.keywords)
        if passed <= list(found[name].parameters).index("viewer"):
            bad.append(f"{name} (line {node.lineno}) is called without its viewer")
    assert not bad, bad

"""The store is a boundary (issue 28.5): each table is written only by its aggregate's one write module.

The test reads the source (ast), finds every write to a table — ``sa.insert(t)`` / ``t.insert()``,
update and delete alike, a dialect or helper insert (``postgresql.insert(t)``, ``_insert(conn, t)``,
``store.executemany(conn, t, ...)``, ``store.bulk_insert(conn, t, ...)``), raw ``INSERT INTO`` /
``UPDATE`` / ``DELETE FROM`` / ``COPY`` text and pandas ``to_sql`` — and fails naming the module and
the table when a write happens outside the owners declared below. The audit log has one writer,
``store.audit`` (``record`` / ``record_rows``), and only write modules call it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from kondusif.store.schema import metadata

ROOT = Path(__file__).resolve().parent.parent

# aggregate -> (its one write module, its tables). Other modules call that module's functions.
AGGREGATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "incidents (filing, transitions, duplicates, simulated load)":
        ("kondusif/store/writes.py", ("incidents", "counters")),
    "audit log": ("kondusif/store/audit.py", ("audit_log",)),
    "check-ins": ("kondusif/checkins.py", ("checkins",)),
    "review queue": ("kondusif/intake/review.py", ("review_queue",)),
    "photos": ("kondusif/intake/photos.py", ("attachments",)),
    "import mappings": ("kondusif/intake/layouts.py", ("import_mappings",)),
    "RT registry": ("kondusif/registry.py", ("rt_units",)),
    "settings changed in the app": ("kondusif/store/stored_settings.py", ("settings_kv",)),
    "weekly snapshots": ("kondusif/report/archive.py", ("snapshots",)),
    # The record (admin), sign-in state (auth, auth_oidc) and the per-address throttle decide; one module writes.
    "accounts": ("kondusif/accounts/writes.py", ("users", "login_failures")),
    # Raised (checks, rounds, SMS silence), delivered (delivery), acknowledged (inbox); one module writes.
    "alerts": ("kondusif/alerts/writes.py", ("alerts", "alert_acks", "alert_level_state")),
    "SMS messages and senders": ("kondusif/sms/inbound.py", ("sms_messages", "sms_senders")),
    "SMS gateway states": ("kondusif/sms/gateways.py", ("sms_gateways",)),
    "SMS reminders to silent RT (one per round and number)": ("kondusif/sms/reminders.py", ("sms_reminders",)),
    "SMSsync phones, replies, devices, rate": ("kondusif/sms/smssync.py", (
        "smssync_phones", "smssync_outbox", "smssync_devices", "smssync_rate")),
    # Tables of Gammu SMSD's own database, declared in the module that reads and answers them.
    "Gammu SMSD (its own database)": ("kondusif/sms/gammu.py", ("gammu:inbox", "gammu:outbox", "gammu:sentitems")),
    # Issue 28: recorded in the writes, claimed and finished by the worker through kondusif/store/outbox.py only.
    "outbox events, import jobs and worker heartbeats": ("kondusif/store/outbox.py", ("outbox", "import_jobs",
                                                                                      "workers")),
}
# The machinery below the boundary: writes that are not an aggregate's change.
MACHINERY: dict[str, str] = {
    "kondusif/store/engine.py": "schema creation and in-place upgrades (schema_version in meta; an upgrade step "
                                "moves old rows: review_queue states, the SMSsync secret from settings_kv to "
                                "smssync_phones)",
}
# Modules that write an audit row of their own without owning a table, and why.
AUDIT_ONLY: dict[str, str] = {
    "kondusif/intake/pipeline.py": "records each import batch (entity 'import'): the file's record, which has no "
                                   "table; its rows go through insert_incidents and review.enqueue",
}

OWNERS: dict[str, str] = {table: module for module, tables in AGGREGATES.values() for table in tables}
WRITE_MODULES = {module for module, _ in AGGREGATES.values()}
TABLES = set(metadata.tables)
VERBS = ("insert", "update", "delete", "upsert")
RAW = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY|TRUNCATE(?:\s+TABLE)?)\s+[\"`]?(\w+)", re.I)


def _sources() -> list[Path]:
    files = [*ROOT.glob("kondusif/**/*.py"), *ROOT.glob("screens/*.py"), *ROOT.glob("lubuklinggau_geo/**/*.py"),
             ROOT / "dashboard.py", ROOT / "app.py"]
    return sorted(p for p in files if p.exists())


def _callee(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def _own_tables(tree: ast.Module, prefix: str) -> dict[str, str]:
    """Tables a module declares itself (`x = sa.Table("name", ...)`): another database's, named prefix:name."""
    own = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call) and _callee(node.value.func) == "Table"
                and node.value.args and isinstance(node.value.args[0], ast.Constant)):
            own[node.targets[0].id] = f"{prefix}:{node.value.args[0].value}"
    return own


class _Writes(ast.NodeVisitor):
    """Collects (line, table, how) for each write; names resolve through simple aliases (`t = store.users`)."""

    def __init__(self, own: dict[str, str]) -> None:
        self.scopes: list[dict[str, str]] = [dict(own)]
        self.hits: set[tuple[int, str, str]] = set()

    def table(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            for scope in reversed(self.scopes):
                if node.id in scope:
                    return scope[node.id]
            return node.id if node.id in TABLES else None
        if isinstance(node, ast.Attribute) and node.attr in TABLES:
            return node.attr
        return None

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        scope: dict[str, str] = {}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Name):
                found = self.table(sub.value)
                if found:
                    scope[sub.targets[0].id] = found
        self.scopes.append(scope)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        name = _callee(node.func).lower()
        if isinstance(node.func, ast.Attribute) and name in VERBS and not node.args and not node.keywords:
            found = self.table(node.func.value)  # t.insert(), t.update(), t.delete()
            if found:
                self.hits.add((node.lineno, found, f"{found}.{name}()"))
        if any(v in name for v in VERBS) or name in ("executemany", "bulk_insert"):
            for arg in node.args:  # sa.insert(t), postgresql.insert(t), _insert(conn, t), executemany(conn, t, rows)
                found = self.table(arg)
                if found:
                    self.hits.add((node.lineno, found, f"{name}(…{found}…)"))
        if name == "to_sql":
            arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "name"), None)
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                self.hits.add((node.lineno, arg.value, "to_sql"))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            for m in RAW.finditer(node.value):
                if m.group(1) in TABLES:
                    self.hits.add((node.lineno, m.group(1), m.group(0)))


def _without_docstrings(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        if (isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)):
            node.body = node.body[1:] or [ast.Pass()]
    return tree


def writes_in(source: str, module: str = "m") -> list[tuple[int, str, str]]:
    """(line, table, how) of every table write in `source`."""
    tree = _without_docstrings(ast.parse(source))
    visitor = _Writes(_own_tables(tree, Path(module).stem))
    visitor.visit(tree)
    return sorted(visitor.hits)


def audit_calls_in(source: str) -> list[int]:
    """Lines calling the audit log's writer (`store.audit.record`, `audit.record_rows`, …)."""
    return sorted(n.lineno for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)
                  and isinstance(n.func, ast.Attribute) and n.func.attr in ("record", "record_rows")
                  and "audit" in ast.unparse(n.func.value))


def _scan() -> dict[str, list[tuple[int, str, str]]]:
    return {str(p.relative_to(ROOT)): writes_in(p.read_text(encoding="utf-8"), str(p)) for p in _sources()}


def test_the_scanner_finds_each_kind_of_write():
    samples = {
        "conn.execute(store.users.update().where(x).values(a=1))": "users",
        "conn.execute(sa.insert(store.checkins).values(**row))": "checkins",
        "def f(conn):\n    t = store.rt_units\n    conn.execute(t.delete())": "rt_units",
        "stmt = postgresql.insert(store.alerts).values(**row)": "alerts",
        "stmt = _insert(conn, store.alert_acks).values(**row)": "alert_acks",
        "store.executemany(conn, store.audit_log, rows)": "audit_log",
        "store.bulk_insert(conn, store.incidents, COLUMNS, rows)": "incidents",
        "conn.exec_driver_sql('DELETE FROM sms_senders WHERE 1')": "sms_senders",
        "conn.execute(sa.text('UPDATE review_queue SET state = :s'), {'s': 'x'})": "review_queue",
        "conn.execute(sa.text('insert into snapshots (week) values (:w)'))": "snapshots",
        "frame.to_sql('rt_units', conn, if_exists='append')": "rt_units",
        "sa.delete(users).where(users.c.id == 1)": "users",
    }
    for source, table in samples.items():
        assert [t for _, t, _ in writes_in(source)] == [table], source
    reads = [
        "rows = conn.execute(sa.select(store.users)).all()",
        '"""One conditional UPDATE took the slot (a docstring, not a statement)."""',
        "values.update(status='baru')", "counts.insert(3, x)", "frame = pd.read_sql('SELECT * FROM users', conn)",
    ]
    for source in reads:
        assert writes_in(source) == [], source


def test_every_table_has_an_owner():
    """A new table is declared here with its write module before anything may write it, and only once."""
    assert sorted(TABLES - set(OWNERS) - {"meta"}) == []
    declared = [table for _, tables in AGGREGATES.values() for table in tables]
    assert sorted({t for t in declared if declared.count(t) > 1}) == []


def test_no_table_is_written_outside_its_write_modules():
    stray = [f"{module}:{line} writes table «{table}» ({how}); owner: {OWNERS.get(table, '—')}"
             for module, hits in _scan().items() if module not in MACHINERY
             for line, table, how in hits if module != OWNERS.get(table)]
    assert stray == [], "\n".join(stray)


def test_every_exception_is_still_needed():
    found = _scan()
    assert [m for m in MACHINERY if not found.get(m)] == []
    assert [m for m in AUDIT_ONLY if m in WRITE_MODULES] == []


def test_the_audit_log_has_one_writer_called_by_write_modules_only():
    callers = {str(p.relative_to(ROOT)): audit_calls_in(p.read_text(encoding="utf-8")) for p in _sources()}
    outside = [f"{m}:{lines}" for m, lines in callers.items() if lines and m not in WRITE_MODULES | set(AUDIT_ONLY)]
    assert outside == [], "\n".join(outside)
    assert callers["kondusif/store/writes.py"] and callers["kondusif/accounts/writes.py"]  # the scan sees calls
    assert [m for m in AUDIT_ONLY if not callers.get(m)] == []


def test_a_stray_write_is_named_with_its_module_and_table(tmp_path):
    """The guard can fail: a workbench module updating incidents itself is reported."""
    stray = "def hide(conn, rid):\n    c = store.incidents\n    conn.execute(c.update().where(c.c.id == rid))\n"
    hits = writes_in(stray, "kondusif/workbench.py")
    assert hits == [(3, "incidents", "incidents.update()")]
    assert OWNERS["incidents"] != "kondusif/workbench.py"


def test_a_module_that_decides_may_not_write_itself():
    """Login (auth) and delivery decide when; a write of their own to the accounts' or alerts' tables is stray."""
    samples = {
        "kondusif/accounts/auth.py": "conn.execute(store.users.update().values(failed_attempts=0))",
        "kondusif/login_throttle.py": "conn.execute(store.login_failures.delete())",
        "kondusif/alerts/delivery.py": "conn.execute(store.alerts.update().values(delivery_state='sent'))",
        "kondusif/alerts/inbox.py": "stmt = store.insert_on_conflict(conn, store.alert_acks)",
    }
    for module, source in samples.items():
        [(_, table, _)] = writes_in(source, module)
        assert OWNERS[table] != module, module

"""Read and validate an uploaded file in a separate, limited process, so no upload can freeze the server.

A zip bomb or a huge export parsed inside the Streamlit process holds the GIL
and the memory of every session (issue 13). So the check runs in `python -m
kondusif.intake.worker JOBDIR`, which reads and validates the bytes with the same
`pipeline.preview_file` / `preview_chat` the app always used, under RLIMIT_CPU and
RLIMIT_AS, and leaves the preview (pickled) or an Indonesian refusal naming the limit.
Progress is a small file the screen polls.

Who starts that child (issue 28: app processes run no background work):
- the app `enqueue`s: the job folder (upload + task.json) and an `import_jobs` row; the
  background worker's `ImportRunner` claims it, runs the child, records the end; the screen
  polls the `QueuedJob` and cancels through a flag the worker acts on;
- the CLI, a one-shot process, `run`s the child itself (`start` / `Job`).
Both start it through `spawn`. The commit stays with the caller (`pipeline.commit_*`).

Limits: the settings intake.import_cpu_seconds, intake.import_memory_mb (address
space) and intake.import_max_rows (config.SETTINGS; KONDUSIF_IMPORT_* in the environment).
"""

from __future__ import annotations

import ctypes
import json
import os
import pickle
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from kondusif import access
from kondusif.config import PROJECT_ROOT, child_environment, settings
from kondusif.intake import files
from kondusif.intake.files import FileRefused
from kondusif.model import Role, Viewer
from kondusif.store import outbox
from kondusif.timeutil import now

CANCELLED = "Pemeriksaan dibatalkan. Hapus berkas lalu unggah lagi untuk memeriksa ulang."


@dataclass(frozen=True)
class Limits:
    """What one import job may use."""

    cpu_seconds: int
    memory_mb: int
    max_rows: int

    @classmethod
    def from_env(cls) -> Limits:
        intake = settings().intake
        return cls(intake.import_cpu_seconds, intake.import_memory_mb, intake.import_max_rows)


@dataclass(frozen=True)
class Progress:
    """Where a job is: stage (mulai, membuka, membaca, memeriksa, selesai, gagal) and rows so far."""

    stage: str
    rows: int

    def label(self) -> str:
        names = {"mulai": "Menyiapkan pemeriksa", "membuka": "Membuka berkas", "membaca": "Membaca baris",
                 "memeriksa": "Memeriksa setiap baris", "selesai": "Selesai", "gagal": "Gagal"}
        text = names.get(self.stage, self.stage)
        return f"{text}… {self.rows:,} baris".replace(",", ".") if self.rows else f"{text}…"


STALE_SECONDS = 6 * 3600


def jobs_dir() -> Path:
    """Where job folders live: DATA_DIR/impor (created 0700); folders of abandoned jobs are removed."""
    path = settings().data_dir / "impor"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    cutoff = time.time() - STALE_SECONDS  # a session closed mid-check leaves its folder; the CPU limit ended it
    for old in path.glob("job-*"):
        try:
            if old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    return path


def _die_with_parent() -> Callable[[], None]:
    """A preexec function: the child gets SIGKILL when the thread that started it ends (PR_SET_PDEATHSIG).

    So a worker (or CLI) killed by SIGKILL leaves no check running behind it: the next worker
    runs the job again in a clean folder. The libc call is looked up before the fork.
    """
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def preexec() -> None:
        prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before prctl ran
            os._exit(1)

    return preexec


_OUTPUTS = ("progress", "progress.tmp", "result.tmp", "result.pickle", "error.txt", "peak_kb", "stderr.txt")


def spawn(folder: Path, limits: Limits, db_url: str) -> subprocess.Popen:
    """Start `python -m kondusif.intake.worker FOLDER` (the one way a check starts: CLI and worker).

    Outputs of an earlier attempt (a killed worker's) are removed first. The child is in a session
    of its own (a kill is sent to its group) and dies with the thread that started it.
    """
    for name in _OUTPUTS:
        (folder / name).unlink(missing_ok=True)
    env = child_environment(KONDUSIF_DB_URL=db_url, KONDUSIF_IMPORT_MAX_ROWS=str(limits.max_rows))
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    with (folder / "stderr.txt").open("wb") as stderr:
        return subprocess.Popen([sys.executable, "-m", "kondusif.intake.worker", str(folder)], cwd=PROJECT_ROOT,
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                start_new_session=True, preexec_fn=_die_with_parent())


def kill(proc: subprocess.Popen) -> None:
    """Stop a check now: its whole process group, then reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def judge(code: int, folder: Path, limits: Limits, cancelled: bool = False) -> tuple[str, str | None]:
    """How an ended check ended: ("ok", None) with result.pickle in `folder`, or ("refused", message)."""
    error = folder / "error.txt"
    if code == 0 and (folder / "result.pickle").exists():
        return "ok", None
    if error.exists():
        return "refused", error.read_text(encoding="utf-8")
    if code in (-signal.SIGXCPU, -signal.SIGKILL) and cancelled:
        return "refused", CANCELLED
    if code == -signal.SIGXCPU:
        return "refused", (f"Pemeriksaan berkas melewati batas waktu CPU ({limits.cpu_seconds} "
                           "detik) dan dihentikan. Pecah berkas menjadi beberapa bagian.")
    return "refused", (f"Pemeriksaan berkas melewati batas memori ({limits.memory_mb} MB) "
                       "atau berhenti tiba-tiba. Pecah berkas menjadi beberapa bagian.")


def _read_peak(folder: Path) -> int | None:
    try:
        return int((folder / "peak_kb").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _read_progress(folder: Path) -> Progress:
    try:
        stage, rows = (folder / "progress").read_text(encoding="utf-8").split()
        return Progress(stage, int(rows))
    except (OSError, ValueError):
        return Progress("mulai", 0)


class Job:
    """A check run by a child of this process (the CLI's one-shot path, `run`)."""

    def __init__(self, folder: Path, proc: subprocess.Popen, limits: Limits) -> None:
        self.folder = folder
        self.proc = proc
        self.limits = limits
        self._outcome: tuple[str, Any] | None = None
        self.peak_rss_kb: int | None = None  # the worker's own peak resident memory, once it has ended
        self.cancelled = False

    def running(self) -> bool:
        return self._outcome is None and self.proc.poll() is None

    def progress(self) -> Progress:
        return _read_progress(self.folder)

    def outcome(self) -> tuple[str, Any]:
        """("ok", preview) or ("refused", Indonesian message); only once the process has ended."""
        if self._outcome is not None:
            return self._outcome
        status, message = judge(self.proc.wait(), self.folder, self.limits, self.cancelled)
        self.peak_rss_kb = _read_peak(self.folder)
        self._outcome = ("ok", _load_result(self.folder / "result.pickle")) if status == "ok" else (status, message)
        self.cleanup()
        return self._outcome

    def cancel(self) -> None:
        """Stop the check now; its folder is removed."""
        self.cancelled = True
        kill(self.proc)
        self._outcome = ("refused", CANCELLED)
        self.cleanup()

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _prepare(kind: str, data: bytes, filename: str, viewer: Viewer, limits: Limits, mapping: Any,
             channel: str | None, default_kelurahan: str | None) -> Path:
    """The job folder (0700 parent): the upload and task.json; refused by size or role before anything is written."""
    access.require(viewer, "import.run")
    if kind not in ("file", "chat"):
        raise ValueError(kind)
    cap = settings().max_upload_bytes
    if len(data) > cap:  # refused by its size alone; nothing is written
        raise FileRefused(f"Berkas terlalu besar ({files._mb(len(data))}); batasnya {files._mb(cap)}. "
                          "Pecah menjadi beberapa berkas.")
    folder = Path(tempfile.mkdtemp(prefix="job-", dir=jobs_dir()))
    try:
        (folder / "input").write_bytes(data)
        task = {"kind": kind, "filename": filename, "channel": channel, "default_kelurahan": default_kelurahan,
                "mapping": mapping.to_json() if mapping is not None else None,
                "viewer": {"username": viewer.username, "role": viewer.role.value,
                           "display_name": viewer.display_name, "kecamatan": viewer.kecamatan,
                           "kelurahan": viewer.kelurahan, "rt": viewer.rt},
                "limits": {"cpu_seconds": limits.cpu_seconds, "memory_mb": limits.memory_mb,
                           "max_rows": limits.max_rows}}
        tmp = folder / "task.tmp"
        tmp.write_text(json.dumps(task), encoding="utf-8")
        tmp.replace(folder / "task.json")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def start(kind: str, data: bytes, filename: str, viewer: Viewer, *, mapping: Any = None,
          channel: str | None = None, default_kelurahan: str | None = None, db_url: str | None = None,
          limits: Limits | None = None) -> Job:
    """Check `data` (kind "file" or "chat") in a child of this process; returns at once (the CLI's path).

    Only a viewer who may import starts one (NotPermitted otherwise, before any work)."""
    limits = limits or Limits.from_env()
    folder = _prepare(kind, data, filename, viewer, limits, mapping, channel, default_kelurahan)
    return Job(folder, spawn(folder, limits, db_url or settings().db_url), limits)


def run(kind: str, data: bytes, filename: str, viewer: Viewer, on_progress=None, job_seen=None, **kwargs: Any):
    """Start a job and wait for it; the preview, or FileRefused with the worker's message.

    `job_seen(job)` is called with the finished Job (its `peak_rss_kb`), for tests and benchmarks.
    """
    job = start(kind, data, filename, viewer, **kwargs)
    try:
        while job.running():
            if on_progress is not None:
                on_progress(job.progress())
            time.sleep(0.2)
        status, value = job.outcome()
    except BaseException:
        job.cancel()
        raise
    if job_seen is not None:
        job_seen(job)
    if status != "ok":
        raise FileRefused(value)
    return value


# --------------------------------------------------------------------------- queued for the worker (the app)

UNATTENDED = "Pemeriksa latar belum berjalan; berkas menunggu di antrean dan diperiksa begitu pemeriksa berjalan. " \
             "Hubungi admin (python -m kondusif worker / layanan sikondusif-worker)."
LOST = "Berkas pemeriksaan tidak ditemukan lagi (dibersihkan atau basis data dipulihkan). Unggah lagi."


def attention_seconds() -> float:
    """How long a job may wait without a worker's sign of life before the screen says so."""
    return max(15.0, 5 * float(settings().worker.poll_seconds))


class QueuedJob:
    """A check the app queued for the worker; the same interface as `Job` (the screen polls it)."""

    def __init__(self, engine: Any, job_id: int, folder: Path) -> None:
        self.engine = engine
        self.id = job_id
        self.folder = folder
        self.queued_at = time.monotonic()
        self._outcome: tuple[str, Any] | None = None
        self.peak_rss_kb: int | None = None

    def running(self) -> bool:
        return self._outcome is None and not outbox.import_state(self.engine, self.id).finished

    def progress(self) -> Progress:
        return _read_progress(self.folder)

    def unattended(self) -> bool:
        """No worker has held this job and none has been seen lately (after a short wait): tell the user."""
        if self._outcome is not None or time.monotonic() - self.queued_at < WAIT_SECONDS:
            return False
        if outbox.import_state(self.engine, self.id).claimed:
            return False
        seen = outbox.last_seen(self.engine)
        return seen is None or (now() - seen).total_seconds() > attention_seconds()

    def outcome(self) -> tuple[str, Any]:
        """("ok", preview) or ("refused", Indonesian message); once the worker recorded the end."""
        if self._outcome is not None:
            return self._outcome
        state = outbox.import_state(self.engine, self.id)
        if state.outcome == "ok":
            try:
                self._outcome = ("ok", _load_result(self.folder / "result.pickle"))
            except (OSError, EOFError, pickle.UnpicklingError):
                self._outcome = ("refused", LOST)
            self.peak_rss_kb = _read_peak(self.folder)
        elif state.outcome == "cancelled":
            self._outcome = ("refused", CANCELLED)
        else:
            self._outcome = ("refused", state.message or LOST)
        self.cleanup()
        return self._outcome

    def cancel(self) -> None:
        """Ask the worker to stop the check (or end it here when no worker holds it)."""
        if self._outcome is None and outbox.cancel_import(self.engine, self.id, CANCELLED):
            self.cleanup()
        self._outcome = ("refused", CANCELLED)

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


WAIT_SECONDS = 3.0  # a queued job is normally taken within the worker's poll; only then is silence worth saying


def enqueue(engine: Any, kind: str, data: bytes, filename: str, viewer: Viewer, *, mapping: Any = None,
            channel: str | None = None, default_kelurahan: str | None = None) -> QueuedJob:
    """Queue the check of `data` for the worker (the app's path): the folder, then its row in the store.

    Only a viewer who may import queues one (NotPermitted otherwise, before any work)."""
    folder = _prepare(kind, data, filename, viewer, Limits.from_env(), mapping, channel, default_kelurahan)
    try:
        job_id = outbox.enqueue_import(engine, folder.name, viewer.username)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return QueuedJob(engine, job_id, folder)


# --------------------------------------------------------------------------- in the worker

MAX_RUNNING = 2  # checks at once per worker (the server has few cores; more wait in the queue)


@dataclass
class _Running:
    claim_id: int
    folder: Path
    proc: subprocess.Popen
    limits: Limits


class ImportRunner:
    """The worker's part of import checks: claim queued jobs, run each in a child, record its end.

    `step()` never waits: it starts children and looks at running ones (cancel flag, ended),
    so alert delivery and the watches go on beside long checks. The lease is renewed while a
    check runs; a worker killed meanwhile takes its children with it (PR_SET_PDEATHSIG) and the
    job is run again, from a clean folder, by the next worker at once (outbox.claim_imports sees
    the holder gone); a runner whose job was taken that way kills its own check.
    """

    def __init__(self, engine: Any, worker_id: str) -> None:
        self.engine = engine
        self.worker_id = worker_id
        self.running: dict[int, _Running] = {}
        self._renewed = time.monotonic()
        self._pruned = 0.0

    def _db_url(self) -> str:
        return str(self.engine.url.render_as_string(hide_password=False))

    def step(self) -> int:
        """One look at the queue and the running checks; returns how many checks ended."""
        ended = self._watch() if self.running else 0
        if time.monotonic() - self._pruned > 3600:  # ended jobs' rows are kept a day, then forgotten
            outbox.prune_imports(self.engine, now() - timedelta(seconds=STALE_SECONDS * 4))
            self._pruned = time.monotonic()
        if len(self.running) < MAX_RUNNING:
            for claim in outbox.claim_imports(self.engine, self.worker_id, MAX_RUNNING - len(self.running)):
                ended += self._begin(claim)
        return ended

    def _begin(self, claim: outbox.ImportClaim) -> int:
        folder = jobs_dir() / claim.folder
        if not re.fullmatch(r"job-\w+", claim.folder):  # only a name mkdtemp made; never a path elsewhere
            return self._end(claim.id, None, "refused", LOST)
        if claim.cancel_requested:
            return self._end(claim.id, folder, "cancelled", CANCELLED)
        if claim.attempts > outbox.IMPORT_ATTEMPTS:
            return self._end(claim.id, folder, "refused", "Pemeriksaan berkas terhenti berulang kali dan tidak "
                                                          "dicoba lagi. Pecah berkas menjadi beberapa bagian.")
        try:
            task = json.loads((folder / "task.json").read_text(encoding="utf-8"))
            limits = Limits(**{k: int(v) for k, v in task["limits"].items()})
            proc = spawn(folder, limits, self._db_url())
        except (OSError, ValueError, KeyError, TypeError):
            return self._end(claim.id, folder, "refused", LOST)
        self.running[claim.id] = _Running(claim.id, folder, proc, limits)
        return 0

    def _end(self, job_id: int, folder: Path | None, outcome: str, message: str | None) -> int:
        ended = outbox.finish_import(self.engine, self.worker_id, job_id, outcome, message)
        if ended and outcome != "ok" and folder is not None:
            shutil.rmtree(folder, ignore_errors=True)  # the message is in the store; an ok result waits for the app
        return 1

    def _watch(self) -> int:
        ended = 0
        cancel, lost = outbox.stop_requests(self.engine, self.worker_id, list(self.running))
        for job_id, job in list(self.running.items()):
            if job_id in lost:  # taken back by another worker (this one was silent too long): its check, not ours
                kill(job.proc)
                del self.running[job_id]
            elif job_id in cancel:
                kill(job.proc)
                del self.running[job_id]
                ended += self._end(job_id, job.folder, "cancelled", CANCELLED)
            elif job.proc.poll() is not None:
                status, message = judge(job.proc.returncode, job.folder, job.limits)
                del self.running[job_id]
                ended += self._end(job_id, job.folder, status, message)
        self.renew()
        return ended

    def renew(self) -> None:
        """Extend the leases of the running checks every quarter lease (the worker's heartbeat thread calls
        this too, so a round held up elsewhere does not let them run out)."""
        if time.monotonic() - self._renewed <= outbox.lease_seconds() / 4:
            return
        try:
            ids = list(self.running)
        except RuntimeError:  # changed by the worker's round meanwhile: the next beat renews
            return
        if ids:
            outbox.renew_imports(self.engine, self.worker_id, ids)
        self._renewed = time.monotonic()

    def stop(self) -> None:
        """The worker is stopping: kill its checks and give their jobs back for the next worker."""
        for job in self.running.values():
            kill(job.proc)
        if self.running:
            outbox.release_imports(self.engine, self.worker_id, list(self.running))
        self.running.clear()


# --------------------------------------------------------------------------- the child

CHUNK_ROWS = 20_000


def _preview_file_in_chunks(folder: Path, engine, data: bytes, filename: str, viewer: Viewer, mapping) -> None:
    """`pipeline.preview_file`, chunk by chunk, results written as they are made (bounded memory).

    Each chunk of rows goes through the unchanged preview (mapping, validation, dedupe against
    the store); rows repeating an earlier chunk's row become "sudah ada", as in one piece.
    Cells are kept only for rejected rows (the rejects CSV needs them).
    """
    import hashlib

    from kondusif.intake import pipeline
    from kondusif.intake.validate import make_rules

    sha = hashlib.sha256(data).hexdigest()
    rules = make_rules(engine, viewer)  # once: the RT registry and calendar, not per chunk
    seen: dict[bytes, int] = {}
    meta: dict[str, Any] | None = None
    total = 0
    tmp = folder / "result.tmp"
    with tmp.open("wb") as out:
        pickle.dump({"chunked": True}, out, protocol=pickle.HIGHEST_PROTOCOL)
        for table in files.read_table_chunks(data, filename, CHUNK_ROWS):
            pipeline.read_table = lambda *_a, _t=table, **_k: _t  # this process only
            part = pipeline.preview_file(engine, b"", filename, viewer, mapping, rules)
            if meta is None:
                t = part.table
                meta = {"filename": filename, "sha256": sha, "header": t.header, "kind": t.kind,
                        "encoding": t.encoding, "delimiter": t.delimiter, "notes": t.notes,
                        "mapping": part.mapping, "signature": part.signature, "problems": part.problems,
                        "detected": part.detected}
                mapping = part.mapping  # every later chunk uses the first chunk's mapping (and its proposal)
            for r in part.results:
                if r.status == "baik":
                    key = hashlib.blake2b(cast(dict, r.record)["source_ref"].encode(), digest_size=12).digest()
                    if key in seen:
                        r.status, r.record = "sudah_ada", None
                        r.note = f"sama dengan baris {seen[key]} di berkas ini"
                    else:
                        seen[key] = r.row
                if r.status != "ditolak":
                    r.cells = ()
            pickle.dump(part.results, out, protocol=pickle.HIGHEST_PROTOCOL)
            total += len(part.results)
            _write_progress(folder, "memeriksa", total)
            del part, table
        pickle.dump(meta, out, protocol=pickle.HIGHEST_PROTOCOL)
    _write_progress(folder, "selesai", total)
    tmp.replace(folder / "result.pickle")


def _load_result(path: Path):
    """The preview a worker left: one pickle, or a chunked file preview put back together."""
    from kondusif.intake.pipeline import FilePreview

    with path.open("rb") as fh:
        first = pickle.load(fh)
        if not (isinstance(first, dict) and first.get("chunked")):
            return first
        results = []
        while True:
            part = pickle.load(fh)
            if isinstance(part, dict):
                meta = part
                break
            results.extend(part)
    table = files.Table(meta["header"], [], [], meta["kind"], meta["encoding"], meta["delimiter"], meta["notes"])
    return FilePreview(meta["filename"], meta["sha256"], table, meta["mapping"], meta["signature"], results,
                       meta["problems"], detected=meta.get("detected"))


def _limit(limits: dict[str, int]) -> None:
    cpu = int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    memory = int(limits["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def _write_progress(folder: Path, stage: str, rows: int) -> None:
    tmp = folder / "progress.tmp"
    tmp.write_text(f"{stage} {rows}", encoding="utf-8")
    tmp.replace(folder / "progress")


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    task = json.loads((folder / "task.json").read_text(encoding="utf-8"))
    _limit(task["limits"])
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)
    _write_progress(folder, "membuka", 0)
    files.progress_hook = lambda stage, rows: _write_progress(folder, stage, rows)
    from kondusif import store
    from kondusif.intake import layouts, pipeline

    read = pipeline.read_table

    def read_then_check(*args: Any, **kwargs: Any) -> files.Table:
        table = read(*args, **kwargs)
        _write_progress(folder, "memeriksa", len(table))
        return table

    pipeline.read_table = read_then_check  # this process only: say when reading ends and checking starts
    v = task["viewer"]
    viewer = Viewer(v["username"], Role(v["role"]), v["display_name"] or "", v["kecamatan"], v["kelurahan"], v["rt"])
    try:
        data = (folder / "input").read_bytes()
        engine = store.get_engine(init=False)
        if task["kind"] == "file":
            mapping = layouts.ColumnMapping.from_json(task["mapping"]) if task["mapping"] else None
            _preview_file_in_chunks(folder, engine, data, task["filename"], viewer, mapping)
            return 0
        else:
            preview = pipeline.preview_chat(engine, data, task["filename"], viewer, task["channel"],
                                            default_kelurahan=task["default_kelurahan"])
        del data
        _write_progress(folder, "selesai", preview.rows_in)
        tmp = folder / "result.tmp"
        with tmp.open("wb") as fh:
            pickle.dump(preview, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(folder / "result.pickle")
    except FileRefused as exc:
        (folder / "error.txt").write_text(str(exc), encoding="utf-8")
        return 1
    except MemoryError:
        (folder / "error.txt").write_text(
            f"Pemeriksaan berkas melewati batas memori ({task['limits']['memory_mb']} MB) dan dihentikan. "
            "Pecah berkas menjadi beberapa bagian.", encoding="utf-8")
        return 1
    finally:
        _write_peak(folder)
    return 0


def _write_peak(folder: Path) -> None:
    try:
        status = Path("/proc/self/status").read_text(encoding="utf-8")
        peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
        (folder / "peak_kb").write_text(peak, encoding="utf-8")
    except (OSError, StopIteration, IndexError):
        pass


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

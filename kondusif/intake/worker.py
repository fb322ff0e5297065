"""Read and validate an uploaded file in a separate, limited process, so no upload can freeze the server.

A zip bomb or a huge export parsed inside the Streamlit process holds the GIL
and the memory of every session (issue 13). Here the page (and the CLI) only
starts a job: the bytes go to a private job folder, `python -m
kondusif.intake.worker JOBDIR` reads and validates them with the same
`pipeline.preview_file` / `preview_chat` the app always used, under
RLIMIT_CPU and RLIMIT_AS, and leaves the preview (pickled) or an Indonesian
refusal naming the limit. Progress is a small file the page polls; cancelling
kills the process. The commit stays with the caller (`pipeline.commit_*`).

Limits: the settings intake.import_cpu_seconds, intake.import_memory_mb (address
space) and intake.import_max_rows (config.SETTINGS; KONDUSIF_IMPORT_* in the environment).
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from kondusif import access
from kondusif.config import PROJECT_ROOT, child_environment, settings
from kondusif.intake import files
from kondusif.intake.files import FileRefused
from kondusif.model import Role, Viewer

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


class Job:
    """One running (or finished) worker process and its job folder."""

    def __init__(self, folder: Path, proc: subprocess.Popen, limits: Limits) -> None:
        self.folder = folder
        self.proc = proc
        self.limits = limits
        self.started = time.monotonic()
        self._outcome: tuple[str, Any] | None = None
        self.peak_rss_kb: int | None = None  # the worker's own peak resident memory, once it has ended

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self._outcome is None and self.proc.poll() is None

    def progress(self) -> Progress:
        try:
            stage, rows = (self.folder / "progress").read_text(encoding="utf-8").split()
            return Progress(stage, int(rows))
        except (OSError, ValueError):
            return Progress("mulai", 0)

    def outcome(self) -> tuple[str, Any]:
        """("ok", preview) or ("refused", Indonesian message); only once the process has ended."""
        if self._outcome is not None:
            return self._outcome
        code = self.proc.wait()
        result, error = self.folder / "result.pickle", self.folder / "error.txt"
        try:
            self.peak_rss_kb = int((self.folder / "peak_kb").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        if code == 0 and result.exists():
            self._outcome = ("ok", _load_result(result))
        elif error.exists():
            self._outcome = ("refused", error.read_text(encoding="utf-8"))
        elif code in (-signal.SIGXCPU, -signal.SIGKILL) and self.cancelled:
            self._outcome = ("refused", CANCELLED)
        elif code == -signal.SIGXCPU:
            self._outcome = ("refused", f"Pemeriksaan berkas melewati batas waktu CPU ({self.limits.cpu_seconds} "
                                        "detik) dan dihentikan. Pecah berkas menjadi beberapa bagian.")
        else:
            self._outcome = ("refused", f"Pemeriksaan berkas melewati batas memori ({self.limits.memory_mb} MB) "
                                        "atau berhenti tiba-tiba. Pecah berkas menjadi beberapa bagian.")
        self.cleanup()
        return self._outcome

    cancelled = False

    def cancel(self) -> None:
        """Stop the worker now; its folder is removed."""
        self.cancelled = True
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._outcome = ("refused", CANCELLED)
        self.cleanup()

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def wait(self, timeout: float | None = None) -> tuple[str, Any]:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.cancel()
        return self.outcome()


def start(kind: str, data: bytes, filename: str, viewer: Viewer, *, mapping: Any = None,
          channel: str | None = None, default_kelurahan: str | None = None, db_url: str | None = None,
          limits: Limits | None = None) -> Job:
    """Start a worker that previews `data` (kind "file" or "chat"); returns at once.

    Only a viewer who may import starts one (NotPermitted otherwise, before any work)."""
    access.require(viewer, "import.run")
    if kind not in ("file", "chat"):
        raise ValueError(kind)
    limits = limits or Limits.from_env()
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
        (folder / "task.json").write_text(json.dumps(task), encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    env = child_environment(KONDUSIF_DB_URL=db_url or settings().db_url,
                            KONDUSIF_IMPORT_MAX_ROWS=str(limits.max_rows))
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.Popen([sys.executable, "-m", "kondusif.intake.worker", str(folder)], cwd=PROJECT_ROOT,
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=(folder / "stderr.txt").open("wb"), start_new_session=True)
    return Job(folder, proc, limits)


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

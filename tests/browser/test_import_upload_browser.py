"""In Chromium against the real server: an upload is checked by the import worker and shown; an upload over
server.maxUploadSize is answered 413 by Streamlit itself (issue 18 item 5: a real oversized upload is sent).

The screen only queues its check; `python -m kondusif worker` (started beside the app here, as `serve`
does) runs it. With no worker the screen says so and the check waits in the queue until one starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import ExitStack, contextmanager

import pytest
from browser_helpers import ARTIFACTS, ROOT, app_env, wait_for_text, wait_until
from polling import fault_env

from kondusif import accounts, registry, store
from kondusif.model import SYSTEM, Role

pytestmark = pytest.mark.browser

USERNAME, PASSWORD = "uji-panwaslu", "Rahasia-kota-9"
MB = 1024 * 1024
CSV = ("Tanggal;Kelurahan;RT;Jenis;Tingkat;Judul\n"
       "20/06/2018 14.32;Air Kuti;03;APK;ringan;Baliho dirusak\n"
       "21/06/2018 09.00;Air Kuti;99;Politik Uang;berat;Amplop serangan fajar\n")


@contextmanager
def running_worker(env: dict[str, str]):
    """`python -m kondusif worker` with the app's environment; SIGTERM at the end (killed if it hangs)."""
    proc = subprocess.Popen([sys.executable, "-m", "kondusif", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def worker():
    """Factory: `worker(db_url, **env)` starts the background worker for this test; stopped at the end."""
    with ExitStack() as stack:
        yield lambda db_url, **extra: stack.enter_context(
            running_worker(app_env(db_url, KONDUSIF_WORKER_POLL_SECONDS="0.2", **extra)))


@pytest.fixture
def seeded_url(db_url) -> str:
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, SYSTEM, USERNAME, Role.PANWASLU, PASSWORD, display_name="Panwaslu Uji",
                            must_change=False)
    store.dispose_engines()
    return db_url


def test_upload_checked_by_the_worker_and_an_oversized_upload_gets_413(app, worker, page, seeded_url, tmp_path):
    running = app(seeded_url)
    worker(seeded_url)
    page.goto(running.url + "/impor")
    wait_for_text(page, "Masuk ke SiKondusif")
    page.get_by_label("Nama pengguna").fill(USERNAME)
    page.get_by_label("Kata sandi atau PIN").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    wait_for_text(page, "Impor laporan", timeout=60)

    uploads = []
    page.on("request", lambda r: uploads.append(r) if "/_stcore/upload_file/" in r.url and r.method == "PUT"
            else None)
    small = tmp_path / "laporan.csv"
    small.write_text(CSV, encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(small))
    wait_for_text(page, "2 = 1 baik + 1 ditolak + 0 sudah ada", timeout=90)  # the worker's preview
    page.screenshot(path=str(ARTIFACTS / "impor-worker-1366.png"), full_page=True)
    wait_until(lambda: uploads, timeout=30, message="the browser's upload request")

    sent = uploads[0]
    token = sent.headers.get("x-xsrftoken")
    base = sent.url.rsplit("/", 1)[0]
    big = b"Tanggal;Kelurahan;RT;Jenis;Tingkat;Judul\n" + b"x" * (51 * MB)
    answer = page.request.put(f"{base}/berkas-besar", headers={"X-Xsrftoken": token} if token else {},
                              multipart={"file": {"name": "besar.csv", "mimeType": "text/csv", "buffer": big}},
                              timeout=120_000)
    assert answer.status == 413, (answer.status, answer.text()[:300])
    small_again = page.request.put(f"{base}/berkas-kecil", headers={"X-Xsrftoken": token} if token else {},
                                   multipart={"file": {"name": "kecil.csv", "mimeType": "text/csv",
                                                       "buffer": CSV.encode()}})
    assert small_again.status in (200, 204), small_again.status  # the same session takes a normal upload


def test_a_running_check_is_cancelled_and_the_file_checked_again_after_reupload(app, worker, page, seeded_url,
                                                                                tmp_path):
    gate = tmp_path / "buka"
    running = app(seeded_url)
    worker(seeded_url, **fault_env(worker_gate=gate))  # every check waits at the gate
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(running.url + "/impor")
    wait_for_text(page, "Masuk ke SiKondusif")
    page.get_by_label("Nama pengguna").fill(USERNAME)
    page.get_by_label("Kata sandi atau PIN").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    wait_for_text(page, "Impor laporan", timeout=60)
    small = tmp_path / "laporan.csv"
    small.write_text(CSV, encoding="utf-8")
    uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
    uploader.set_input_files(str(small))
    wait_for_text(page, "Batalkan pemeriksaan", timeout=60)
    jobs = tmp_path / "data" / "impor"
    assert len(list(jobs.glob("job-*"))) == 1
    page.get_by_role("button", name="Batalkan pemeriksaan").click()
    wait_for_text(page, "Pemeriksaan dibatalkan. Hapus berkas lalu unggah lagi", timeout=60)
    page.screenshot(path=str(ARTIFACTS / "impor-batal-360.png"), full_page=True)
    wait_until(lambda: not list(jobs.glob("job-*")), timeout=30, message="the job folder to go")

    gate.touch()
    page.locator("[data-testid=\"stFileChipDeleteBtn\"]").first.click()
    wait_until(lambda: page.get_by_text("Pemeriksaan dibatalkan").count() == 0, timeout=30,
               message="the refusal to go with the file")
    again = tmp_path / "laporan-lagi.csv"  # the same bytes under another name
    again.write_text(CSV, encoding="utf-8")
    wait_until(lambda: page.locator('[data-testid="stFileChip"]').count() == 0, timeout=30,
               message="the removed file's chip to go")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(again))
    wait_for_text(page, "2 = 1 baik + 1 ditolak + 0 sudah ada", timeout=90)


def test_with_no_worker_the_screen_says_so_and_the_check_waits_for_one(app, worker, page, seeded_url, tmp_path):
    running = app(seeded_url)
    page.goto(running.url + "/impor")
    wait_for_text(page, "Masuk ke SiKondusif")
    page.get_by_label("Nama pengguna").fill(USERNAME)
    page.get_by_label("Kata sandi atau PIN").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    wait_for_text(page, "Impor laporan", timeout=60)
    small = tmp_path / "laporan.csv"
    small.write_text(CSV, encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(small))
    wait_for_text(page, "Pemeriksa latar belum berjalan", timeout=60)
    assert page.get_by_text("Hubungi admin").count() >= 1
    assert page.get_by_role("button", name="Batalkan pemeriksaan").count() == 1  # still cancellable, still queued
    page.screenshot(path=str(ARTIFACTS / "impor-tanpa-pekerja.png"), full_page=True)

    worker(seeded_url)  # the admin starts it: the queued check is taken, the screen shows its preview
    wait_for_text(page, "2 = 1 baik + 1 ditolak + 0 sudah ada", timeout=90)
    assert page.get_by_text("Pemeriksa latar belum berjalan").count() == 0

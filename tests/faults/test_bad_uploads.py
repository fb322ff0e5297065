"""Corrupt or oversized uploads are refused with a message, without unbounded memory.

- a truncated XLSX: refused by `read_table`, on the import page and by the CLI;
- a "PNG" that is not one (or a PNG bomb): refused by `clean_photo` and next to the form's
  photo field, with the rest of the form kept;
- a 200 MB CSV: the CLI looks at the file's size before reading it (a sparse file here,
  so the test writes almost nothing), and its peak memory stays that of a small import;
  `read_table` / `read_chat` / `clean_photo` refuse an oversized upload before decoding it;
  the app's web server refuses bigger uploads than the importer takes
  (`server.maxUploadSize` <= `max_upload_bytes`), so the page never holds one in memory.
"""

from __future__ import annotations

import dataclasses
import io
import re
import struct
import subprocess
import sys
import tomllib
import tracemalloc
import zlib

import pytest
import signin
import sqlalchemy as sa
from fault_helpers import ROOT, cli_env, incident_count
from PIL import Image
from streamlit.testing.v1 import AppTest

from kondusif import config, registry, store
from kondusif.intake.chat import read_chat
from kondusif.intake.files import FileRefused, read_table
from kondusif.intake.photos import PhotoRejected, clean_photo
from kondusif.model import Role, Viewer

FIXTURES = ROOT / "tests" / "fixtures" / "intake"
DASHBOARD = str(ROOT / "dashboard.py")
PANWASLU = Viewer("panwaslu-kota", Role.PANWASLU, "Panwaslu Kota")
RT_VIEWER = Viewer("rt-1673011001-003", Role.RT, "Pak Rahman", kelurahan="16.73.01.1001", rt=3)
MB = 1024 * 1024


def truncated_xlsx() -> list[bytes]:
    whole = (FIXTURES / "plain.xlsx").read_bytes()
    return [whole[:n] for n in (4, 30, len(whole) // 3, len(whole) // 2, len(whole) - 200, len(whole) - 1)]


def peak_bytes(fn, *args, **kwargs) -> tuple[object, int]:
    """(result or raised exception, peak bytes Python allocated while `fn` ran)."""
    tracemalloc.start()
    try:
        try:
            result: object = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the caller checks what came out
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --------------------------------------------------------------------------- truncated XLSX


@pytest.mark.parametrize("data", truncated_xlsx(), ids=lambda d: f"{len(d)}B")
def test_truncated_xlsx_is_refused_with_a_message(data):
    with pytest.raises(FileRefused) as refused:
        read_table(data, "laporan.xlsx")
    assert re.search(r"XLSX|ZIP|rusak|bukan", str(refused.value)), str(refused.value)


def test_truncated_xlsx_on_the_import_page_and_in_the_cli(engine, db_url, tmp_path, import_worker):
    registry.ensure_rt_registry(engine)
    broken = truncated_xlsx()[3]
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, PANWASLU)
    at.run()
    at.switch_page("screens/impor.py")
    at.run()
    at.file_uploader(key="impor_file").upload("laporan.xlsx", broken, "application/vnd.ms-excel")
    at.run()
    assert not at.exception, at.exception
    assert any("XLSX" in e.value for e in at.error), [e.value for e in at.error]
    assert not [b for b in at.button if b.label.startswith("Impor ")]  # nothing to import

    path = tmp_path / "laporan.xlsx"
    path.write_bytes(broken)
    store.dispose_engines()
    done = subprocess.run([sys.executable, "-m", "kondusif", "import", str(path)], cwd=ROOT, env=cli_env(db_url),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("Galat: ") and "XLSX" in done.stderr and "Traceback" not in done.stderr
    assert incident_count(store.get_engine(db_url)) == 0


# --------------------------------------------------------------------------- photos that are not photos


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid ~1 KB grey PNG that would take 900 MB once decoded (built row by row, never in full)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    comp = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def real_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


NOT_PHOTOS = {
    "text": b"ini bukan foto, hanya teks",
    "html": b"<html><script>alert(1)</script></html>",
    "png-signature-then-junk": b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 50,
    "truncated-png": real_png()[:60],
    "zip": (FIXTURES / "plain.xlsx").read_bytes(),
    "gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
}


@pytest.mark.parametrize("name", sorted(NOT_PHOTOS))
def test_a_png_that_is_not_a_png_is_refused(name):
    with pytest.raises(PhotoRejected) as refused:
        clean_photo(NOT_PHOTOS[name], "foto.png")
    assert re.search(r"foto|JPEG|PNG", str(refused.value), re.IGNORECASE), str(refused.value)


def test_png_bomb_is_refused_without_decoding_it():
    bomb = png_bomb()
    assert len(bomb) < 2 * MB
    result, peak = peak_bytes(clean_photo, bomb, "bom.png")
    assert isinstance(result, PhotoRejected), result
    assert peak < 50 * MB  # decoding it would need ~900 MB


def test_bad_photo_on_the_form_is_named_and_the_rest_is_kept(engine):
    registry.ensure_rt_registry(engine)
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, RT_VIEWER)
    at.run()
    at.switch_page("screens/lapor.py")
    at.run()
    at.selectbox(key="lapor_cat").select("perusakan_apk")
    at.radio(key="lapor_sev").set_value("ringan")
    at.text_input(key="lapor_title").input("Baliho dicoret")
    at.file_uploader(key="lapor_photo").upload("foto.png", NOT_PHOTOS["png-signature-then-junk"], "image/png")
    next(b for b in at.button if b.label == "Kirim laporan").click()
    at.run()
    assert not at.exception, at.exception
    assert any(e.value.startswith("Foto:") for e in at.error), [e.value for e in at.error]
    assert at.text_input(key="lapor_title").value == "Baliho dicoret"
    assert at.selectbox(key="lapor_cat").value == "perusakan_apk"
    assert incident_count(engine) == 0
    at.file_uploader(key="lapor_photo").clear()
    next(b for b in at.button if b.label == "Kirim laporan").click()
    at.run()
    assert "Nomor laporan Anda" in at.success[0].value
    assert incident_count(engine) == 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.attachments)).scalar() == 0


# --------------------------------------------------------------------------- oversized files


def test_oversized_upload_is_refused_before_it_is_decoded():
    """The size is checked first: refusing 3 MB costs far less than one copy of it."""
    big = b"Tanggal;Kelurahan\n" + b"20/06/2018;Air Kuti\n" * (3 * MB // 20)
    for fn, kwargs, exc in ((read_table, {"filename": "besar.csv"}, FileRefused),
                            (read_chat, {}, FileRefused),
                            (clean_photo, {"filename": "besar.jpg"}, PhotoRejected)):
        result, peak = peak_bytes(fn, big, max_bytes=2 * MB, **kwargs)
        assert isinstance(result, exc), (fn.__name__, result)
        assert "terlalu besar" in str(result)
        assert peak < MB // 2, (fn.__name__, peak)


def _maxrss_kb(args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess, int]:
    """Run `python -m kondusif ARGS` and return it with its peak resident memory (KB)."""
    # VmHWM: this process's own peak (ru_maxrss would also count the forking pytest process).
    code = ("import re, sys\nfrom kondusif.__main__ import main\nrc = main(sys.argv[1:])\n"
            "hwm = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1)\n"
            "print(f'MAXRSS_KB={hwm}', file=sys.stderr)\nsys.exit(rc)\n")
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    found = re.search(r"MAXRSS_KB=(\d+)", done.stderr)
    assert found, done.stderr
    return done, int(found.group(1))


def test_cli_refuses_a_200_mb_csv_before_reading_it(engine, db_url, tmp_path):
    registry.ensure_rt_registry(engine)
    store.dispose_engines()
    env = cli_env(db_url)
    small = tmp_path / "kecil.csv"
    small.write_text("Tanggal;Kelurahan;RT;Jenis;Tingkat;Judul\n20/06/2018 14.32;Air Kuti;03;APK;ringan;Baliho\n",
                     encoding="utf-8")
    big = tmp_path / "besar.csv"
    with big.open("wb") as fh:  # a 200 MB file that takes no disk: header, then a hole
        fh.write(small.read_bytes())
        fh.truncate(200 * MB)
    assert big.stat().st_size == 200 * MB

    base, base_kb = _maxrss_kb(["import", "--dry-run", str(small)], env)
    assert base.returncode == 0, base.stderr
    refused, big_kb = _maxrss_kb(["import", str(big)], env)
    assert refused.returncode == 1, refused.stderr
    assert "terlalu besar" in refused.stderr and "Traceback" not in refused.stderr
    assert big_kb - base_kb < 100 * 1024, f"peak memory grew by {(big_kb - base_kb) // 1024} MB"
    assert incident_count(store.get_engine(db_url)) == 0

    chat, chat_kb = _maxrss_kb(["import-chat", str(big)], env)
    assert chat.returncode == 1, chat.stderr
    assert "terlalu besar" in chat.stderr
    assert chat_kb - base_kb < 100 * 1024, f"peak memory grew by {(chat_kb - base_kb) // 1024} MB"


def test_web_server_limit_is_not_above_the_importer_limit():
    """server.maxUploadSize never lets through what the importer would refuse anyway. That the server
    really answers 413 to a bigger upload is sent and checked in tests/browser/test_import_upload_browser.py."""
    conf = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server_mb = conf["server"]["maxUploadSize"]
    assert 0 < server_mb * MB <= config.settings().max_upload_bytes


def test_import_page_refuses_a_file_over_the_limit(engine, monkeypatch):
    """On the page, too, an upload over `max_upload_bytes` is one message (limit lowered to 1 MB here)."""
    registry.ensure_rt_registry(engine)
    real = config.load_settings
    monkeypatch.setattr(config, "load_settings",
                        lambda env=None, overrides=None: dataclasses.replace(real(env, overrides), max_upload_bytes=MB))
    config.settings.cache_clear()
    big = b"Tanggal;Kelurahan;RT;Jenis;Tingkat;Judul\n" + b"20/06/2018 14.32;Air Kuti;03;APK;ringan;x\n" * 40_000
    assert len(big) > MB
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, PANWASLU)
    at.run()
    at.switch_page("screens/impor.py")
    at.run()
    at.file_uploader(key="impor_file").upload("besar.csv", big, "text/csv")
    at.run()
    assert not at.exception, at.exception
    assert any("terlalu besar" in e.value for e in at.error), [e.value for e in at.error]
    assert incident_count(engine) == 0

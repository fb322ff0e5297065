"""Prints how fast reports are imported: a 100,000-row CSV and a 50,000-message WhatsApp export.

Usage: python benchmarks/bench_import.py [ROWS] [MESSAGES]   (defaults 100000 and 50000)

Both files are generated in a temporary folder (about 2 % bad rows, names
spelled the way people type them) and imported into a temporary SQLite store
through the same preview + commit the app and the CLI use. Target: the CSV in
under 15 s.
"""

from __future__ import annotations

import csv
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LUBUKLINGGAU_GEO_DIR", str(Path(__file__).resolve().parents[2] / "shared" / "geo"))

from kondusif import registry, store  # noqa: E402
from kondusif.intake import pipeline  # noqa: E402
from kondusif.model import Role, Viewer  # noqa: E402
from lubuklinggau_geo import gazetteer  # noqa: E402

CATEGORIES = ["Politik Uang", "intimidasi", "hoaks", "APK", "bentrok", "netralitas ASN", "kampanye luar jadwal",
              "gangguan TPS", "unjuk rasa", "lainnya"]
TEXTS = {"Politik Uang": "ada amplop dibagikan ke warga", "intimidasi": "warga diancam agar memilih",
         "hoaks": "beredar hoaks soal paslon", "APK": "baliho paslon dirusak orang",
         "bentrok": "pendukung bentrok di simpang", "netralitas ASN": "ASN ikut kampanye",
         "kampanye luar jadwal": "kampanye di masa tenang", "gangguan TPS": "keributan di TPS",
         "unjuk rasa": "unjuk rasa di kantor lurah", "lainnya": "kerumunan malam hari"}


def _season_time(rng: random.Random) -> datetime:
    start = datetime(2018, 2, 15)
    return start + timedelta(minutes=rng.randrange(0, 150 * 24 * 60))


def make_csv(path: Path, n: int, reg, rng: random.Random) -> None:
    names = gazetteer.kelurahan().set_index("kode")["nama"].to_dict()
    units = list(reg[["kode_kelurahan", "rt"]].itertuples(index=False, name=None))
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Tanggal", "Kelurahan", "RT", "Jenis", "Tingkat", "Judul", "Uraian", "Nama Pelapor", "No HP"])
        for i in range(n):
            kel, rt = units[rng.randrange(len(units))]
            name = names[kel]
            name = rng.choice([name, name.upper(), f"Kel. {name}", name.lower()])
            cat = rng.choice(CATEGORIES)
            when = _season_time(rng).strftime("%d/%m/%Y %H.%M")
            rt_cell = f"{rt:02d}"
            if i % 50 == 7:  # about 2 % bad rows
                rt_cell = rng.choice(["99", "abc", ""])
            w.writerow([when, name, rt_cell, cat, rng.choice(["ringan", "sedang", "berat"]),
                        f"Laporan {i}", TEXTS[cat], f"Pelapor {i % 500}", f"0812{i:08d}"])


def make_chat(path: Path, n: int, reg, rng: random.Random) -> None:
    names = gazetteer.kelurahan().set_index("kode")["nama"].to_dict()
    units = list(reg[["kode_kelurahan", "rt"]].itertuples(index=False, name=None))
    lines = ["15/02/18 08.00 - Pesan dan panggilan terenkripsi secara end-to-end. Ketuk untuk info selengkapnya."]
    for i in range(n - 1):
        kel, rt = units[rng.randrange(len(units))]
        when = _season_time(rng).strftime("%d/%m/%y %H.%M")
        sender = f"Pak Warga{i % 300} RT {rt:02d}"
        kind = rng.random()
        if kind < 0.4:
            cat = rng.choice(["uang", "apk", "bentrok", "hoaks", "intimidasi"])
            text = f"LAPOR {cat} {rng.choice(['ringan', 'sedang', 'berat'])} RT {rt} {names[kel]}: kejadian {i}"
        elif kind < 0.6:
            text = f"{TEXTS[rng.choice(list(TEXTS))]} di RT {rt} Kel. {names[kel]} (pesan {i})"
        elif kind < 0.9:
            text = rng.choice(["ok pak", "siap", "terima kasih", "selamat pagi bapak ibu", "👍"])
        else:
            text = "<Media tidak disertakan>"
        lines.append(f"{when} - {sender}: {text}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    messages = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
    viewer = Viewer("bench", Role.ADMIN)
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["KONDUSIF_DATA_DIR"] = tmp
        engine = store.make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        store.init_db(engine)
        registry.ensure_rt_registry(engine)
        reg = registry.rt_registry(engine)
        csv_path, chat_path = Path(tmp) / "laporan.csv", Path(tmp) / "chat.txt"
        make_csv(csv_path, rows, reg, rng)
        make_chat(chat_path, messages, reg, rng)
        data = csv_path.read_bytes()

        load = os.getloadavg()[0]
        t0, p0 = time.perf_counter(), time.process_time()
        preview = pipeline.preview_file(engine, data, csv_path.name, viewer)
        t1 = time.perf_counter()
        result = pipeline.commit_file(engine, preview, viewer)
        t2, p2 = time.perf_counter(), time.process_time()
        again = pipeline.preview_file(engine, data, csv_path.name, viewer)
        t3 = time.perf_counter()

        chat = chat_path.read_bytes()
        c0, q0 = time.perf_counter(), time.process_time()
        cprev = pipeline.preview_chat(engine, chat, chat_path.name, viewer)
        c1 = time.perf_counter()
        cres = pipeline.commit_chat(engine, cprev, viewer)
        c2, q2 = time.perf_counter(), time.process_time()
        engine.dispose()

    total = t2 - t0
    print(f"machine                 : {os.cpu_count()} CPUs, load average {load:.1f} at start "
          "(wall times grow with load; CPU time is this process alone)")
    print(f"CSV rows                : {rows:,} ({len(data) / 1e6:.1f} MB, separator ';')")
    print(f"  read + validate       : {t1 - t0:.1f} s")
    print(f"  commit (1 transaction): {t2 - t1:.1f} s")
    print(f"  total                 : {total:.1f} s = {rows / total:,.0f} rows/s (target: < 15 s)")
    print(f"  CPU time              : {p2 - p0:.1f} s = {rows / (p2 - p0):,.0f} rows/s")
    print(f"  outcome               : {result.summary()}")
    print(f"  re-import preview     : {t3 - t2:.1f} s, {again.good} new rows")
    ctotal = c2 - c0
    print(f"Chat messages           : {messages:,} (WhatsApp Android)")
    print(f"  parse + read          : {c1 - c0:.1f} s")
    print(f"  commit                : {c2 - c1:.1f} s")
    print(f"  total                 : {ctotal:.1f} s = {messages / ctotal:,.0f} messages/s")
    print(f"  CPU time              : {q2 - q0:.1f} s = {messages / (q2 - q0):,.0f} messages/s")
    print(f"  outcome               : {cres.summary()}")


if __name__ == "__main__":
    main()

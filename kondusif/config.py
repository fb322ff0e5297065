"""Configuration: the one place that reads the environment and the optional TOML file.

Everything an operator may change for the next election (calendar, thresholds,
tile server, secrets, limits) is declared once in `SETTINGS`; `settings()` returns
the typed object generated from it. No other module reads os.environ
(tests/test_settings_documented.py scans for it).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, make_dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from kondusif.errors import KondusifError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Phase:
    """A phase of the election calendar, inclusive dates in WIB."""

    key: str
    label: str
    start: date
    end: date | None  # None: open-ended (rekapitulasi)


@dataclass(frozen=True)
class Calendar:
    """The Pilkada calendar; configuration so the same app serves the next election."""

    name: str = "Pilkada 2018 (Walikota Lubuklinggau dan Gubernur Sumsel)"
    season_start: date = date(2018, 2, 15)
    season_end: date = date(2018, 7, 31)
    phases: tuple[Phase, ...] = (
        Phase("kampanye", "Masa kampanye", date(2018, 2, 15), date(2018, 6, 23)),
        Phase("masa_tenang", "Masa tenang", date(2018, 6, 24), date(2018, 6, 26)),
        Phase("pemungutan", "Hari pemungutan suara", date(2018, 6, 27), date(2018, 6, 27)),
        Phase("rekapitulasi", "Rekapitulasi", date(2018, 6, 28), None),
    )

    @property
    def voting_day(self) -> date:
        return self.phase("pemungutan").start

    def phase(self, key: str) -> Phase:
        for p in self.phases:
            if p.key == key:
                return p
        raise KeyError(key)


@dataclass(frozen=True)
class LevelConfig:
    """Weights and thresholds of SiKondusif's own kondusivitas measure (docs/levels.md)."""

    severity_weight: dict[str, float] = field(
        default_factory=lambda: {"ringan": 1.0, "sedang": 2.0, "berat": 4.0}
    )
    status_credibility: dict[str, float] = field(
        default_factory=lambda: {
            "baru": 0.5,
            "diverifikasi": 1.0,
            "ditindaklanjuti": 1.0,
            "selesai": 0.5,
            "ditolak": 0.0,
            "duplikat": 0.0,
        }
    )
    half_life_hours: float = 72.0
    window_hours: float = 14 * 24.0
    # Set for real reporting volumes (two verified berat reports in 72 h make a
    # kelurahan Waspada) and checked on the simulated season (`demo --n 3000`):
    # mostly Kondusif early in the campaign, some Waspada and a few Rawan at voting time.
    waspada_threshold: float = 6.0
    rawan_threshold: float = 14.0
    rt_waspada_threshold: float = 3.0
    rt_rawan_threshold: float = 7.0


# --------------------------------------------------------------------------- the settings table


@dataclass(frozen=True)
class SettingSpec:
    """One setting, declared once: its key in kondusif.toml ("table.key"), type, default and help.

    `env` names the environment variable that wins over the file; `file=False` settings
    (where the data and the file itself live) come from the environment only.
    """

    key: str
    type: Any  # str, int, float, bool, list (of text, held as a tuple), Path, Calendar or LevelConfig
    default: Any
    help: str
    env: str | None = None
    file: bool = True
    minimum: float | None = None


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("config", Path, PROJECT_ROOT / "kondusif.toml", "berkas pengaturan TOML ini",
                "KONDUSIF_CONFIG", file=False),
    SettingSpec("data_dir", Path, PROJECT_ROOT / "data",
                "folder data (kunci sesi, batas wilayah, cadangan, berkas impor)", "KONDUSIF_DATA_DIR", file=False),
    SettingSpec("db_url", str, None, "URL basis data; bawaan: SQLite di folder data", "KONDUSIF_DB_URL"),
    SettingSpec("secret_key", str, "", "kunci penanda tangan token sesi (kosong: dibuat sekali di folder data)",
                "KONDUSIF_SECRET_KEY"),
    SettingSpec("db_busy_timeout_ms", int, 15_000, "batas tunggu kunci tulis basis data (ms)",
                "KONDUSIF_DB_BUSY_TIMEOUT_MS", minimum=0),
    SettingSpec("trusted_proxies", list, (), "alamat reverse proxy yang header X-Forwarded-*-nya dipercaya "
                "(dipisah koma di variabel lingkungan)", "KONDUSIF_TRUSTED_PROXIES"),
    SettingSpec("min_free_mb", int, 500, "peringatan bila ruang disk kosong di bawah ini (MB)",
                "KONDUSIF_MIN_FREE_MB", minimum=0),
    SettingSpec("report_prefix", str, "LLG", "awalan nomor laporan (LLG-2018-000001)"),
    SettingSpec("tile_url", str, None, "server ubin peta (tanpa ini: peta tanpa latar)", "KONDUSIF_TILE_URL"),
    SettingSpec("tile_attribution", str, "", "atribusi server ubin peta"),
    SettingSpec("webhook_url", str, None, "webhook peringatan (JSON POST)", "KONDUSIF_WEBHOOK_URL"),
    SettingSpec("alert_email", str, None, "alamat surel penerima peringatan", "KONDUSIF_ALERT_EMAIL"),
    SettingSpec("session_hours", float, 12.0, "lama sesi masuk (jam)"),
    SettingSpec("max_photo_bytes", int, 5 * 1024 * 1024, "ukuran foto terbesar (byte)"),
    SettingSpec("max_upload_bytes", int, 50 * 1024 * 1024, "ukuran berkas impor terbesar (byte)"),
    SettingSpec("oidc_role_claim", str, "sikondusif_role", "klaim SSO yang memuat peran"),
    SettingSpec("calendar", Calendar, Calendar(), "kalender pilkada: nama, awal/akhir musim, tahapan"),
    SettingSpec("levels", LevelConfig, LevelConfig(), "bobot dan ambang tingkat kondusivitas (docs/levels.md)"),
    # Issue 27 item 9: this machine only, unless the operator says otherwise (nginx TLS goes in front).
    SettingSpec("server_address", str, "127.0.0.1",
                "alamat dengar aplikasi (`make run`); 0.0.0.0 = semua antarmuka, tanpa TLS", "KONDUSIF_SERVER_ADDRESS"),
    SettingSpec("intake.duplicate_window_hours", float, 6.0, "jendela waktu kemungkinan duplikat (jam)"),
    SettingSpec("intake.import_cpu_seconds", int, 120, "batas waktu CPU pemeriksaan satu berkas impor (detik)",
                "KONDUSIF_IMPORT_CPU_SECONDS", minimum=1),
    SettingSpec("intake.import_memory_mb", int, 3072, "batas memori pemeriksaan satu berkas impor (MB)",
                "KONDUSIF_IMPORT_MEMORY_MB", minimum=1),
    SettingSpec("intake.import_max_rows", int, 700_000, "jumlah baris data terbanyak satu berkas impor",
                "KONDUSIF_IMPORT_MAX_ROWS", minimum=1),
    SettingSpec("intake.xlsx_reader", str, "calamine", "pembaca XLSX: 'calamine' (cepat) atau 'openpyxl'",
                "KONDUSIF_XLSX_READER"),
    SettingSpec("alerts.smtp_host", str, None, "server SMTP untuk peringatan surel"),
    SettingSpec("alerts.smtp_port", int, 25, "port SMTP"),
    SettingSpec("alerts.smtp_from", str, "sikondusif@localhost", "alamat pengirim surel peringatan"),
    SettingSpec("alerts.timeout_seconds", float, 10.0, "batas waktu satu pengiriman (detik)"),
    SettingSpec("alerts.max_attempts", int, 5, "jumlah percobaan kirim paling banyak", minimum=1),
    SettingSpec("alerts.backoff_seconds", float, 2.0, "jeda awal antar-percobaan (detik, berlipat)"),
    # Kept so an older kondusif.toml still loads (an unknown key stops the app); the worker polls instead.
    SettingSpec("alerts.poll_seconds", float, 30.0, "tidak dipakai lagi (pekerja latar memakai worker.poll_seconds)"),
    # Issue 15: the SMSsync endpoint (kondusif/sms/smssync.py) and the silent-gateway alert.
    SettingSpec("alerts.sms_silent_minutes", int, 30,
                "peringatan bila tidak ada SMS masuk selama sekian menit pada hari pemungutan suara (0 = mati)"),
    SettingSpec("alerts.sms_watch_start_hour", int, 6, "jam WIB mulai pengawasan SMS senyap pada hari pemungutan suara"),
    # Issue 24: voting-day check-in rounds (kondusif/rounds.py).
    SettingSpec("rounds.times", list, ("07:00", "12:00", "18:00"),
                "jam putaran laporan aman pada hari pemungutan suara (WIB, JJ:MM, dipisah koma)"),
    SettingSpec("rounds.grace_minutes", int, 60,
                "tenggang sesudah jam putaran; sesudahnya RT yang belum memberi kabar dihitung senyap (menit)",
                minimum=0),
    SettingSpec("rounds.coverage_threshold", float, 0.75,
                "peringatan bila cakupan kabar RT satu kelurahan di bawah angka ini sesudah tenggang putaran (0-1)",
                minimum=0),
    SettingSpec("rounds.sms_reminder", bool, False,
                "kirim satu SMS pengingat per putaran ke nomor Ketua RT terdaftar yang senyap sesudah tenggang "
                "(lewat gateway Gammu; true/false)"),
    # Issue 28: the worker (`python -m kondusif worker`, kondusif/worker.py) and its outbox leases.
    SettingSpec("worker.poll_seconds", float, 2.0, "selang pekerja latar memeriksa antrean peristiwa (detik)",
                "KONDUSIF_WORKER_POLL_SECONDS", minimum=0.05),
    SettingSpec("worker.lease_seconds", float, 600.0,
                "lama satu peristiwa dipegang pekerja; sesudahnya pekerja lain boleh mengambilnya (detik)",
                "KONDUSIF_WORKER_LEASE_SECONDS", minimum=0.1),
    SettingSpec("worker.retry_seconds", float, 30.0, "jeda awal sebelum peristiwa yang gagal dicoba lagi (detik, "
                "berlipat)", "KONDUSIF_WORKER_RETRY_SECONDS", minimum=0),
    SettingSpec("worker.watch_seconds", float, 60.0,
                "selang pengawasan gerbang SMS senyap dan putaran hari pemungutan suara (detik)",
                "KONDUSIF_WORKER_WATCH_SECONDS", minimum=0.1),
    # Issue 15/28: the modem channel, read by the worker (kondusif/sms/gammu.py); unset = no modem.
    SettingSpec("gammu.db_url", str, None, "URL basis data Gammu SMSD (mis. postgresql://smsd:SANDI@127.0.0.1/smsd); "
                "diisi = pekerja latar membaca SMS masuk modem dan mengirim balasannya", "KONDUSIF_GAMMU_DB"),
    SettingSpec("gammu.tz", str, None, "zona waktu komputer gammu-smsd bila bukan komputer ini (mis. Asia/Jakarta); "
                "kosong = zona komputer ini", "KONDUSIF_GAMMU_TZ"),
    SettingSpec("smssync.max_body_bytes", int, 16 * 1024, "ukuran permintaan SMSsync terbesar (byte)"),
    SettingSpec("smssync.requests_per_minute", int, 120, "permintaan SMSsync paling banyak per perangkat per menit"),
    SettingSpec("smssync.replies", str, "langsung",
                "balasan SMSsync: 'langsung' (dalam jawaban sinkronisasi) atau 'tugas' (diambil lewat ?task=send)"),
)
SPECS: dict[str, SettingSpec] = {s.key: s for s in SETTINGS}
TABLES = {s.key.split(".", 1)[0] for s in SETTINGS if "." in s.key}
# Structured tables: their sub-keys, checked here (they are read by _calendar / _levels).
_STRUCTURED_KEYS = {Calendar: ("name", "season_start", "season_end", "phases"),
                    LevelConfig: tuple(LevelConfig.__dataclass_fields__)}
_TYPE_LABELS = {str: "teks", int: "bilangan bulat", float: "angka", bool: "ya/tidak", list: "daftar teks",
                Path: "path"}
_TRUE, _FALSE = {"1", "true", "ya", "yes", "on"}, {"0", "false", "tidak", "no", "off"}


class ConfigError(KondusifError, ValueError):
    """A setting in kondusif.toml or the environment is unknown or malformed; names the key."""


def _annotation(spec: SettingSpec) -> Any:
    kind = tuple[str, ...] if spec.type is list else spec.type
    return kind | None if spec.default is None else kind


def _generate() -> tuple[type, dict[str, type]]:
    """The typed settings classes, made from SETTINGS: one field per setting, one class per [table]."""
    tables: dict[str, list[tuple[str, Any]]] = {}
    top: list[tuple[str, Any]] = []
    for spec in SETTINGS:
        table, _, name = spec.key.rpartition(".")
        (tables.setdefault(table, []) if table else top).append((name, _annotation(spec)))
    classes = {t: make_dataclass(f"{t.title()}Settings", fields, frozen=True) for t, fields in tables.items()}
    top += [(t, cls) for t, cls in classes.items()]
    doc = "Runtime settings, generated from config.SETTINGS (environment, then kondusif.toml, then default)."
    return make_dataclass("Settings", top, frozen=True, namespace={"__doc__": doc}), classes


Settings, TABLE_CLASSES = _generate()


def _typed(spec: SettingSpec, value: Any, where: str) -> Any:
    """`value` as the declared type, or ConfigError naming the key and where it came from."""
    if value is None:
        return None
    if spec.type in _STRUCTURED_KEYS:
        return _structured(spec, value, where)
    kind, text = spec.type, isinstance(value, str)
    wrong = ConfigError(f"Pengaturan «{spec.key}» ({where}) harus berupa {_TYPE_LABELS[kind]}, bukan {value!r}.")
    if kind is str:
        if not text:
            raise wrong
        return value or (None if spec.default is None else value)
    if kind is Path:
        if not text or not value.strip():
            raise wrong
        return Path(value.strip())
    if kind is list:
        items = value.split(",") if text else value
        if not isinstance(items, list):
            raise wrong
        return tuple(str(i).strip() for i in items if str(i).strip())
    if kind is bool:
        if isinstance(value, bool):
            return value
        if text and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise wrong
    if isinstance(value, bool) or not (isinstance(value, int | float) or text):
        raise wrong
    if isinstance(value, float) and kind is int:
        raise wrong
    try:
        number = kind(value.strip()) if text else kind(value)
    except ValueError:
        raise wrong from None
    if spec.minimum is not None and number < spec.minimum:
        raise ConfigError(f"Pengaturan «{spec.key}» ({where}) paling kecil {spec.minimum:g}, bukan {value!r}.")
    return number


def _structured(spec: SettingSpec, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise ConfigError(f"Pengaturan «{spec.key}» ({where}) harus berupa tabel [{spec.key}].")
    for sub in value:
        if sub not in _STRUCTURED_KEYS[spec.type]:
            raise ConfigError(f"Pengaturan «{spec.key}.{sub}» ({where}) tidak dikenal.")
    return _calendar(value) if spec.type is Calendar else _levels(value)


def validate(conf: dict, where: str = "kondusif.toml") -> dict[str, Any]:
    """Check every key of a parsed kondusif.toml; returns the declared settings' values (typed).

    An unknown key or a value of the wrong type is a ConfigError naming the key.
    """
    values: dict[str, Any] = {}
    for key, value in conf.items():
        if key in TABLES and isinstance(value, dict):
            items = [(f"{key}.{sub}", sub_value) for sub, sub_value in value.items()]
        else:
            items = [(key, value)]
        for full, item in items:
            spec = SPECS.get(full)
            if spec is None or (key in TABLES and full == key):
                raise ConfigError(f"Pengaturan «{full}» ({where}) tidak dikenal.")
            if not spec.file:
                raise ConfigError(f"Pengaturan «{full}» ({where}) hanya dapat diatur lewat variabel "
                                  f"lingkungan {spec.env}.")
            values[full] = _typed(spec, item, where)
    return values


def _load_toml(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Berkas pengaturan {path} tidak dapat dibaca: {exc}.") from None


def _calendar(conf: dict) -> Calendar:
    if not conf:
        return Calendar()
    phases = tuple(
        Phase(
            p["key"],
            p["label"],
            date.fromisoformat(str(p["start"])),
            date.fromisoformat(str(p["end"])) if p.get("end") else None,
        )
        for p in conf.get("phases", [])
    ) or Calendar().phases
    return Calendar(
        name=conf.get("name", Calendar.name),
        season_start=date.fromisoformat(str(conf.get("season_start", Calendar.season_start))),
        season_end=date.fromisoformat(str(conf.get("season_end", Calendar.season_end))),
        phases=phases,
    )


def _levels(conf: dict) -> LevelConfig:
    base = LevelConfig()
    if not conf:
        return base
    values = dict(conf)
    for key in ("severity_weight", "status_credibility"):
        if key in values:
            values[key] = {**getattr(base, key), **values[key]}
    return LevelConfig(**{**base.__dict__, **values})


def load_settings(env: dict[str, str] | None = None, overrides: dict[str, Any] | None = None) -> Any:
    """Build the settings: `overrides` (CLI options), then `env` (default: os.environ), then
    the TOML file (KONDUSIF_CONFIG, else kondusif.toml of the checkout), then each default."""
    env = dict(os.environ if env is None else env)
    overrides = overrides or {}
    chosen: dict[str, Any] = {}
    for spec in SETTINGS:  # the environment first: a malformed value is refused at start, naming the key
        raw = (env.get(spec.env) or "").strip() if spec.env else ""
        if raw:
            chosen[spec.key] = _typed(spec, raw, f"variabel lingkungan {spec.env}")
    for key, value in overrides.items():
        chosen[key] = _typed(SPECS[key], value, "opsi perintah")
    path = chosen.get("config") or SPECS["config"].default
    from_file = validate(_load_toml(path), str(path) if "config" in chosen else "kondusif.toml")
    values = {s.key: chosen[s.key] if s.key in chosen else from_file.get(s.key, s.default) for s in SETTINGS}
    values["db_url"] = values["db_url"] or f"sqlite:///{values['data_dir'] / 'kondusif.db'}"
    top = {k: v for k, v in values.items() if "." not in k}
    for table, cls in TABLE_CLASSES.items():
        top[table] = cls(**{k.split(".", 1)[1]: v for k, v in values.items() if k.startswith(table + ".")})
    return Settings(**top)


_ENV_NAMES = tuple(s.env for s in SETTINGS if s.env)
_overrides: dict[str, Any] = {}


@lru_cache(maxsize=8)
def _settings_for(env: tuple[str | None, ...], overrides: tuple[tuple[str, Any], ...]) -> Any:
    return load_settings({k: v for k, v in zip(_ENV_NAMES, env, strict=True) if v is not None}, dict(overrides))


def settings() -> Any:
    """The settings of this process (the one reader): loaded once per state of the declared
    environment variables and the command's overrides, so a changed variable is seen at once."""
    return _settings_for(tuple(os.environ.get(n) for n in _ENV_NAMES), tuple(sorted(_overrides.items())))


settings.cache_clear = _settings_for.cache_clear  # type: ignore[attr-defined]


@contextmanager
def overrides(**values: Any) -> Iterator[None]:
    """Command-line options win over the environment and the file while the command runs."""
    unknown = set(values) - set(SPECS)
    if unknown:
        raise ConfigError(f"Pengaturan «{sorted(unknown)[0]}» tidak dikenal.")
    saved = dict(_overrides)
    _overrides.update({k: v for k, v in values.items() if v is not None})
    try:
        yield
    finally:
        _overrides.clear()
        _overrides.update(saved)


def child_environment(**extra: str) -> dict[str, str]:
    """The environment for a child process: this one's, the command's overrides, then `extra`."""
    env = dict(os.environ)
    env.update({SPECS[k].env or "": str(v) for k, v in _overrides.items() if SPECS[k].env})
    env.update(extra)
    return env

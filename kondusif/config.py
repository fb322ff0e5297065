"""Configuration: one place that reads the environment and the optional TOML file.

Everything an operator may change for the next election (calendar, thresholds,
tile server, secrets) lives here, so code never hard-codes it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Settings:
    """Runtime settings, read from environment variables and an optional TOML file."""

    db_url: str
    data_dir: Path
    secret_key: str  # "" = none configured: kondusif.secrets_file keeps one in data_dir
    calendar: Calendar
    levels: LevelConfig
    report_prefix: str = "LLG"
    tile_url: str | None = None
    tile_attribution: str = ""
    webhook_url: str | None = None
    alert_email: str | None = None
    session_hours: float = 12.0
    max_photo_bytes: int = 5 * 1024 * 1024
    max_upload_bytes: int = 50 * 1024 * 1024
    oidc_role_claim: str = "sikondusif_role"
    extra: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)  # declared settings from kondusif.toml, typed (SETTINGS)
    env: dict = field(default_factory=dict)  # the KONDUSIF_* environment variables read at start


# --------------------------------------------------------------------------- the settings table


@dataclass(frozen=True)
class SettingSpec:
    """One setting, declared once: its key in kondusif.toml ("table.key"), type, default, help."""

    key: str
    type: type
    default: Any
    help: str
    env: str | None = None  # environment variable that wins over the file


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("db_url", str, None, "URL basis data; bawaan: SQLite di folder data", "KONDUSIF_DB_URL"),
    SettingSpec("secret_key", str, None, "kunci penanda tangan token sesi", "KONDUSIF_SECRET_KEY"),
    SettingSpec("report_prefix", str, "LLG", "awalan nomor laporan (LLG-2018-000001)"),
    SettingSpec("tile_url", str, None, "server ubin peta (tanpa ini: peta tanpa latar)", "KONDUSIF_TILE_URL"),
    SettingSpec("tile_attribution", str, "", "atribusi server ubin peta"),
    SettingSpec("webhook_url", str, None, "webhook peringatan (JSON POST)", "KONDUSIF_WEBHOOK_URL"),
    SettingSpec("alert_email", str, None, "alamat surel penerima peringatan", "KONDUSIF_ALERT_EMAIL"),
    SettingSpec("session_hours", float, 12.0, "lama sesi masuk (jam)"),
    SettingSpec("max_photo_bytes", int, 5 * 1024 * 1024, "ukuran foto terbesar (byte)"),
    SettingSpec("max_upload_bytes", int, 50 * 1024 * 1024, "ukuran berkas impor terbesar (byte)"),
    SettingSpec("oidc_role_claim", str, "sikondusif_role", "klaim SSO yang memuat peran"),
    # Issue 27 item 9: this machine only, unless the operator says otherwise (nginx TLS goes in front).
    SettingSpec("server_address", str, "127.0.0.1",
                "alamat dengar aplikasi (`make run`); 0.0.0.0 = semua antarmuka, tanpa TLS", "KONDUSIF_SERVER_ADDRESS"),
    SettingSpec("db_busy_timeout_ms", int, 15_000, "batas tunggu kunci tulis basis data (ms)",
                "KONDUSIF_DB_BUSY_TIMEOUT_MS"),
    SettingSpec("intake.duplicate_window_hours", float, 6.0, "jendela waktu kemungkinan duplikat (jam)"),
    SettingSpec("alerts.smtp_host", str, None, "server SMTP untuk peringatan surel"),
    SettingSpec("alerts.smtp_port", int, 25, "port SMTP"),
    SettingSpec("alerts.smtp_from", str, "sikondusif@localhost", "alamat pengirim surel peringatan"),
    SettingSpec("alerts.timeout_seconds", float, 10.0, "batas waktu satu pengiriman (detik)"),
    SettingSpec("alerts.max_attempts", int, 5, "jumlah percobaan kirim paling banyak"),
    SettingSpec("alerts.backoff_seconds", float, 2.0, "jeda awal antar-percobaan (detik, berlipat)"),
    SettingSpec("alerts.poll_seconds", float, 30.0, "selang pemeriksaan antrean kirim (detik)"),
    # Issue 15: the SMSsync endpoint (kondusif/sms/smssync.py) and the silent-gateway alert.
    SettingSpec("alerts.sms_silent_minutes", int, 30,
                "peringatan bila tidak ada SMS masuk selama sekian menit pada hari pemungutan suara (0 = mati)"),
    SettingSpec("alerts.sms_watch_start_hour", int, 6, "jam WIB mulai pengawasan SMS senyap pada hari pemungutan suara"),
    SettingSpec("smssync.max_body_bytes", int, 16 * 1024, "ukuran permintaan SMSsync terbesar (byte)"),
    SettingSpec("smssync.requests_per_minute", int, 120, "permintaan SMSsync paling banyak per perangkat per menit"),
    SettingSpec("smssync.replies", str, "langsung",
                "balasan SMSsync: 'langsung' (dalam jawaban sinkronisasi) atau 'tugas' (diambil lewat ?task=send)"),
)
SPECS: dict[str, SettingSpec] = {s.key: s for s in SETTINGS}
# Tables with their own structure, checked by their own readers.
STRUCTURED = {"calendar": ("name", "season_start", "season_end", "phases"),
              "levels": tuple(LevelConfig.__dataclass_fields__)}
_TYPE_LABELS = {str: "teks", int: "bilangan bulat", float: "angka"}


class ConfigError(KondusifError, ValueError):
    """A setting in kondusif.toml or the environment is unknown or malformed; names the key."""


def _typed(spec: SettingSpec, value: Any, where: str) -> Any:
    if value is None:
        return None
    ok = (isinstance(value, str) if spec.type is str
          else isinstance(value, int) and not isinstance(value, bool) if spec.type is int
          else isinstance(value, int | float) and not isinstance(value, bool))
    if not ok and isinstance(value, str) and spec.type in (int, float):
        try:
            return spec.type(value.strip())
        except ValueError:
            pass
    if not ok:
        raise ConfigError(f"Pengaturan «{spec.key}» ({where}) harus berupa {_TYPE_LABELS[spec.type]}, "
                          f"bukan {value!r}.")
    return spec.type(value)


def validate(conf: dict, where: str = "kondusif.toml") -> dict[str, Any]:
    """Check every key of a parsed kondusif.toml; returns the declared settings' values (typed).

    An unknown key or a value of the wrong type is a ConfigError naming the key.
    """
    values: dict[str, Any] = {}
    for key, value in conf.items():
        if key in STRUCTURED:
            if not isinstance(value, dict):
                raise ConfigError(f"Pengaturan «{key}» ({where}) harus berupa tabel [{key}].")
            for sub in value:
                if sub not in STRUCTURED[key]:
                    raise ConfigError(f"Pengaturan «{key}.{sub}» ({where}) tidak dikenal.")
            continue
        if isinstance(value, dict) and any(k.startswith(key + ".") for k in SPECS):
            for sub, sub_value in value.items():
                spec = SPECS.get(f"{key}.{sub}")
                if spec is None:
                    raise ConfigError(f"Pengaturan «{key}.{sub}» ({where}) tidak dikenal.")
                values[spec.key] = _typed(spec, sub_value, where)
            continue
        spec = SPECS.get(key)
        if spec is None or "." in spec.key:
            raise ConfigError(f"Pengaturan «{key}» ({where}) tidak dikenal.")
        values[key] = _typed(spec, value, where)
    return values


def setting(key: str, s: Settings | None = None) -> Any:
    """The value of a declared setting: environment, then kondusif.toml, then its default."""
    spec = SPECS[key]
    s = s or settings()
    if spec.env and spec.env in s.env:
        return _typed(spec, s.env[spec.env], f"variabel lingkungan {spec.env}")
    return s.values.get(key, spec.default)


def env_setting(key: str, env: dict[str, str] | None = None) -> Any:
    """A declared setting read from the live environment (default: os.environ), else its default.

    For values read at each use, e.g. the busy timeout when a connection opens.
    """
    spec = SPECS[key]
    raw = ((os.environ if env is None else env).get(spec.env or "") or "").strip()
    return _typed(spec, raw, f"variabel lingkungan {spec.env}") if raw else spec.default


def _load_toml(path: Path | None) -> dict:
    if path is None or not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


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
    values = {k: v for k, v in conf.items() if k in LevelConfig.__dataclass_fields__}
    for key in ("severity_weight", "status_credibility"):
        if key in values:
            values[key] = {**getattr(base, key), **values[key]}
    return LevelConfig(**{**base.__dict__, **values})


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from `env` (default: os.environ) and KONDUSIF_CONFIG (TOML)."""
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("KONDUSIF_DATA_DIR") or PROJECT_ROOT / "data")
    conf_path = env.get("KONDUSIF_CONFIG")
    conf = _load_toml(Path(conf_path) if conf_path else PROJECT_ROOT / "kondusif.toml")
    values = validate(conf, conf_path or "kondusif.toml")
    kenv = {k: v for k, v in env.items() if k.startswith("KONDUSIF_")}
    for spec in SETTINGS:  # a malformed environment value is refused at start, naming the key
        if spec.env and spec.type is not str:
            env_setting(spec.key, env)

    def value(key: str) -> Any:
        spec = SPECS[key]
        if spec.env and env.get(spec.env):
            return _typed(spec, env[spec.env], f"variabel lingkungan {spec.env}")
        return values.get(key, spec.default)

    db_url = env.get("KONDUSIF_DB_URL") or conf.get("db_url") or f"sqlite:///{data_dir / 'kondusif.db'}"
    secret = env.get("KONDUSIF_SECRET_KEY") or str(conf.get("secret_key") or "")
    return Settings(
        db_url=db_url,
        data_dir=data_dir,
        secret_key=secret,
        calendar=_calendar(conf.get("calendar", {})),
        levels=_levels(conf.get("levels", {})),
        report_prefix=value("report_prefix"),
        tile_url=value("tile_url") or None,
        tile_attribution=value("tile_attribution"),
        webhook_url=value("webhook_url") or None,
        alert_email=value("alert_email") or None,
        session_hours=value("session_hours"),
        max_photo_bytes=value("max_photo_bytes"),
        max_upload_bytes=value("max_upload_bytes"),
        oidc_role_claim=value("oidc_role_claim"),
        extra=conf,
        values=values,
        env=kenv,
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Process-wide settings; tests call `settings.cache_clear()` after changing env."""
    return load_settings()

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
    db_url = env.get("KONDUSIF_DB_URL") or conf.get("db_url") or f"sqlite:///{data_dir / 'kondusif.db'}"
    secret = env.get("KONDUSIF_SECRET_KEY") or str(conf.get("secret_key") or "")
    return Settings(
        db_url=db_url,
        data_dir=data_dir,
        secret_key=secret,
        calendar=_calendar(conf.get("calendar", {})),
        levels=_levels(conf.get("levels", {})),
        report_prefix=conf.get("report_prefix", "LLG"),
        tile_url=env.get("KONDUSIF_TILE_URL") or conf.get("tile_url") or None,
        tile_attribution=conf.get("tile_attribution", ""),
        webhook_url=env.get("KONDUSIF_WEBHOOK_URL") or conf.get("webhook_url") or None,
        alert_email=env.get("KONDUSIF_ALERT_EMAIL") or conf.get("alert_email") or None,
        session_hours=float(conf.get("session_hours", 12.0)),
        extra=conf,
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Process-wide settings; tests call `settings.cache_clear()` after changing env."""
    return load_settings()

"""Issue 19: every setting declared once (config.SETTINGS) and checked at start, in Indonesian."""

from __future__ import annotations

from pathlib import Path

import pytest

from kondusif import config
from kondusif.__main__ import main
from kondusif.config import SETTINGS, ConfigError, load_settings


def settings_from(tmp_path, text: str, **env: str):
    path = tmp_path / "kondusif.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings({"KONDUSIF_CONFIG": str(path), "KONDUSIF_DATA_DIR": str(tmp_path), **env})


def test_every_setting_has_a_type_a_default_of_that_type_and_help():
    assert len({s.key for s in SETTINGS}) == len(SETTINGS)
    for spec in SETTINGS:
        assert spec.help and spec.type in (str, int, float, bool, list, Path, config.Calendar, config.LevelConfig)
        held = tuple if spec.type is list else spec.type
        assert spec.default is None or isinstance(spec.default, held), spec.key


def test_declared_settings_are_read_typed_from_the_file(tmp_path):
    s = settings_from(tmp_path, 'oidc_role_claim = "peran_kondusif"\nsession_hours = 8\n'
                                '[alerts]\nsmtp_port = 2525\nmax_attempts = 2\n[intake]\nduplicate_window_hours = 3\n')
    assert s.oidc_role_claim == "peran_kondusif"  # loaded into Settings (was never read before)
    assert s.session_hours == 8.0 and isinstance(s.session_hours, float)
    assert s.alerts.smtp_port == 2525 and s.alerts.max_attempts == 2
    assert s.alerts.smtp_from == "sikondusif@localhost"  # the declared default
    assert s.intake.duplicate_window_hours == 3.0


@pytest.mark.parametrize(("text", "named"), [
    ('sesion_hours = 8\n', "«sesion_hours»"),
    ('[alerts]\nsmtp_hots = "mail"\n', "«alerts.smtp_hots»"),
    ('[levels]\nrawan = 3\n', "«levels.rawan»"),
    ('session_hours = "lama"\n', "«session_hours»"),
    ('[alerts]\nsmtp_port = "dua lima"\n', "«alerts.smtp_port»"),
    ('report_prefix = 7\n', "«report_prefix»"),
])
def test_unknown_or_malformed_keys_are_refused_naming_the_key(tmp_path, text, named):
    with pytest.raises(ConfigError) as err:
        settings_from(tmp_path, text)
    assert named in str(err.value)
    assert "tidak dikenal" in str(err.value) or "harus berupa" in str(err.value)


def test_a_malformed_environment_value_is_refused_at_start(tmp_path):
    with pytest.raises(ConfigError, match="«db_busy_timeout_ms».*KONDUSIF_DB_BUSY_TIMEOUT_MS"):
        settings_from(tmp_path, "", KONDUSIF_DB_BUSY_TIMEOUT_MS="lima belas")
    ok = settings_from(tmp_path, "", KONDUSIF_DB_BUSY_TIMEOUT_MS="300")
    assert ok.db_busy_timeout_ms == 300


def test_the_command_line_names_the_bad_key_without_a_traceback(tmp_path, monkeypatch, capsys):
    path = tmp_path / "kondusif.toml"
    path.write_text('[alerts]\nsmtp_hots = "mail"\n', encoding="utf-8")
    monkeypatch.setenv("KONDUSIF_CONFIG", str(path))
    config.settings.cache_clear()
    assert main(["info"]) == 2
    err = capsys.readouterr().err
    assert "Galat: Pengaturan «alerts.smtp_hots»" in err and "Traceback" not in err


def test_the_settings_object_has_one_typed_field_per_declared_setting():
    import dataclasses

    s = load_settings({"KONDUSIF_CONFIG": "/tidak/ada.toml"})
    found = {}
    for f in dataclasses.fields(s):
        if f.type in config.TABLE_CLASSES.values():  # a generated [table] class
            found.update({f"{f.name}.{g.name}": g.type for g in dataclasses.fields(f.type)})
        else:
            found[f.name] = f.type
    assert found == {spec.key: config._annotation(spec) for spec in SETTINGS}
    assert found["trusted_proxies"] == tuple[str, ...] and found["intake.import_max_rows"] is int
    assert found["tile_url"] == str | None  # no default: may be unset


@pytest.mark.parametrize(("kind", "raw", "value"), [
    (bool, "ya", True), (bool, "tidak", False), (bool, "1", True), (bool, "false", False),
    (list, "10.0.0.1, ::1,", ("10.0.0.1", "::1")), (list, ["a", " b "], ("a", "b")),
    (int, " 42 ", 42), (float, "2.5", 2.5), (Path, "/srv/data", Path("/srv/data")),
])
def test_environment_text_and_file_values_become_the_declared_type(kind, raw, value):
    spec = config.SettingSpec("contoh", kind, None, "uji")
    assert config._typed(spec, raw, "uji") == value


@pytest.mark.parametrize(("kind", "raw"), [(bool, "mungkin"), (int, "1.5"), (int, 1.5), (list, 3), (int, True)])
def test_a_value_of_the_wrong_type_names_the_setting(kind, raw):
    with pytest.raises(ConfigError, match="«contoh»"):
        config._typed(config.SettingSpec("contoh", kind, None, "uji"), raw, "uji")


def test_a_value_under_the_declared_minimum_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="«intake.import_cpu_seconds».*paling kecil 1"):
        settings_from(tmp_path, "", KONDUSIF_IMPORT_CPU_SECONDS="0")

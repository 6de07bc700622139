"""Every setting is read and checked before anything starts; a person sees all the mistakes at once."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.config import ConfigError, Settings
from services.domain.speech import SpeechStyle


def test_defaults_and_parsed_device_settings() -> None:
    settings = Settings.from_env({"MOTCUA_PRINTER": "network:10.0.0.9:9101", "MOTCUA_SPEECH_STYLE": "zero_tens=lẻ",
                                  "MOTCUA_ESPEAK_SPEED": "160", "MOTCUA_SESSION_HOURS": "8"})
    assert settings.printer is not None and (settings.printer.host, settings.printer.port) == ("10.0.0.9", 9101)
    assert settings.speech_style == SpeechStyle(zero_tens="lẻ") and settings.espeak_speed == 160
    assert settings.session_ttl_s == 8 * 3600 and Settings.from_env({}).printer is None


def test_all_mistakes_are_reported_together() -> None:
    with pytest.raises(ConfigError) as err:
        Settings.from_env({"MOTCUA_ESPEAK_SPEED": "fast", "MOTCUA_PRINTER": "bogus", "MOTCUA_PORT": "99999",
                           "MOTCUA_SPEECH_STYLE": "four=năm", "MOTCUA_TRUSTED_PROXIES": "10.0.0.1,proxy"})
    text = str(err.value)
    for name in ("MOTCUA_ESPEAK_SPEED", "MOTCUA_PRINTER", "MOTCUA_PORT", "four", "MOTCUA_TRUSTED_PROXIES"):
        assert name in text, name


def test_secrets_come_from_files(tmp_path: Path) -> None:
    secret = tmp_path / "admin"
    secret.write_text("một mật khẩu dài\n", encoding="utf-8")
    assert Settings.from_env({"MOTCUA_ADMIN_PASSWORD_FILE": str(secret)}).admin_password == "một mật khẩu dài"
    with pytest.raises(ConfigError, match="MOTCUA_ADMIN_PASSWORD_FILE"):
        Settings.from_env({"MOTCUA_ADMIN_PASSWORD_FILE": str(tmp_path / "missing")})


def test_motcua_up_stops_at_once_on_a_bad_setting(tmp_path: Path) -> None:
    env = {**os.environ, "MOTCUA_ESPEAK_SPEED": "fast", "MOTCUA_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-m", "services.cli", "up"], env=env, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2
    assert "MOTCUA_ESPEAK_SPEED='fast'" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "home").exists()                 # nothing was started

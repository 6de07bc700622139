"""The payment settings: the gateways' keys (from the environment or a file) and the fee limits, checked at start."""
from __future__ import annotations

from pathlib import Path

import pytest

from services.config import ConfigError, Settings

KEY = "khoa-sepay-du-dai-1234"


def test_keys_come_from_the_environment_or_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "payos"
    secret.write_text("5f0c1a9d8e7b6a5f4e3d2c1b0a9f8e7d\n", encoding="utf-8")
    settings = Settings.from_env({"MOTCUA_SEPAY_API_KEY": KEY, "MOTCUA_PAYOS_CHECKSUM_KEY_FILE": str(secret),
                                  "MOTCUA_FEE_EXPIRY_MIN": "15", "MOTCUA_FEE_MAX_VND": "2000000"})
    assert (settings.sepay_api_key, settings.payos_checksum_key) == (KEY, "5f0c1a9d8e7b6a5f4e3d2c1b0a9f8e7d")
    assert (settings.fee_expiry_min, settings.fee_max_vnd) == (15, 2_000_000)
    defaults = Settings.from_env({})
    assert (defaults.sepay_api_key, defaults.payos_checksum_key) == (None, None)
    assert (defaults.fee_expiry_min, defaults.fee_max_vnd) == (30, 100_000_000)


@pytest.mark.parametrize("env,name", [
    ({"MOTCUA_SEPAY_API_KEY": "short"}, "MOTCUA_SEPAY_API_KEY"),
    ({"MOTCUA_SEPAY_API_KEY": "a key with spaces inside"}, "MOTCUA_SEPAY_API_KEY"),
    ({"MOTCUA_PAYOS_CHECKSUM_KEY": " " + KEY}, "MOTCUA_PAYOS_CHECKSUM_KEY"),
    ({"MOTCUA_FEE_EXPIRY_MIN": "0"}, "MOTCUA_FEE_EXPIRY_MIN"),
    ({"MOTCUA_FEE_MAX_VND": "ten"}, "MOTCUA_FEE_MAX_VND"),
    ({"MOTCUA_PAYOS_CHECKSUM_KEY_FILE": "/nonexistent/payos"}, "MOTCUA_PAYOS_CHECKSUM_KEY_FILE"),
])
def test_wrong_payment_settings_stop_the_start_with_a_reason(env: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError) as err:
        Settings.from_env(env)
    assert name in str(err.value) and " / " in str(err.value)

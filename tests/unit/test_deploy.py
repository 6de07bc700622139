"""The production files stay in step with the code that defines them."""
from __future__ import annotations

from pathlib import Path

import yaml

from services import nats_auth

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_nats_permissions_are_what_motcua_nats_config_prints() -> None:
    expected = nats_auth.server_config("motcua", "MOTCUA_EVENTS",
                                       {u: "$" + nats_auth.env_name(u) for u in nats_auth.USERS})
    assert (ROOT / "deploy" / "nats-auth.conf").read_text() == expected


def test_compose_gives_each_service_its_own_nats_user_and_no_secret_in_the_file() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    for name in ("accounts", "ticketing", "identity", "payment", "feedback", "stats", "web"):
        env = services[name]["environment"]
        assert env["MOTCUA_NATS_USER"] == name
        assert env["MOTCUA_NATS_PASSWORD"].startswith("${MOTCUA_NATS_")
    for service in services.values():                 # every secret is a reference to the environment
        for key, value in (service.get("environment") or {}).items():
            if "PASSWORD" in key or "KEY" in key or "DATABASE_URL" == key:
                assert not value or "${" in value, (key, value)
    for node in ("nats-1", "nats-2", "nats-3"):
        assert "/etc/nats/auth.conf" in services[node]["command"]


def test_every_nats_user_has_a_password_variable_in_compose() -> None:
    text = (ROOT / "compose.yaml").read_text()
    for user in nats_auth.USERS:
        assert nats_auth.env_name(user) in text, user

"""A schema-driven fuzz run: every operation of /api/openapi.json, fed generated input (hypothesis, through
schemathesis) as an admin and anonymously, against a real `motcua up` of its own. No input may produce a 5xx.

Bounded: FUZZ_EXAMPLES cases per operation (about a minute for the whole API)."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from typing import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from services.api.openapi import openapi_document
from tests.conftest import server_home

FUZZ_EXAMPLES = int(os.environ.get("MOTCUA_FUZZ_EXAMPLES", "20"))
PASSWORD = "mật khẩu thử lung tung"
schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(scope="module")
def api() -> Iterator[dict[str, str]]:
    """A `motcua up --demo` of its own (fuzzing must not touch other tests' data); its base URL and admin token."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    home = server_home("fuzz")
    env = {**os.environ, "MOTCUA_HOME": str(home), "MOTCUA_DEMO_PASSWORD": PASSWORD, "MOTCUA_SUBJECT_PREFIX": f"fz{port}",
           "MOTCUA_DB_SCHEMA": f"fz{port}", "MOTCUA_KIOSK_TICKETS_PER_MIN": "10000",
           # faces on with this machine's PostgreSQL too (only the embedded default makes a key by itself)
           "MOTCUA_IDENTITY_KEY": os.environ.get("MOTCUA_IDENTITY_KEY") or secrets.token_hex(32)}
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "up", "--demo", "--port", str(port)], env=env,
                               stdout=(home / "up.log").open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"motcua up did not start:\n{(home / 'up.log').read_text()}")
        time.sleep(0.2)
    request = urllib.request.Request(f"{base}/api/auth/login", method="POST", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"username": "admin", "password": PASSWORD}).encode())
    with urllib.request.urlopen(request, timeout=10) as r:
        token = json.loads(r.read())["token"]
    yield {"base": base, "token": token}
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
    log = (home / "up.log").read_text()
    assert "Traceback" not in log, log[log.index("Traceback") - 2000:][:6000]                  # nothing failed inside, even behind a 4xx


@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_makes_a_server_error(case: schemathesis.Case, api: dict[str, str]) -> None:
    if case.path == "/api/auth/logout":
        return                                  # would end the admin session the other cases use
    for headers in ({"Authorization": f"Bearer {api['token']}"}, {}):
        response = case.call(base_url=api["base"], headers=headers, timeout=15)
        assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text[:500])

"""Browser tests: Debian's Chromium driven by Playwright against a real `motcua up --demo`."""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import server_home
from tests.tools import require_tool

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
DEMO_PASSWORD = "mật khẩu thử nghiệm e2e"
SEPAY_KEY = "khoa-sepay-e2e-3b7f0c9d2a"      # the server's MOTCUA_SEPAY_API_KEY: the tests play SePay with it
# What the demo's `motcua up` printed, by base URL: the device tokens of its enrolment links.
DEVICES: dict[str, dict[str, str]] = {}
ADMIN_TOKENS: dict[str, str] = {}


def login_token(base: str, username: str, *, cookie: bool = False) -> dict[str, str]:
    body = json.dumps({"username": username, "password": DEMO_PASSWORD, **({"session": "cookie"} if cookie else {})})
    request = urllib.request.Request(f"{base}/api/auth/login", data=body.encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def sign_in(context: object, base: str, username: str) -> None:
    """Log `username` in for this browser context (the session cookie and its CSRF token), as the login page does."""
    session = login_token(base, username, cookie=True)
    context.add_cookies([  # type: ignore[attr-defined]
        {"name": "motcua_session", "value": session["token"], "url": base, "httpOnly": True, "sameSite": "Strict"},
        {"name": "motcua_csrf", "value": session["csrf"], "url": base, "sameSite": "Strict"},
    ])


def device_url(base: str, path: str, kind: str) -> str:
    """A device screen opened through its enrolment link (the token in the fragment)."""
    return f"{base}{path}#device={DEVICES[base][kind]}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def motcua_up() -> Iterator[str]:
    """`motcua up --demo` in a subprocess on a free port; yields its base URL."""
    port = _free_port()
    home = server_home("e2e")
    env = {**os.environ, "MOTCUA_HOME": str(home), "MOTCUA_SUBJECT_PREFIX": f"e2e{port}",
           "MOTCUA_DB_SCHEMA": f"e2e{port}", "PYTHONUNBUFFERED": "1", "MOTCUA_DEMO_PASSWORD": DEMO_PASSWORD,
           "MOTCUA_KIOSK_TICKETS_PER_MIN": "600", "MOTCUA_SEPAY_API_KEY": SEPAY_KEY,
           # faces on also when the tests use this machine's PostgreSQL (only the embedded default makes a key)
           "MOTCUA_IDENTITY_KEY": os.environ.get("MOTCUA_IDENTITY_KEY") or secrets.token_hex(32)}
    log = (home / "up.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "up", "--demo", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
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
            raise RuntimeError(f"motcua up did not start:\n{(home / 'up.log').read_text()}")
        time.sleep(0.2)
    DEVICES[base] = {k: v["token"] for k, v in json.loads((home / "secrets" / "demo-devices.json").read_text()).items()}
    ADMIN_TOKENS[base] = login_token(base, "admin")["token"]
    yield base
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()


def chromium() -> str:
    return require_tool("chromium", paths=[CHROMIUM], hint="Debian's chromium; .ci/run installs it")


@pytest.fixture(scope="session")
def playwright() -> Iterator[object]:
    """One Playwright for the session: the shared browser, and browsers of their own (a fake camera's)."""
    chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: object) -> Iterator[object]:
    b = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)  # type: ignore[attr-defined]
    yield b
    b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")  # type: ignore[attr-defined]
    p = context.new_page()
    yield p
    context.close()


def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path

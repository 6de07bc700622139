"""Without a key or without face models, the system still runs: ID cards, citizen records and erasure work, face
endpoints answer 503 with the reason, and `motcua up` says so at start. Oversized bus messages become 413."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from services import messages as m
from services.config import Settings
from services.domain.access import SYSTEM
from services.identity import service as identity_service
from tests.conftest import server_home
from tests.integration.conftest import bearer, login
from tests.integration.identity_support import OBAMA_QR, VALID_1, b64, call, enrol, identify, started
from tests.integration.test_motcua_up import free_port, http, stop, wait_healthy


async def test_without_a_key_faces_answer_503_and_the_rest_works(infra: Settings) -> None:
    async with started(infra, identity_key=None) as running:
        assert running.face_problem is not None and "MOTCUA_IDENTITY_KEY" in running.face_problem[0]
        token = await login(running, "quantri", "admin")
        async with aiohttp.ClientSession(running.base_url, headers=bearer(token)) as s:
            assert (await call(s, "POST", "/api/identity/cccd", json={"qr": VALID_1}))[0] == 200
            status, body = await identify(s, "o1", b"\xff\xd8 a frame")
            assert status == 503 and body["error"]["details"]["reason"] == "faces_unavailable"
            assert "MOTCUA_IDENTITY_KEY" in body["error"]["message"] and "ID card" in body["error"]["message_en"]
            status, body = await enrol(s, OBAMA_QR, b"\xff\xd8 a photo")
            assert status == 503 and body["error"]["details"]["reason"] == "faces_unavailable"
            status, citizen = await enrol(s, OBAMA_QR, None, consent=False)
            assert status == 201 and citizen["face_enrolled"] is False
            status, erased = await call(s, "DELETE", f"/api/citizens/{citizen['citizen_id']}/face")
            assert status == 200 and erased["erased"] is False
        # A command larger than the bus takes is refused as too large, not as an internal error.
        with pytest.raises(m.ServiceError) as refused:
            await running.system_bus.request(m.Identify(office="o1", image="A" * (9 * 1024 * 1024),
                                                        actor=SYSTEM.as_dict()))
        assert refused.value.code == "payload_too_large" and "MiB" in refused.value.message_en


async def test_broken_face_models_answer_503_with_the_reason(infra: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = ("tệp mô hình shape_predictor_68_face_landmarks.dat bị thiếu hoặc hỏng",
              "model file shape_predictor_68_face_landmarks.dat is missing or damaged")
    monkeypatch.setattr(identity_service, "diagnose", lambda probe: broken)
    async with started(infra, identity_key=infra.identity_key or "0" * 64) as running:
        assert running.face_problem == broken
        token = await login(running, "quantri", "admin")
        async with aiohttp.ClientSession(running.base_url, headers=bearer(token)) as s:
            status, body = await identify(s, "o1", b"\xff\xd8 a frame")
            assert status == 503 and broken[1] in body["error"]["message_en"] and broken[0] in body["error"]["message"]
            assert (await call(s, "POST", "/api/identity/cccd", json={"qr": VALID_1}))[0] == 200


@pytest.mark.timeout(240)
def test_motcua_up_says_at_start_when_the_face_models_cannot_load(tmp_path: Path) -> None:
    fake = tmp_path / "shadow" / "face_recognition_models"     # a models package without its model files
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    home, port = server_home("up-faces") / "home", free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    env.update(MOTCUA_HOME=str(home), PYTHONUNBUFFERED="1", PYTHONPATH=str(fake.parent))
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "up", "--demo", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_healthy(process, base)
        kiosk = json.loads((home / "secrets" / "demo-devices.json").read_text())["kiosk"]["token"]
        assert http("POST", f"{base}/api/identity/cccd", {"qr": VALID_1}, kiosk)[0] == 200
        status, body = http("POST", f"{base}/api/citizens", {"cccd": OBAMA_QR, "consent": True,
                                                             "photo": b64(b"\xff\xd8")}, kiosk)
        assert status == 503 and "shape_predictor" in body["error"]["message_en"]
    finally:
        output = stop(process)
    assert "CẢNH BÁO / WARNING" in output and "model file" in output and "503" in output
    assert (home / "secrets" / "identity-key").stat().st_mode & 0o777 == 0o600

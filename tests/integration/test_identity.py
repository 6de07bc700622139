"""The identity service through the HTTP API with real roles, NATS and PostgreSQL: ID cards, enrolment with and
without consent, encryption at rest, reading a citizen, erasure and the append-only audit log."""
from __future__ import annotations

import json
import uuid
from types import ModuleType

import aiohttp
import asyncpg
import numpy as np
import pytest
from PIL import Image

from services.identity.faces import encode_image_bytes
from services.identity.sealing import FaceSealer, Sealed
from services.system import Running
from tests.conftest import unique
from tests.integration.conftest import bearer, enrol as enrol_device, http, login, office  # noqa: F401
from tests.integration.identity_support import (  # noqa: F401  (fixtures)
    BIDEN_QR, OBAMA_QR, VALID_1, VALID_2, b64, call, database, enrol, face_lib, jpeg, photos, small_photos, system,
    two_people,
)
from tests.unit.test_cccd import REFUSALS, with_field


@pytest.mark.parametrize("qr", [VALID_1, VALID_2, OBAMA_QR])
async def test_a_valid_card_reads_as_its_fields(http: aiohttp.ClientSession, qr: str) -> None:
    status, card = await call(http, "POST", "/api/identity/cccd", json={"qr": qr})
    assert status == 200, card
    fields = qr.split("|")
    assert card["id_number"] == fields[0] and card["old_id_number"] == (fields[1] or None)
    assert card["name"] == fields[2] and card["sex"] == fields[4] and card["address"] == fields[5]
    assert card["birth_date"] == f"{fields[3][4:]}-{fields[3][2:4]}-{fields[3][:2]}"
    assert card["issue_date"] == f"{fields[6][4:]}-{fields[6][2:4]}-{fields[6][:2]}"


async def test_every_refusal_reaches_the_client_as_400_with_its_reason(http: aiohttp.ClientSession) -> None:
    one_per_reason: dict[str, tuple[str, str | None]] = {}
    for text, reason, field in REFUSALS:
        one_per_reason.setdefault(reason, (text, field))
    one_per_reason["future_date"] = (with_field(VALID_1, 6, "01012099"), "issue_date")   # future on any test day
    one_per_reason["mojibake"] = (VALID_2.encode().decode("cp1252", errors="replace").replace("\ufffd", "?"), None)
    for reason, (text, field) in one_per_reason.items():
        status, body = await call(http, "POST", "/api/identity/cccd", json={"qr": text})
        assert status == 400, (reason, body)
        error = body["error"]
        assert error["details"]["reason"] == reason, (reason, error)
        assert error["details"].get("field") == field, (reason, error)
        assert error["message"] and error["message_en"] and error["message"] != error["message_en"]
    status, body = await call(http, "POST", "/api/identity/cccd", json={})
    assert status == 400 and "qr" in body["error"]["message_en"]


async def test_cards_need_the_right_to_identify(system: Running, office: str) -> None:
    display = await enrol_device(system, office, "display")
    kiosk = await enrol_device(system, office, "kiosk")
    async with aiohttp.ClientSession(system.base_url) as s:
        assert (await call(s, "POST", "/api/identity/cccd", json={"qr": VALID_1}))[0] == 401
        status, body = await call(s, "POST", "/api/identity/cccd", json={"qr": VALID_1},
                                  headers=bearer(display["token"]))
        assert status == 403 and body["error"]["code"] == "forbidden"
        assert (await call(s, "POST", "/api/identity/cccd", json={"qr": VALID_1},
                           headers=bearer(kiosk["token"])))[0] == 200


async def test_without_consent_the_card_is_kept_and_no_face(system: Running, http: aiohttp.ClientSession,
                                                            photos: dict[str, bytes]) -> None:
    status, body = await enrol(http, VALID_2, photos["obama"], consent=False)
    assert status == 201, body
    assert body["face_enrolled"] is False and body["name"] == "Trần Thị B" and body["id_number"] == "079305000123"
    conn = await database(system)
    try:
        assert await conn.fetchval("SELECT count(*) FROM citizens") == 1
        assert await conn.fetchval("SELECT count(*) FROM face_encodings") == 0
        assert await conn.fetchval("SELECT count(*) FROM citizen_consents") == 0
        detail = json.loads(await conn.fetchval("SELECT detail FROM citizen_audit WHERE action = 'enrol'"))
        assert detail["photo_discarded"] is True and detail["consent"] is False
    finally:
        await conn.close()
    status, body = await enrol(http, VALID_1, None, consent=True)      # consent, but no photo
    assert status == 400 and body["error"]["details"]["reason"] == "no_photo"


async def test_with_consent_the_face_is_stored_encrypted(system: Running, office: str, face_lib: ModuleType,
                                                         photos: dict[str, bytes]) -> None:
    clerk = await login(system, unique("cl"), "clerk", office, "1")
    async with aiohttp.ClientSession(system.base_url, headers=bearer(clerk)) as s:
        status, body = await enrol(s, OBAMA_QR, photos["obama"])
    assert status == 201, body
    assert body["face_enrolled"] is True and body["name"] == "Barack Obama" and body["created"] is True
    plain = encode_image_bytes(photos["obama"]).encoding
    assert plain is not None
    conn = await database(system)
    try:
        row = await conn.fetchrow("SELECT f.key_id, f.nonce, f.ciphertext, c.purpose, c.office_id, c.granted_by,"
                                  " c.granted_at FROM face_encodings f JOIN citizen_consents c ON c.id = f.consent_id"
                                  " WHERE f.citizen_id = $1", uuid.UUID(body["citizen_id"]))
    finally:
        await conn.close()
    ciphertext = bytes(row["ciphertext"])
    assert len(ciphertext) == 128 * 4 + 16                   # AES-GCM: the 512 bytes and a 16-byte tag
    assert plain.astype("<f4").tobytes() not in ciphertext and plain.astype("<f4").tobytes()[:16] not in ciphertext
    assert row["purpose"] == "queue_identification" and row["office_id"] == office and row["granted_at"]
    assert row["granted_by"].startswith("user:")
    sealer = FaceSealer(system.settings.identity_keys())
    assert row["key_id"] == sealer.current
    opened = sealer.open(body["citizen_id"], Sealed(row["key_id"], bytes(row["nonce"]), ciphertext))
    assert np.allclose(opened, plain, atol=1e-6)


async def test_reenrolling_updates_the_same_citizen(system: Running, http: aiohttp.ClientSession,
                                                    face_lib: ModuleType, photos: dict[str, bytes]) -> None:
    first = (await enrol(http, OBAMA_QR, None, consent=False))[1]
    moved = OBAMA_QR.replace("Hà Nội", "Đà Nẵng").replace("01012022", "01012024")
    status, second = await enrol(http, moved, photos["obama"])
    assert status == 200 and second["created"] is False and second["citizen_id"] == first["citizen_id"]
    assert second["face_enrolled"] is True
    status, older = await enrol(http, OBAMA_QR, None, consent=False)     # the old card changes nothing
    assert status == 200 and older["face_enrolled"] is True                # and the earlier consent still holds
    status, card = await call(http, "GET", f"/api/citizens/{first['citizen_id']}")
    assert status == 200 and card["address"] == "Đà Nẵng" and card["issue_date"] == "2024-01-01"


async def test_a_photo_without_one_clear_face_is_refused(http: aiohttp.ClientSession, face_lib: ModuleType,
                                                         small_photos: dict) -> None:
    blank = jpeg(Image.new("RGB", (640, 480), (200, 190, 180)))
    status, body = await enrol(http, OBAMA_QR, blank)
    assert status == 400 and body["error"]["details"]["reason"] == "no_face", body
    status, body = await enrol(http, OBAMA_QR, two_people(small_photos["obama"], small_photos["biden"]))
    assert status == 400 and body["error"]["details"]["reason"] == "several_faces", body
    status, body = await call(http, "POST", "/api/citizens", json={"cccd": OBAMA_QR, "consent": True,
                                                                   "photo": "không phải base64"})
    assert status == 400 and body["error"]["details"]["reason"] == "bad_base64"
    status, body = await enrol(http, OBAMA_QR, b"GIF89a not really")
    assert status == 400 and body["error"]["details"]["reason"] in ("not_an_image", "damaged")
    status, body = await call(http, "GET", "/api/citizens/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12)
    assert status == 404
    status, body = await enrol(http, OBAMA_QR, b"\xff\xd8" + bytes(5 * 1024 * 1024))   # over 5 MiB once decoded
    # 5 MiB, or less where the NATS server takes less in one message (the machine's nats-server: 1 MiB)
    assert status == 413 and 0 < body["error"]["details"]["limit_bytes"] <= 5 * 1024 * 1024
    status, body = await call(http, "POST", "/api/citizens", data=b'{"cccd": "' + b" " * (7 * 1024 * 1024) + b'"}',
                              headers={"Content-Type": "application/json"})
    assert status == 413 and body["error"]["code"] == "payload_too_large"                # the edge's own limit


async def test_reads_and_uses_are_audited_and_the_log_cannot_change(system: Running, office: str, face_lib: ModuleType,
                                                                     photos: dict[str, bytes]) -> None:
    admin = await login(system, unique("ad"), "admin")
    clerk = await login(system, unique("cl"), "clerk", office, "1")
    kiosk = await enrol_device(system, office, "kiosk")
    async with aiohttp.ClientSession(system.base_url) as s:
        status, body = await call(s, "POST", "/api/citizens", headers=bearer(kiosk["token"]),
                                  json={"cccd": BIDEN_QR, "consent": True, "photo": b64(photos["biden"])})
        assert status == 201, body
        citizen = body["citizen_id"]
        status, _ = await call(s, "POST", f"/api/offices/{office}/identify", data=photos["biden"],
                               headers={**bearer(kiosk["token"]), "Content-Type": "image/jpeg"})
        assert status == 200
        assert (await call(s, "GET", f"/api/citizens/{citizen}", headers=bearer(clerk)))[0] == 200
        assert (await call(s, "GET", f"/api/citizens/{citizen}", headers=bearer(kiosk["token"])))[0] == 403
        assert (await call(s, "GET", f"/api/citizens/{citizen}/audit", headers=bearer(clerk)))[0] == 403
        assert (await call(s, "DELETE", f"/api/citizens/{citizen}/face", headers=bearer(kiosk["token"])))[0] == 403
        status, erased = await call(s, "DELETE", f"/api/citizens/{citizen}/face", headers=bearer(clerk))
        assert status == 200 and erased["erased"] is True and erased["consents_withdrawn"] == 1
        status, log = await call(s, "GET", f"/api/citizens/{citizen}/audit", headers=bearer(admin))
    assert status == 200
    entries = log["entries"]
    assert [e["action"] for e in entries] == ["enrol", "identify", "read", "erase"]
    enrol_entry, identify_entry, read_entry, erase_entry = entries
    assert enrol_entry["who"]["type"] == "device" and enrol_entry["who"]["id"] == kiosk["id"]
    assert identify_entry["outcome"] == "match" and identify_entry["purpose"] == "queue_identification"
    assert identify_entry["detail"]["distance"] < 0.1
    assert read_entry["who"]["type"] == "user" and read_entry["purpose"] == "counter_service"
    assert erase_entry["outcome"] == "erased" and erase_entry["purpose"] == "consent_withdrawn"
    assert all(e["office"] == office and e["at"] for e in entries)
    conn = await database(system)
    try:
        assert await conn.fetchval("SELECT count(*) FROM citizen_audit WHERE action = 'audit_read'") == 1
        assert await conn.fetchval("SELECT withdrawn_by FROM citizen_consents") is not None
        for sql in ("UPDATE citizen_audit SET purpose = 'x'", "DELETE FROM citizen_audit",
                    "TRUNCATE citizen_audit", "DELETE FROM citizen_consents",
                    "UPDATE citizen_consents SET purpose = 'marketing'"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only|only a withdrawal"):
                await conn.execute(sql)
        assert await conn.fetchval("SELECT count(*) FROM citizen_audit") == 5
    finally:
        await conn.close()

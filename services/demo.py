"""The demo office: realistic services and five counters, seeded by `motcua up --demo`."""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

from services import messages as m
from services.bus import Bus
from services.accounts.seed import DEMO_PROVINCE
from services.domain.access import SYSTEM

log = logging.getLogger(__name__)

DEMO_OFFICE = "demo"


def _p(code: str, name: str, name_en: str, icon: str, *, popular: bool = False,
       fee: int | None = None) -> dict[str, object]:
    return {"code": code, "name": name, "name_en": name_en, "icon": icon, "popular": popular, "fee": fee}


DEMO = m.ConfigureOffice(
    office=DEMO_OFFICE,
    name="Trung tâm Phục vụ hành chính công xã Demo",
    timezone="Asia/Ho_Chi_Minh",
    # Open all day, so the demo works whenever someone tries it (a real office closes at, say, 17:30, and its
    # unfinished tickets expire then). The bank account is fictional.
    settings={"no_show_grace_s": 600, "default_service_s": 300,
              "fair_normal": 2, "fair_priority": 1, "fair_after_wait_s": 600,
              "opening_time": "00:00", "closing_time": "23:59",
              # Its province's manager (`lanhdaotinh`) reads its figures beside the province's other offices.
              "province": {"code": DEMO_PROVINCE, "name": "Tỉnh Demo"},
              "bank": {"bin": "970436", "account": "0011000123456", "name": "UBND XA DEMO - THU PHI"}},
    # Procedures as the national catalogue names them, each with a pictogram the kiosk draws; the most common ones
    # ("popular") fill the kiosk's first screen. Tư pháp holds a single procedure, so its field goes straight to
    # the confirmation (the kiosk skips every step that offers one choice). `fee`: the usual charge the counter's fee
    # dialog suggests (the clerk adjusts it, e.g. per page copied); the schedules' amounts, for the demo only.
    services=[
        {"code": "HT", "name": "Hộ tịch", "name_en": "Civil status", "field": "Hộ tịch", "icon": "family",
         "procedures": [
             _p("HT-KS", "Đăng ký khai sinh", "Birth registration", "birth", popular=True),
             _p("HT-KH", "Đăng ký kết hôn", "Marriage registration", "marriage", popular=True),
             _p("HT-KT", "Đăng ký khai tử", "Death registration", "death"),
             _p("HT-HN", "Xác nhận tình trạng hôn nhân", "Certificate of marital status", "document"),
             _p("HT-TL", "Trích lục hộ tịch (cấp bản sao)", "Copy of a civil status record", "copy", fee=8_000),
         ]},
        {"code": "CT", "name": "Chứng thực", "name_en": "Certification", "field": "Chứng thực", "icon": "copy",
         "procedures": [
             _p("CT-BS", "Chứng thực bản sao từ bản chính", "Certified copy from the original", "copy", popular=True,
                fee=2_000),
             _p("CT-CK", "Chứng thực chữ ký", "Signature attestation", "signature", popular=True,
                fee=10_000),
             _p("CT-HD", "Chứng thực hợp đồng, giao dịch", "Attestation of a contract or transaction", "document",
                fee=50_000),
         ]},
        {"code": "DD", "name": "Đất đai", "name_en": "Land", "field": "Đất đai", "icon": "land",
         "procedures": [
             _p("DD-GCN", "Cấp giấy chứng nhận quyền sử dụng đất", "Land use right certificate", "land",
                popular=True),
             _p("DD-BD", "Đăng ký biến động đất đai", "Registration of a change of land", "land"),
         ]},
        {"code": "TP", "name": "Tư pháp", "name_en": "Justice", "field": "Tư pháp", "icon": "justice",
         "procedures": [
             _p("TP-LL", "Cấp phiếu lý lịch tư pháp", "Criminal record certificate", "justice", fee=200_000),
         ]},
        {"code": "LD", "name": "Lao động – Thương binh và Xã hội", "name_en": "Labour, invalids and social affairs",
         "field": "Lao động – Thương binh và Xã hội", "icon": "social",
         "procedures": [
             _p("LD-TC", "Trợ cấp xã hội hằng tháng", "Monthly social allowance", "social"),
             _p("LD-NCC", "Xác nhận người có công với cách mạng", "Certification of people with meritorious service",
                "labour"),
             _p("LD-BHYT", "Cấp thẻ bảo hiểm y tế cho đối tượng bảo trợ xã hội",
                "Health insurance card for people on social protection", "health"),
         ]},
    ],
    counters=[
        {"id": "1", "name": "Quầy 1", "services": ["HT", "TP"]},
        {"id": "2", "name": "Quầy 2", "services": ["CT"]},
        {"id": "3", "name": "Quầy 3", "services": ["CT", "HT"]},
        {"id": "4", "name": "Quầy 4", "services": ["DD"]},
        {"id": "5", "name": "Quầy 5", "services": ["LD", "TP"]},
    ],
)


async def seed_demo(bus: Bus, patience_s: float = 60.0) -> bool:
    """Create the demo office if absent; return True when it was created. A ticketing service that has only just
    started (or is slow on a loaded machine) is asked again, for up to `patience_s`: configuring is idempotent."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            return await _seed_once(bus)
        except m.ServiceError as exc:
            if exc.code not in ("unavailable", "timeout") or time.monotonic() > deadline:
                raise
            log.info("demo: ticketing not answering yet (%s); asking again", exc.code)
            await asyncio.sleep(0.5)


async def _seed_once(bus: Bus) -> bool:
    try:
        await bus.request(m.GetOffice(office=DEMO_OFFICE))
        return False
    except m.ServiceError as exc:
        if exc.code != "not_found":
            raise
    await bus.request(replace(DEMO, actor=SYSTEM.as_dict()))
    return True

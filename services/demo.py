"""The demo office: realistic services and five counters, seeded by `motcua up --demo`."""
from __future__ import annotations

from services import messages as m
from services.bus import Bus

DEMO_OFFICE = "demo"

DEMO = m.ConfigureOffice(
    office=DEMO_OFFICE,
    name="Trung tâm Phục vụ hành chính công xã Demo",
    timezone="Asia/Ho_Chi_Minh",
    settings={"no_show_grace_s": 600, "default_service_s": 300,
              "fair_normal": 2, "fair_priority": 1, "fair_after_wait_s": 600},
    services=[
        {"code": "HT", "name": "Hộ tịch", "name_en": "Civil status", "field": "Hộ tịch"},
        {"code": "CT", "name": "Chứng thực", "name_en": "Certification", "field": "Chứng thực"},
        {"code": "DD", "name": "Đất đai", "name_en": "Land", "field": "Đất đai"},
        {"code": "TP", "name": "Tư pháp", "name_en": "Justice", "field": "Tư pháp"},
        {"code": "LD", "name": "Lao động – Thương binh và Xã hội", "name_en": "Labour, invalids and social affairs",
         "field": "Lao động – Thương binh và Xã hội"},
    ],
    counters=[
        {"id": "1", "name": "Quầy 1", "services": ["HT", "TP"]},
        {"id": "2", "name": "Quầy 2", "services": ["CT"]},
        {"id": "3", "name": "Quầy 3", "services": ["CT", "HT"]},
        {"id": "4", "name": "Quầy 4", "services": ["DD"]},
        {"id": "5", "name": "Quầy 5", "services": ["LD", "TP"]},
    ],
)


async def seed_demo(bus: Bus) -> bool:
    """Create the demo office if absent; return True when it was created."""
    try:
        await bus.request(m.GetOffice(office=DEMO_OFFICE))
        return False
    except m.ServiceError as exc:
        if exc.code != "not_found":
            raise
    await bus.request(DEMO)
    return True

"""Numbers restart at the office's local midnight (UTC+7), not at UTC midnight."""
from __future__ import annotations

from datetime import datetime, timezone

from services import messages as m
from services.system import Running
from tests.conftest import FakeClock
from tests.integration.conftest import ask


async def numbers(system: Running, office: str, count: int) -> list[str]:
    return [(await ask(system, m.IssueTicket(office=office, service="HT")))["number"] for _ in range(count)]


async def test_numbering_restarts_at_local_midnight(system: Running, office: str, clock: FakeClock) -> None:
    clock.fixed = datetime(2026, 11, 23, 16, 59, 50, tzinfo=timezone.utc)  # 23:59:50 in Ha Noi
    assert await numbers(system, office, 2) == ["HT-001", "HT-002"]
    clock.fixed = datetime(2026, 11, 23, 17, 0, 5, tzinfo=timezone.utc)  # 00:00:05 the next local day
    assert await numbers(system, office, 2) == ["HT-001", "HT-002"]


async def test_utc_midnight_does_not_restart_numbering(system: Running, office: str, clock: FakeClock) -> None:
    clock.fixed = datetime(2026, 11, 23, 23, 59, 50, tzinfo=timezone.utc)  # 06:59:50 local
    assert await numbers(system, office, 1) == ["HT-001"]
    clock.fixed = datetime(2026, 11, 24, 0, 0, 10, tzinfo=timezone.utc)   # 07:00:10 local, same day
    assert await numbers(system, office, 1) == ["HT-002"]


async def test_an_office_in_another_zone_turns_at_its_own_midnight(system: Running, clock: FakeClock) -> None:
    await ask(system, m.ConfigureOffice(
        office="zone-test-" + str(id(clock)), name="Văn phòng thử múi giờ", timezone="Asia/Tokyo",
        services=[{"code": "HT", "name": "Hộ tịch"}], counters=[]))
    office = "zone-test-" + str(id(clock))
    clock.fixed = datetime(2026, 11, 23, 14, 59, 0, tzinfo=timezone.utc)  # 23:59 in Tokyo
    assert await numbers(system, office, 1) == ["HT-001"]
    clock.fixed = datetime(2026, 11, 23, 15, 1, 0, tzinfo=timezone.utc)   # 00:01 in Tokyo
    assert await numbers(system, office, 1) == ["HT-001"]


async def test_a_ticket_left_from_yesterday_can_still_be_called(system: Running, office: str,
                                                               clock: FakeClock) -> None:
    clock.fixed = datetime(2026, 11, 23, 16, 59, 0, tzinfo=timezone.utc)
    old = await ask(system, m.IssueTicket(office=office, service="HT"))
    clock.fixed = datetime(2026, 11, 23, 17, 1, 0, tzinfo=timezone.utc)
    new = await ask(system, m.IssueTicket(office=office, service="HT"))
    assert old["number"] == new["number"] == "HT-001" and old["id"] != new["id"]
    called = await ask(system, m.CallNext(office=office, counter="2"))
    assert called["ticket"]["id"] == old["id"]  # the longest wait, whatever the day

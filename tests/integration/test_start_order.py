"""Starting in any order: a command sent the moment a service says it is ready finds it, and the demo seed of
`motcua up` waits for a ticketing service that is still starting (on a loaded machine its first answer can be
late) instead of ending `motcua up` with a traceback."""
from __future__ import annotations

import asyncio
from dataclasses import replace

from services import messages as m
from services.config import Settings
from services.demo import DEMO_OFFICE, seed_demo
from services.system import bus_connection, database
from services.ticketing.service import run_ticketing
from tests.conftest import unique


def own(infra: Settings) -> Settings:
    return replace(infra, db_schema=unique("t_"), subject_prefix=unique("t"))


async def test_a_command_sent_as_soon_as_ticketing_is_ready_is_answered(infra: Settings) -> None:
    settings = own(infra)
    async with database(settings) as pool, bus_connection(settings, "ticketing") as served, \
            bus_connection(settings, "system") as caller:
        for _ in range(40):                    # each time a fresh subscription, asked at once
            async with run_ticketing(served, pool):
                try:
                    await caller.request(m.GetOffice(office=unique("o")))
                except m.ServiceError as exc:
                    assert exc.code == "not_found", exc          # answered, not "no responders"


async def test_the_demo_seed_waits_for_a_ticketing_service_still_starting(infra: Settings) -> None:
    settings = own(infra)
    async with database(settings) as pool, bus_connection(settings, "system") as caller, \
            bus_connection(settings, "ticketing") as served:
        seeding = asyncio.create_task(seed_demo(caller, patience_s=30))
        await asyncio.sleep(1.5)                                  # nobody serves ticketing yet
        assert not seeding.done()
        async with run_ticketing(served, pool):
            assert await asyncio.wait_for(seeding, 20) is True
            assert (await caller.request(m.GetOffice(office=DEMO_OFFICE)))["id"] == DEMO_OFFICE
            assert await seed_demo(caller) is False               # seeded once


async def test_the_demo_seed_gives_up_with_a_clear_error_after_its_patience(infra: Settings) -> None:
    async with bus_connection(own(infra), "system") as caller:
        try:
            await seed_demo(caller, patience_s=1)
        except m.ServiceError as exc:
            assert exc.code == "unavailable" and "ticketing" in exc.message_en
        else:
            raise AssertionError("seeded without a ticketing service")

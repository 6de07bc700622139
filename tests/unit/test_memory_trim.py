import asyncio

import pytest

from services.live import memory


@pytest.fixture
def trims(monkeypatch):
    calls = []
    monkeypatch.setattr(memory, "give_back", lambda: calls.append(asyncio.get_running_loop().time()))
    monkeypatch.setattr(memory, "QUIET_S", 0.05)
    monkeypatch.setattr(memory, "TRIM_EVERY_S", 0.3)
    return calls


async def test_a_wave_of_closes_is_trimmed_once_after_it_passes(trims):
    trimmer = memory.Trimmer()
    for _ in range(memory.CLOSES_BEFORE_TRIM * 3):
        trimmer.closed()
    await asyncio.sleep(0.02)
    assert trims == []                       # still in the wave
    await asyncio.sleep(0.1)
    assert len(trims) == 1


async def test_a_few_closes_are_not_worth_a_trim(trims):
    trimmer = memory.Trimmer()
    for _ in range(memory.CLOSES_BEFORE_TRIM - 1):
        trimmer.closed()
    await asyncio.sleep(0.1)
    assert trims == []


async def test_trims_are_spaced(trims):
    trimmer = memory.Trimmer()
    trimmer.soon()
    await asyncio.sleep(0.08)
    trimmer.soon()
    await asyncio.sleep(0.1)
    assert len(trims) == 1                   # the second waits for TRIM_EVERY_S
    await asyncio.sleep(0.25)
    assert len(trims) == 2
    assert trims[1] - trims[0] >= 0.29


def test_give_back_runs_here():
    memory.give_back()                       # glibc here: malloc_trim found and called without error
    assert memory._MALLOC_TRIM is not None

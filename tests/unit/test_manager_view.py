"""The manager's view, pure parts: the office now from the live read model (waits, alerts, counters and clerks),
where each person lands after logging in, and the daily report's markup."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from display.manage import report
from services import messages as m
from services.live.manager import counter_state, live_state
from services.live.queue import OfficeQueue
from services.screens.login import home_of
from tests.unit.test_live_queue import T0, event, state, ticket

CLERK = {"type": "user", "id": "u1", "name": "canbo1", "role": "clerk", "office": "o"}


def test_waits_are_counted_from_the_oldest_ticket_of_each_service_and_alert_past_the_threshold() -> None:
    q = OfficeQueue(state())
    for n, minutes, priority in ((1, 0, None), (2, 5, "elderly"), (3, 12, None)):
        q.apply(event("ticket.issued", ticket(n, minutes=minutes, priority=priority)))
    q.apply(event("ticket.issued", ticket(4, service="CT", minutes=20)))
    now = T0 + timedelta(minutes=31)
    office = live_state(q, now, wait_alert_s=1800)
    ht, ct = office["services"]
    assert (ht["waiting"], ht["priority_waiting"], ht["longest_wait_s"]) == (3, 1, 31 * 60)
    assert ht["oldest_queued_at"] == T0.isoformat() and ht["alert"] is True
    assert (ct["waiting"], ct["longest_wait_s"], ct["alert"]) == (1, 11 * 60, False)
    assert office["waiting"] == 4 and office["alerts"] == [{"service": "HT", "name": "Hộ tịch",
                                                             "longest_wait_s": 31 * 60}]
    assert live_state(q, now, wait_alert_s=1900)["alerts"] == []
    empty = live_state(OfficeQueue(state()), now, 1800)["services"][0]
    assert (empty["waiting"], empty["longest_wait_s"], empty["alert"]) == (0, None, False)


def test_each_counter_says_what_it_does_since_when_and_who_works_there() -> None:
    q = OfficeQueue(state())
    first = ticket(1)
    q.apply(event("ticket.issued", first))
    called = {**first, "status": "called", "counter": "1", "called_at": (T0 + timedelta(minutes=2)).isoformat(),
              "version": 2}
    q.apply(replace(event("ticket.called", called), actor=CLERK))
    q.apply(replace(m.EVENTS["counter.paused"](office="o", counter="2", txid=300), actor={**CLERK, "name": "canbo2"}))
    one, two = live_state(q, T0 + timedelta(minutes=3), 1800)["counters"]
    assert (one["state"], one["number"], one["since"], one["clerk"]) == ("called", "HT-001", called["called_at"],
                                                                         "canbo1")
    assert (two["state"], two["number"], two["clerk"], two["paused"]) == ("paused", None, "canbo2", True)
    serving = {**called, "status": "serving", "started_at": (T0 + timedelta(minutes=4)).isoformat(), "version": 3}
    assert counter_state({"current": serving, "paused": True}) == {
        "state": "serving", "number": "HT-001", "service": "HT", "since": serving["started_at"]}
    assert counter_state({"current": None, "paused": False})["state"] == "idle"
    # A device acting (a kiosk issuing) is nobody's clerk.
    q.apply(replace(event("ticket.issued", ticket(2)), actor={"type": "device", "name": "kiosk", "kind": "kiosk"}))
    assert q.clerks == {"1": "canbo1", "2": "canbo2"}


def test_each_person_lands_on_their_own_screen() -> None:
    assert home_of("clerk", "o", "3") == "/counter/o/3"
    assert home_of("clerk", "o", None) == "/counter/o"
    assert home_of("manager", "o", None) == "/manage/o"
    assert home_of("manager", None, None, "ha-noi") == "/manage/province/ha-noi"
    assert home_of("manager", "o", None, "ha-noi") == "/manage/o"          # an office of their own comes first
    assert home_of("admin", None, None) == "/manage/"
    assert home_of(None, None, None) == "/login"


def figures(**extra: Any) -> dict[str, Any]:
    none = {"issued": 0, "served": 0, "no_show": 0, "wait_s": {"avg": None, "p90": None},
            "service_s": {"avg": None, "p90": None}, "satisfaction": {"votes": 0}}
    return {"office": "o", "issued": 12, "served": 9, "no_show": 1, "cancelled": 1, "expired": 0, "transferred": 2,
            "wait_s": {"avg": 725.4, "p90": 1805, "max": 3725, "over_alert": 1},
            "service_s": {"avg": 300, "p90": 480}, "wait_alert_s": 1800, "rating_scale": 5,
            "ratings": {"1": 0, "2": 1, "3": 0, "4": 2, "5": 1},
            "satisfaction": {"votes": 4, "mean": 3.75, "satisfied_share": 0.75},
            "reasons": {"waited_too_long": 1},
            "by_service": {"HT": {**none, "name": "Hộ tịch <b>", "issued": 12}}, "by_counter": {}, "by_clerk": {},
            "by_hour": {"8": {**none, "issued": 12}}, **extra}


def test_the_daily_report_writes_the_figures_in_vietnamese_first_and_escapes_names() -> None:
    body = report.body(figures(), {"services": [{"code": "HT", "name_en": "Civil status"}]})
    assert '<div class="kpi-value">12:05</div><div class="kpi-label">Chờ trung bình' in body
    assert '<div class="kpi-value">1:02:05</div><div class="kpi-label">Chờ lâu nhất' in body
    assert "Chờ quá 30 phút" in body and "Hộ tịch &lt;b&gt;" in body and "<b>75,0 %</b>" in body
    assert "Chờ quá lâu<span class=\"en\">Waited too long</span></td><td>1</td>" in body
    assert "Không có số liệu" in body                          # no counter, no clerk: said, not left blank
    assert "<b>3,8/5</b>" in body
    assert report.day_vi("2026-03-10") == "Thứ Ba, ngày 10 tháng 03 năm 2026"
    assert report.duration(None) == "—" and report.number(12345) == "12.345" and report.share(1, 3) == "33,3 %"

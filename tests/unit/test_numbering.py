"""Numbering: the local day (UTC+7, no DST) and the printable form."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.domain.errors import InvalidInput
from services.domain.numbering import NumberFormat, local_day

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_local_day_turns_at_local_midnight_not_utc_midnight() -> None:
    assert local_day(datetime(2026, 11, 23, 16, 59, 59, tzinfo=timezone.utc), VN) == date(2026, 11, 23)
    assert local_day(datetime(2026, 11, 23, 17, 0, 0, tzinfo=timezone.utc), VN) == date(2026, 11, 24)
    # UTC midnight is 07:00 in Ha Noi: the same local day on both sides.
    assert local_day(datetime(2026, 11, 23, 23, 59, tzinfo=timezone.utc), VN) == date(2026, 11, 24)
    assert local_day(datetime(2026, 11, 24, 0, 1, tzinfo=timezone.utc), VN) == date(2026, 11, 24)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError):
        local_day(datetime(2026, 1, 1), VN)


def test_prefix_format() -> None:
    fmt = NumberFormat(prefix="HT", width=3)
    assert [fmt.label(n) for n in (1, 15, 999, 1000)] == ["HT-001", "HT-015", "HT-999", "HT-1000"]


def test_numeric_range_format() -> None:
    assert NumberFormat(prefix=None, start=1000).label(23) == "1023"


@pytest.mark.parametrize("kwargs", [{"prefix": "ht"}, {"prefix": "TOO-LONG"}, {"prefix": ""},
                                    {"prefix": "HT", "width": 0}, {"prefix": None, "start": -1}])
def test_bad_formats_are_refused(kwargs: dict) -> None:
    with pytest.raises(InvalidInput):
        NumberFormat(**kwargs)


@given(st.integers(1, 10**6 - 1), st.integers(1, 10**6 - 1))
def test_labels_are_distinct_and_ordered_like_sequences(a: int, b: int) -> None:
    fmt = NumberFormat(prefix="CT", width=6)
    assert (fmt.label(a) == fmt.label(b)) == (a == b)
    assert (fmt.label(a) < fmt.label(b)) == (a < b)

"""Estimated wait for a new ticket, from recent service times and open counters."""
from __future__ import annotations

import math
import statistics
from typing import Sequence


def typical_service_s(recent_durations_s: Sequence[float], default_s: float) -> float:
    """Median of recent service durations (robust to one forgotten 'complete'), else the default."""
    usable = [d for d in recent_durations_s if d > 0]
    if len(usable) < 3:
        # Too few samples: blend with the configured default so one quick visit
        # does not promise everyone a zero wait.
        return (sum(usable) + default_s * (3 - len(usable))) / 3
    return statistics.median(usable)


def estimate_wait_s(
    ahead: int, recent_durations_s: Sequence[float], open_counters: int, default_s: float
) -> int:
    """Seconds until a ticket with `ahead` people before it is likely called."""
    if ahead <= 0:
        return 0
    counters = max(open_counters, 1)
    return int(math.ceil(ahead * typical_service_s(recent_durations_s, default_s) / counters))

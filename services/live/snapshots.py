"""Which committed transactions a database snapshot reflects.

A read model starts from a snapshot (GetQueue answers `pg_current_snapshot()` as "xmin:xmax:xip,...") and then
applies events; each event carries the id of the transaction that committed it (`txid`). An event whose
transaction the snapshot already shows must be skipped, or it would be counted twice; any other must be applied,
however late the relay publishes it. PostgreSQL's rule: a committed transaction is visible in a snapshot when its id
is below xmin, or below xmax and not in the in-progress list.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TxSnapshot:
    xmin: int
    xmax: int
    in_progress: frozenset[int]

    @classmethod
    def parse(cls, text: str) -> "TxSnapshot":
        try:
            xmin, xmax, xip = text.split(":")
            return cls(int(xmin), int(xmax), frozenset(int(x) for x in xip.split(",") if x))
        except (ValueError, AttributeError) as exc:
            raise ValueError(f"not a PostgreSQL snapshot: {text!r}") from exc

    def shows(self, txid: int | None) -> bool:
        """True when the (committed) transaction `txid` is reflected in this snapshot."""
        if txid is None:
            return False
        if txid < self.xmin:
            return True
        return txid < self.xmax and txid not in self.in_progress

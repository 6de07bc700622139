"""Matching one bank transfer to the fee it pays: a small pure function and its table.

| transfer / fees                                         | outcome               | fee  |
|---------------------------------------------------------|-----------------------|------|
| direction "out" (the office paid someone)               | `outgoing`            | -    |
| no known fee reference in the content                   | `unmatched`           | -    |
| references of two or more different fees                | `duplicate_reference` | -    |
| one fee, already paid by this very transfer (a retry)   | `repeat`              | fee  |
| one fee, paid by another transfer, cancelled or expired | `late`                | fee  |
|   (or the transfer happened after the fee's deadline)   |                       |      |
| one fee, open, amount lower                             | `underpaid`           | fee  |
| one fee, open, amount higher                            | `overpaid`            | fee  |
| one fee, open, amount exactly equal                     | `paid`                | fee  |

Only `paid` changes a fee. `outgoing` and `repeat` need nothing; every other outcome is kept
for a clerk to settle (refund, ask for the rest, ...). References that look like fee codes
but belong to no known fee are ignored, so chance look-alikes in the text do no harm.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Iterable, Literal

from .fee_references import find_references

if TYPE_CHECKING:
    from .bank_notices import BankTransfer

FeeStatus = Literal["open", "paid", "cancelled", "expired"]
OutcomeKind = Literal["paid", "unmatched", "underpaid", "overpaid", "late", "duplicate_reference",
                      "outgoing", "repeat"]

OUTCOMES: dict[str, tuple[str, str]] = {
    "paid": ("Đã thanh toán đủ", "Paid in full"),
    "unmatched": ("Không tìm thấy mã phí trong nội dung chuyển khoản", "No fee reference found in the transfer"),
    "underpaid": ("Chuyển thiếu tiền so với phí", "Less than the fee was transferred"),
    "overpaid": ("Chuyển thừa tiền so với phí", "More than the fee was transferred"),
    "late": ("Phí đã được trả, đã huỷ hoặc đã hết hạn", "The fee was already paid, cancelled or expired"),
    "duplicate_reference": ("Nội dung có mã của nhiều khoản phí", "The transfer names several fees"),
    "outgoing": ("Giao dịch chuyển đi, không phải nộp phí", "Outgoing transfer, not a fee payment"),
    "repeat": ("Thông báo lặp lại của giao dịch đã ghi nhận", "Repeated notice of a transfer already recorded"),
}


@dataclass(frozen=True)
class FeeDue:
    """A fee the office asked for, as the matcher needs it."""

    fee_id: str
    reference: str
    amount: int  # VND
    status: FeeStatus = "open"
    expires_at: datetime | None = None  # aware
    paid_by: str | None = None  # BankTransfer.key of the transfer that paid it

    def __post_init__(self) -> None:
        if self.status not in ("open", "paid", "cancelled", "expired"):
            raise ValueError(f"unknown fee status {self.status!r}")
        if self.expires_at is not None and self.expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    fee: FeeDue | None = None
    references: tuple[str, ...] = ()  # known fee references found in the content

    @property
    def needs_attention(self) -> bool:
        """True when a person has to settle it (refund, ask for the rest, find the payer)."""
        return self.kind not in ("paid", "outgoing", "repeat")

    @property
    def message_vi(self) -> str:
        return OUTCOMES[self.kind][0]

    @property
    def message_en(self) -> str:
        return OUTCOMES[self.kind][1]


def match_transfer(transfer: BankTransfer, fee_candidates: Iterable[FeeDue]) -> Outcome:
    """The outcome of `transfer` against the fees it might pay (see the table above)."""
    if transfer.direction == "out":
        return Outcome("outgoing")
    fees = list(fee_candidates)
    known = {fee.reference for fee in fees}
    references = tuple(r for r in find_references(transfer.content) if r in known)
    named = [fee for fee in fees if fee.reference in references]
    if not named:
        return Outcome("unmatched")
    if len(named) > 1:
        return Outcome("duplicate_reference", references=references)
    fee = named[0]
    if fee.status == "paid" and fee.paid_by == transfer.key:
        return Outcome("repeat", fee, references)
    if fee.status != "open" or (fee.expires_at is not None and transfer.occurred_at > fee.expires_at):
        return Outcome("late", fee, references)
    if transfer.amount < fee.amount:
        return Outcome("underpaid", fee, references)
    if transfer.amount > fee.amount:
        return Outcome("overpaid", fee, references)
    return Outcome("paid", fee, references)

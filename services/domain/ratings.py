"""Satisfaction votes: the office's scale, the reasons an unhappy citizen may give, and when a ticket may be rated."""
from __future__ import annotations

from datetime import date
from typing import Any, Sequence

from .errors import Conflict, InvalidInput

# Reason codes, as the API takes them, with what the tablet shows.
REASONS: dict[str, tuple[str, str]] = {
    "waited_too_long": ("Chờ quá lâu", "Waited too long"),
    "attitude": ("Thái độ chưa tốt", "Staff attitude"),
    "extra_papers": ("Yêu cầu giấy tờ ngoài quy định", "Asked for papers beyond the rules"),
    "slow_handling": ("Giải quyết chậm", "Slow handling"),
    "other": ("Lý do khác", "Other"),
}

# The levels of each scale, best last (level = position + 1); the faces the tablet draws follow the same order.
LEVELS: dict[int, tuple[tuple[str, str], ...]] = {
    5: (("Rất không hài lòng", "Very dissatisfied"), ("Không hài lòng", "Dissatisfied"),
        ("Bình thường", "Neutral"), ("Hài lòng", "Satisfied"), ("Rất hài lòng", "Very satisfied")),
    3: (("Không hài lòng", "Dissatisfied"), ("Bình thường", "Neutral"), ("Hài lòng", "Satisfied")),
}


def levels(scale: int) -> list[dict[str, Any]]:
    """The levels of `scale` for a page: [{"level", "name", "name_en", "unhappy"}], best first."""
    return [{"level": i + 1, "name": vi, "name_en": en, "unhappy": is_unhappy(i + 1, scale)}
            for i, (vi, en) in reversed(list(enumerate(LEVELS[scale])))]


def is_unhappy(level: int, scale: int) -> bool:
    """The levels below the middle: the tablet then offers the reasons."""
    return level <= (scale - 1) // 2


def satisfied(level: int, scale: int) -> bool:
    """The levels above the middle (what provinces count as satisfied)."""
    return level > (scale + 1) // 2


def check_vote(level: Any, reasons: Any, scale: int) -> tuple[int, list[str]]:
    """Validate a vote against the office's scale; returns (level, reasons without repeats)."""
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= scale:
        raise InvalidInput(f"Mức đánh giá phải là số nguyên từ 1 đến {scale}, nhận được {level!r}",
                           f"The level must be an integer from 1 to {scale}, got {level!r}", scale=scale)
    if reasons is None:
        reasons = []
    if not isinstance(reasons, (list, tuple)) or not all(isinstance(r, str) for r in reasons):
        raise InvalidInput("'reasons' phải là danh sách mã lý do", "'reasons' must be a list of reason codes")
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise InvalidInput(f"Lý do không hợp lệ: {', '.join(map(repr, unknown))}; hợp lệ: {', '.join(REASONS)}",
                           f"Unknown reasons: {', '.join(map(repr, unknown))}; valid: {', '.join(REASONS)}",
                           valid=list(REASONS))
    return level, list(dict.fromkeys(reasons))


def check_rateable(status: str, number: str, served_day: date | None, today: date) -> None:
    """A ticket is rated once it was served, on the day it was served (the office's local day)."""
    if status != "done":
        raise Conflict(f"Phiếu {number} chưa được phục vụ xong nên chưa thể đánh giá",
                       f"Ticket {number} has not been served yet, so it cannot be rated", status=status)
    if served_day is not None and served_day != today:
        raise Conflict(f"Chỉ đánh giá được trong ngày được phục vụ ({served_day.isoformat()})",
                       f"A ticket is rated on the day it was served ({served_day.isoformat()})",
                       served_day=served_day.isoformat())


def reason_names(codes: Sequence[str]) -> list[str]:
    return [REASONS[c][0] for c in codes if c in REASONS]

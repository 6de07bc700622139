"""What the satisfaction widget (static/rating.js) draws, for the counter's tablet and the citizen's phone page."""
from __future__ import annotations

from typing import Any

from services.domain import ratings


def rating_config(office: dict[str, Any]) -> dict[str, Any]:
    """The office's scale and levels (best first) and the reasons an unhappy citizen may give."""
    scale = int(office.get("rating_scale") or 5)
    return {"scale": scale, "levels": ratings.levels(scale),
            "reasons": [{"code": code, "name": vi, "name_en": en} for code, (vi, en) in ratings.REASONS.items()]}

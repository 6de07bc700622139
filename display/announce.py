"""What the hall board says for a call: input validation and the Vietnamese text (services.domain.speech).

Configuration (environment, read once when the display app is built):
    MOTCUA_SPEECH_STYLE   regional reading, e.g. "zero_tens=lẻ,four=tư,thousand=ngàn" (default linh, bốn, nghìn)
    MOTCUA_ESPEAK_VOICE   espeak-ng voice for the offline audio (default "vi"; "vi-vn-x-south", "vi-vn-x-central")
    MOTCUA_ESPEAK_SPEED   words per minute (default 145)
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.device_settings import parse_style
from services.domain.speech import DEFAULT_STYLE, SpeechStyle, announcement, announcement_display

__all__ = ["BadInput", "Call", "make_call", "parse_counter", "parse_style", "parse_ticket"]

#: A printed ticket number: `PREFIX-NNN` (prefix 1–6 upper-case letters, digits or Đ) or plain digits.
TICKET_PATTERN = re.compile(r"^(?:[A-Z0-9Đ]{1,6}-)?[0-9]{1,9}$")


class BadInput(ValueError):
    """A request a person must correct; carries a Vietnamese and an English message."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


def parse_ticket(raw: str | None) -> str:
    """The ticket label to announce, upper-cased and checked against the numbering pattern."""
    label = unicodedata.normalize("NFC", raw or "").strip().upper()
    if not label:
        raise BadInput("Thiếu số phiếu (ticket=…)", "Missing the ticket number (ticket=…)")
    if len(label) > 20 or not TICKET_PATTERN.match(label):
        raise BadInput(f"Số phiếu không hợp lệ: “{label[:20]}” (ví dụ: HT-015 hoặc 1023)",
                       f"Invalid ticket number: “{label[:20]}” (e.g. HT-015 or 1023)")
    return label


def check_ticket_prefix(label: str, office: Mapping[str, Any]) -> str:
    """A label the office can print: its prefix is one of the office's services' (or plain digits when one
    of them numbers without a prefix). Offices whose services carry no numbering details are not checked."""
    services = [s for s in office.get("services", ()) if "prefix" in s]
    if not services:
        return label
    prefix = label.rpartition("-")[0] or None
    if any(s.get("prefix") == prefix for s in services):
        return label
    known = ", ".join(sorted(str(s["prefix"]) + "-…" if s.get("prefix") else "số / digits" for s in services))
    raise BadInput(f"Văn phòng không cấp số “{label}” (các loại số: {known})",
                   f"The office does not issue “{label}” (numbers: {known})")


def parse_counter(raw: str | None, office: Mapping[str, Any]) -> dict[str, Any]:
    """The office's counter called `raw` (by id); BadInput for an unknown one."""
    wanted = (raw or "").strip()
    if not wanted:
        raise BadInput("Thiếu số quầy (counter=…)", "Missing the counter (counter=…)")
    for counter in office.get("counters", ()):
        if counter.get("id") == wanted:
            return counter
    known = ", ".join(str(c.get("id")) for c in office.get("counters", ()))
    raise BadInput(f"Văn phòng không có quầy “{wanted[:20]}” (các quầy: {known})",
                   f"The office has no counter “{wanted[:20]}” (counters: {known})")


@dataclass(frozen=True)
class Call:
    ticket: str
    counter: str
    counter_name: str
    text: str          # spoken: "Mời công dân có số hát tê mười lăm đến quầy số ba"
    display: str       # written: "Mời công dân có số HT-015 đến quầy số 3"
    display_en: str

    def as_dict(self) -> dict[str, str]:
        return {"ticket": self.ticket, "counter": self.counter, "counter_name": self.counter_name,
                "text": self.text, "display": self.display, "display_en": self.display_en, "lang": "vi-VN"}


def make_call(ticket_raw: str | None, counter_raw: str | None, office: Mapping[str, Any],
              style: SpeechStyle = DEFAULT_STYLE) -> Call:
    ticket = check_ticket_prefix(parse_ticket(ticket_raw), office)
    counter = parse_counter(counter_raw, office)
    try:
        text = announcement(ticket, counter["id"], style)
        display = announcement_display(ticket, counter["id"])
    except ValueError as exc:  # pattern matched but unreadable (should not happen): still a clear 400
        raise BadInput(f"Không đọc được lời gọi: {exc}", f"Cannot read this call: {exc}") from exc
    return Call(ticket=ticket, counter=counter["id"], counter_name=str(counter.get("name") or counter["id"]),
                text=text, display=display,
                display_en=f"Ticket {ticket}, please go to counter {counter['id']}")

"""HTTP straight to the API of the session's `motcua up --demo` (as its admin), for the screen tests."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from tests.e2e.conftest import ADMIN_TOKENS


def api(base: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4()),
                                              "Authorization": f"Bearer {ADMIN_TOKENS[base]}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read() or b"null")


def issue(base: str, service: str, office: str = "demo", **extra: Any) -> dict[str, Any]:
    ticket = api(base, "POST", f"/api/offices/{office}/tickets", {"service": service, **extra})
    assert ticket["status"] == "waiting", ticket
    return ticket


def ticket(base: str, ticket_id: str) -> dict[str, Any]:
    return api(base, "GET", f"/api/tickets/{ticket_id}")


def call(base: str, counter: str, ticket_: dict[str, Any], office: str = "demo") -> dict[str, Any]:
    called = api(base, "POST", f"/api/offices/{office}/counters/{counter}/call", {"ticket_id": ticket_["id"]})
    assert called["ticket"]["number"] == ticket_["number"], called
    return called["ticket"]


def free(base: str, *counters: str, office: str = "demo") -> None:
    """Open and empty: resume and complete whatever an earlier test may have left there."""
    for counter in counters:
        api(base, "POST", f"/api/offices/{office}/counters/{counter}/resume", {})
        queue = api(base, "GET", f"/api/offices/{office}/queue")
        current = next(c for c in queue["counters"] if c["id"] == counter)["current"]
        if current:
            api(base, "POST", f"/api/tickets/{current['id']}/complete", {})


def cancel(base: str, *ticket_ids: str) -> None:
    for ticket_id in ticket_ids:
        if ticket(base, ticket_id)["status"] in ("waiting", "called", "no_show"):
            api(base, "POST", f"/api/tickets/{ticket_id}/cancel", {})


def office_with(base: str, office: str, services: list[dict[str, Any]], counters: list[dict[str, Any]]) -> None:
    """Configure (or reconfigure) a test office, open all day."""
    summary = api(base, "PUT", f"/api/offices/{office}", {
        "name": "Trung tâm Phục vụ hành chính công phường Thử Nghiệm", "services": services, "counters": counters,
        "settings": {"opening_time": "00:00", "closing_time": "23:59"}})
    assert summary.get("office") == office, summary


def enrol(base: str, office: str, kind: str) -> str:
    """A device of this office; returns its token (for `#device=`)."""
    device = api(base, "POST", "/api/devices", {"office": office, "kind": kind, "name": f"e2e {kind} {uuid.uuid4()}"})
    assert device.get("token"), device
    return device["token"]

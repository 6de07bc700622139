"""A staff page without a session sends to the login page with the whole way back, query included."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import make_mocked_request

from services.api.auth import to_login
from services.screens.login import safe_next


def test_the_way_back_keeps_every_query_parameter() -> None:
    page = "/manage/demo/history?from=2026-11-01&to=2026-11-30"
    location = to_login(make_mocked_request("GET", page)).location
    assert location.startswith("/login?next=/manage/demo/history")
    [back] = parse_qs(urlsplit(location).query)["next"]
    assert back == page and safe_next(back) == page

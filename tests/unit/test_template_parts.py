"""Page templates take the parts they share from files beside them (`<!--#include _part.html-->`)."""
from __future__ import annotations

from pathlib import Path

from services.screens.pages import TEMPLATES, _template

MANAGE = Path(__file__).resolve().parents[2] / "display" / "manage" / "templates"


def test_a_part_is_put_in_place_and_its_placeholders_filled_like_the_page_s(tmp_path: Path) -> None:
    (tmp_path / "_outer.html").write_text("<b>$who</b>\n<!--#include _inner.html-->\n", encoding="utf-8")
    (tmp_path / "_inner.html").write_text("<i>$what</i>\n", encoding="utf-8")
    (tmp_path / "page.html").write_text("<p>\n<!--#include _outer.html-->\n</p>\n", encoding="utf-8")
    assert _template(tmp_path / "page.html").substitute(who="Quầy 1", what="Hộ tịch") == \
        "<p>\n<b>Quầy 1</b>\n<i>Hộ tịch</i>\n</p>\n"


def test_no_page_is_left_with_an_include_or_a_part_that_is_not_there() -> None:
    pages = [p for folder in (MANAGE, TEMPLATES) for p in folder.glob("*.html") if not p.name.startswith("_")]
    assert len(pages) > 5
    for page in pages:
        assert "#include" not in _template(page).template, page

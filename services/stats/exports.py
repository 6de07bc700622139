"""An office's figures and tickets as CSV and XLSX (XlsxWriter: write-only, constant memory, so a year of tickets
fits in a few MiB), in the dialect of services.spreadsheets. Formatting only: the rows come from the stats service."""
from __future__ import annotations

import tempfile
from typing import Any, Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo

import xlsxwriter

from services.domain.ratings import REASONS
from services.spreadsheets import local_time

FIGURE_HEADER = (
    "Phạm vi / Scope", "Mã / Key", "Tên / Name", "Đã cấp số / Issued", "Đã phục vụ / Served",
    "Vắng mặt / No-show", "Đã huỷ / Cancelled", "Hết hạn / Expired", "Chuyển quầy / Transferred",
    "Chờ TB (giây) / Avg wait (s)", "Chờ P90 (giây) / P90 wait (s)", "Chờ lâu nhất (giây) / Max wait (s)",
    "Chờ quá ngưỡng / Waits over the alert", "Phục vụ TB (giây) / Avg service (s)",
    "Phục vụ P90 (giây) / P90 service (s)", "Lượt đánh giá / Votes", "Điểm TB / Mean level",
    "Tỉ lệ hài lòng / Satisfied share", "Mức 1 / Level 1", "Mức 2 / Level 2", "Mức 3 / Level 3", "Mức 4 / Level 4",
    "Mức 5 / Level 5",
)
SCOPES = (("", "Tổng / Total"), ("by_service", "Dịch vụ / Service"), ("by_counter", "Quầy / Counter"),
          ("by_clerk", "Cán bộ / Clerk"), ("by_hour", "Giờ lấy số / Hour of issue"), ("by_day", "Ngày / Day"))
TICKET_HEADER = (
    "Ngày / Day", "Số / Number", "Dịch vụ / Service", "Thủ tục / Procedure", "Ưu tiên / Priority",
    "Lấy số / Issued", "Gọi lần đầu / First called", "Bắt đầu / Started", "Kết thúc / Finished",
    "Kết quả / Outcome", "Quầy / Counter", "Cán bộ / Clerk", "Chờ (giây) / Wait (s)",
    "Phục vụ (giây) / Service (s)", "Chuyển quầy / Transferred", "Gọi lại / Recalls", "Đánh giá / Rating",
    "Lý do / Reasons",
)
OUTCOME_VI = {"waiting": "Đang chờ / waiting", "called": "Đã gọi / called", "serving": "Đang phục vụ / serving",
              "served": "Đã phục vụ / served", "no_show": "Vắng mặt / no-show", "cancelled": "Đã huỷ / cancelled",
              "expired": "Hết hạn / expired"}


def _figure_row(scope: str, key: str, name: str, f: dict[str, Any]) -> list[Any]:
    ratings = [f["ratings"].get(level, "") for level in ("1", "2", "3", "4", "5")]
    sat = f["satisfaction"]
    return [scope, key, name, f["issued"], f["served"], f["no_show"], f["cancelled"], f["expired"],
            f["transferred"], f["wait_s"]["avg"], f["wait_s"]["p90"], f["wait_s"]["max"], f["wait_s"]["over_alert"],
            f["service_s"]["avg"], f["service_s"]["p90"], sat["votes"], sat["mean"], sat["satisfied_share"],
            *ratings]


def figure_rows(stats: dict[str, Any]) -> Iterator[list[Any]]:
    for key, label in SCOPES:
        if not key:
            yield _figure_row(label, stats["office"], stats["name"], stats)
            continue
        for item, figures in stats[key].items():
            yield _figure_row(label, item, figures.get("name", item), figures)


def ticket_rows(tickets: Iterable[dict[str, Any]], tz: ZoneInfo) -> Iterator[list[Any]]:
    for t in tickets:
        yield [t["local_day"], t["number"], t["service_code"], t["procedure"], "x" if t["priority"] else "",
               local_time(t["issued_at"], tz), local_time(t["first_called_at"], tz), local_time(t["started_at"], tz),
               local_time(t["finished_at"], tz), OUTCOME_VI.get(t["outcome"], t["outcome"]), t["counter_id"],
               t["clerk"], t["wait_s"], t["service_s"], "x" if t["transferred"] else "", t["recalls"], t["rating"],
               "; ".join(REASONS[r][0] if r in REASONS else r for r in t["rating_reasons"])]


def filename(stats_or_office: dict[str, Any] | str, first: str, last: str, what: str, ext: str) -> str:
    office = stats_or_office if isinstance(stats_or_office, str) else stats_or_office["office"]
    span = first if first == last else f"{first}_{last}"
    return f"{what}-{office}-{span}.{ext}"


class Workbook:
    """An XLSX written to a temporary file sheet by sheet, rows appended as they come (constant memory: only the
    current row is held); `close()` returns the file's path, which the caller streams and deletes."""

    def __init__(self) -> None:
        handle = tempfile.NamedTemporaryFile(prefix="motcua-", suffix=".xlsx", delete=False)
        handle.close()
        self.path = handle.name
        self._book = xlsxwriter.Workbook(self.path, {"constant_memory": True, "strings_to_formulas": False,
                                                     "strings_to_urls": False})
        self._bold = self._book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self._rows: dict[str, int] = {}

    def sheet(self, name: str, header: Sequence[str], width: int = 16) -> Any:
        sheet = self._book.add_worksheet(name[:31])
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, len(header) - 1, width)
        sheet.write_row(0, 0, header, self._bold)
        self._rows[sheet.name] = 1
        return sheet

    def add(self, sheet: Any, rows: Iterable[Sequence[Any]]) -> None:
        """Append rows (strings are never read as formulas or links: the workbook is opened that way)."""
        n = self._rows[sheet.name]
        for row in rows:
            sheet.write_row(n, 0, ["" if v is None else v for v in row])
            n += 1
        self._rows[sheet.name] = n

    def close(self) -> str:
        self._book.close()
        return self.path

"""The printable daily report of an office: its figures (GetStats for one day) as HTML tables, Vietnamese first with
English beneath. Pure: a dict in, markup out (every value escaped); the page (views.report) wraps it in A4 print CSS
and report.js draws the hourly chart into #report-hours."""
from __future__ import annotations

from datetime import date
from html import escape
from typing import Any, Iterable

from services.domain.ratings import LEVELS, REASONS

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def day_vi(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{WEEKDAYS_VI[d.weekday()]}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def day_en(day: str) -> str:
    return date.fromisoformat(day).strftime("%A %d %B %Y")


def duration(seconds: float | None) -> str:
    """12 phút 05 giây → "12:05"; an hour or more "1:02:05"; nothing "—"."""
    if seconds is None:
        return "—"
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def number(n: Any) -> str:
    return "—" if n is None else f"{int(n):,}".replace(",", ".")


def share(part: float | None, whole: float | None = 1) -> str:
    if part is None or not whole:
        return "—"
    return f"{100 * part / whole:.1f}".replace(".", ",") + " %"


def _head(vi: str, en: str) -> str:
    return f'<th scope="col">{escape(vi)}<span class="en">{escape(en)}</span></th>'


def _table(cls: str, heads: Iterable[tuple[str, str]], rows: Iterable[Iterable[str]]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    if not body:
        body = '<tr><td class="none" colspan="99">Không có số liệu <span class="en">No figures</span></td></tr>'
    return (f'<table class="{cls}"><thead><tr>{"".join(_head(vi, en) for vi, en in heads)}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _section(vi: str, en: str, content: str) -> str:
    return f'<section class="report-section"><h2>{escape(vi)} <span class="en">{escape(en)}</span></h2>{content}</section>'


FIGURE_HEADS = (("Cấp số", "Issued"), ("Đã phục vụ", "Served"), ("Vắng mặt", "No-show"), ("Chờ TB", "Avg wait"),
                ("Chờ P90", "P90 wait"), ("Phục vụ TB", "Avg service"), ("Hài lòng", "Satisfied"))


def _figure_cells(f: dict[str, Any]) -> list[str]:
    sat = f.get("satisfaction") or {}
    votes = sat.get("votes") or 0
    return [number(f.get("issued")), number(f.get("served")), number(f.get("no_show")),
            duration(f["wait_s"]["avg"]), duration(f["wait_s"]["p90"]), duration(f["service_s"]["avg"]),
            (share(sat.get("satisfied_share")) + f' <span class="n">({votes})</span>') if votes else "—"]


def overview(stats: dict[str, Any]) -> str:
    cards = [("Cấp số", "Issued", number(stats["issued"])), ("Đã phục vụ", "Served", number(stats["served"])),
             ("Vắng mặt", "No-show", number(stats["no_show"])), ("Chuyển", "Transferred", number(stats["transferred"])),
             ("Huỷ", "Cancelled", number(stats["cancelled"])), ("Hết hạn", "Expired", number(stats["expired"])),
             ("Chờ trung bình", "Average wait", duration(stats["wait_s"]["avg"])),
             ("Chờ P90", "90th percentile wait", duration(stats["wait_s"]["p90"])),
             ("Chờ lâu nhất", "Longest wait", duration(stats["wait_s"]["max"])),
             ("Phục vụ trung bình", "Average service", duration(stats["service_s"]["avg"])),
             ("Phục vụ P90", "90th percentile service", duration(stats["service_s"]["p90"])),
             (f"Chờ quá {stats['wait_alert_s'] // 60} phút", f"Waited over {stats['wait_alert_s'] // 60} min",
              number(stats["wait_s"]["over_alert"]))]
    return '<div class="kpis">' + "".join(
        f'<div class="kpi"><div class="kpi-value">{escape(value)}</div><div class="kpi-label">{escape(vi)}'
        f'<span class="en">{escape(en)}</span></div></div>' for vi, en, value in cards) + "</div>"


def satisfaction(stats: dict[str, Any]) -> str:
    scale = stats["rating_scale"]
    ratings, sat = stats["ratings"], stats["satisfaction"]
    votes = sat["votes"]
    mean = "—" if sat["mean"] is None else f'{sat["mean"]:.1f}'
    rows = [[escape(vi) + f'<span class="en">{escape(en)}</span>', number(ratings.get(str(level), 0)),
             share(ratings.get(str(level), 0), votes)]
            for level, (vi, en) in reversed(list(enumerate(LEVELS.get(scale, LEVELS[5]), 1)))]
    table = _table("level-table", (("Mức", "Level"), ("Số phiếu", "Votes"), ("Tỉ lệ", "Share")), rows)
    summary = (f'<p class="summary">Số phiếu đánh giá: <b>{number(votes)}</b> · Tỉ lệ hài lòng: '
               f'<b>{share(sat["satisfied_share"])}</b> · Điểm trung bình: '
               f'<b>{mean.replace(".", ",")}/{scale}</b>'
               f'<span class="en">Votes {votes} · satisfied {share(sat["satisfied_share"])} · mean {mean}/{scale}</span></p>')
    reasons = stats.get("reasons") or {}
    why = _table("reasons", (("Lý do chưa hài lòng", "Reason given"), ("Số lần", "Times")),
                 [[escape(REASONS.get(code, (code, code))[0]) +
                   f'<span class="en">{escape(REASONS.get(code, (code, code))[1])}</span>', number(n)]
                  for code, n in sorted(reasons.items(), key=lambda kv: -kv[1])])
    return summary + f'<div class="two">{table}{why}</div>'


def body(stats: dict[str, Any], office: dict[str, Any]) -> str:
    services = {s["code"]: s for s in office.get("services", [])}
    by_service = [[escape(f.get("name") or code) + f'<span class="en">{escape(services.get(code, {}).get("name_en") or code)}</span>',
                   *_figure_cells(f)] for code, f in stats["by_service"].items()]
    by_counter = [[escape(f.get("name") or cid), escape(f.get("last_clerk") or "—"), *_figure_cells(f)[:3],
                   duration(f["service_s"]["avg"]), share(f.get("utilisation"))]
                  for cid, f in stats["by_counter"].items()]
    by_clerk = [[escape(name), *_figure_cells(f)] for name, f in sorted(stats["by_clerk"].items())]
    hours = [[f"{int(h):02d}:00", number(f["issued"]), number(f["served"]), duration(f["wait_s"]["avg"]),
              duration(f["wait_s"]["p90"])] for h, f in stats["by_hour"].items()]
    return "".join([
        _section("Tổng quan", "Overview", overview(stats)),
        _section("Theo lĩnh vực / dịch vụ", "By service", _table("figures", (("Dịch vụ", "Service"),) + FIGURE_HEADS,
                                                                     by_service)),
        _section("Theo quầy", "By counter", _table("figures", (
            ("Quầy", "Counter"), ("Cán bộ", "Clerk"), ("Cấp số", "Issued"), ("Đã phục vụ", "Served"),
            ("Vắng mặt", "No-show"), ("Phục vụ TB", "Avg service"), ("Thời gian bận", "Utilisation")), by_counter)),
        _section("Theo cán bộ", "By clerk", _table("figures", (("Cán bộ", "Clerk"),) + FIGURE_HEADS, by_clerk)),
        _section("Mức độ hài lòng", "Satisfaction", satisfaction(stats)),
        _section("Theo giờ", "By hour", '<div id="report-hours" class="chart" aria-hidden="true"></div>' +
                 _table("hours", (("Giờ", "Hour"), ("Cấp số", "Issued"), ("Đã phục vụ", "Served"),
                                  ("Chờ TB", "Avg wait"), ("Chờ P90", "P90 wait")), hours)),
    ])

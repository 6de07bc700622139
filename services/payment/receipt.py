"""A receipt as a printable HTML page and as a PDF, from the content frozen when it was issued. Pure rendering.

PDF: fpdf2 (pure Python, maintained, embeds only the glyphs used) with DejaVu Sans shipped beside this module
(fonts/, subset to Latin and Vietnamese, with its licence): every Vietnamese letter exists precomposed in it, so NFC
text needs no shaping engine. A receipt never changes once issued, so its PDF is rendered once and kept (LRU).
"""
from __future__ import annotations

import functools
import html
import json
import string
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from fpdf import FPDF

from services.domain.fees import vnd

HERE = Path(__file__).parent
FONTS = HERE / "fonts"
STATIC = HERE / "static"
TITLE = ("BIÊN LAI THU PHÍ, LỆ PHÍ", "Fee receipt")


def _nfc(value: Any) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value))


def lines(receipt: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(Vietnamese label, English label, value) of every line of the receipt, in order."""
    bank = receipt.get("bank") or {}
    ticket = receipt.get("ticket_number") or ""
    if receipt.get("counter"):
        ticket += f" — Quầy / counter {receipt['counter']}"
    return [
        ("Nội dung thu", "For", receipt["description"]),
        ("Số tiền", "Amount", vnd(receipt["amount"])),
        ("Bằng chữ", "In words", receipt["amount_words"]),
        ("Mã thanh toán", "Payment reference", receipt["reference"]),
        ("Hình thức", "Method", f"{receipt['method']} ({receipt['gateway']})"),
        ("Thời điểm thanh toán", "Paid at", receipt["paid_local"]),
        ("Tài khoản nhận", "Received into",
         f"{bank.get('name', '')} — {bank.get('account', '')} (BIN {bank.get('bin', '')})"),
        ("Phiếu", "Ticket", ticket),
        ("Ngày lập biên lai", "Issued", receipt["issued_local"]),
    ]


@functools.cache
def _template() -> string.Template:
    return string.Template((HERE / "templates" / "receipt.html").read_text(encoding="utf-8"))


def render_html(receipt: Mapping[str, Any], css_url: str, js_url: str) -> str:
    rows = "\n".join(
        f'<tr><th scope="row">{html.escape(vi)}<span class="en">{html.escape(en)}</span></th>'
        f"<td>{html.escape(_nfc(value))}</td></tr>" for vi, en, value in lines(receipt))
    return _template().substitute(
        title_vi=html.escape(TITLE[0]), title_en=html.escape(TITLE[1]),
        office=html.escape(_nfc(receipt["office_name"])),
        label=html.escape(receipt["label"]), rows=rows, receipt_id=html.escape(receipt["id"]),
        pdf=html.escape(receipt["pdf"]), css=html.escape(css_url), js=html.escape(js_url))


class _Receipt(FPDF):
    def __init__(self) -> None:
        super().__init__(format=(148, 210), unit="mm")   # A5
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, 12)


def render_pdf(receipt: Mapping[str, Any]) -> bytes:
    """The receipt's PDF (about 0.15 s of CPU the first time: call it from a worker thread)."""
    return _render_pdf(json.dumps(receipt, sort_keys=True, ensure_ascii=False))


@functools.lru_cache(maxsize=256)
def _render_pdf(receipt_json: str) -> bytes:
    receipt = json.loads(receipt_json)
    pdf = _Receipt()
    pdf.set_title(_nfc(f"{TITLE[0]} {receipt['label']}"))
    pdf.set_author(_nfc(receipt["office_name"]))
    pdf.set_creator("motcua")
    pdf.set_creation_date(datetime.fromisoformat(receipt["issued_at"]))
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(width, 5.5, _nfc(receipt["office_name"]), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(width, 7, TITLE[0], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(width, 4.5, TITLE[1], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(width, 6, _nfc(f"Số / No.: {receipt['label']}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    label_w = 42
    for vi, en, value in lines(receipt):
        top = pdf.get_y()
        pdf.set_font("DejaVu", "B", 9)
        pdf.multi_cell(label_w, 4.5, _nfc(vi), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 7.5)
        pdf.multi_cell(label_w, 3.8, en, new_x="LMARGIN", new_y="NEXT")
        left_end = pdf.get_y()
        pdf.set_xy(pdf.l_margin + label_w, top)
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(width - label_w, 5, _nfc(value), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(left_end, pdf.get_y()) + 1.5)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 7.5)
    pdf.multi_cell(width, 3.8, _nfc(f"Mã biên lai / receipt id: {receipt['id']}"), align="L", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.multi_cell(width, 3.8, "Biên lai do hệ thống Một cửa lập tự động khi nhận được thông báo chuyển khoản của "
                   "ngân hàng. / Issued automatically when the bank reported the transfer.", align="L", new_x="LMARGIN",
                   new_y="NEXT")
    return bytes(pdf.output())

"""Receipts render Vietnamese: every letter with every tone is in the shipped fonts and comes back out of the PDF;
the HTML escapes what it shows; the CSV keeps spreadsheets from running formulas."""
from __future__ import annotations

import io
import unicodedata

import pypdf
from fontTools.ttLib import TTFont

from services.domain.fees import amount_in_words
from services.payment import receipt as receipts
from services.spreadsheets import safe

BASES = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")   # ngang, huyền, sắc, ngã, hỏi, nặng
LETTERS = {unicodedata.normalize("NFC", base + tone) for base in BASES for tone in TONES} | {"đ"}
ALPHABET = "".join(sorted(LETTERS | {c.upper() for c in LETTERS}))


def receipt(description: str) -> dict:
    return {"office": "o", "office_name": "UBND xã Đông Hòa", "year": 2025, "number": 7, "label": "0000007/2025",
            "reference": "MCK7Q2XP", "description": description, "amount": 50_000,
            "amount_words": amount_in_words(50_000), "paid_at": "2025-03-01T10:00:00+07:00",
            "paid_local": "10:00 01/03/2025", "issued_at": "2025-03-01T03:00:05+00:00",
            "issued_local": "10:00 01/03/2025", "method": "Chuyển khoản VietQR / VietQR bank transfer",
            "gateway": "SePay", "payment_id": "p", "bank": {"bin": "970436", "account": "0011004123456",
                                                             "name": "UBND XA DEMO"},
            "ticket_number": "CT-001", "counter": "1", "fee_id": "f", "id": "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b",
            "html": "/receipts/x", "pdf": "/receipts/x.pdf"}


def test_the_shipped_fonts_hold_every_vietnamese_letter() -> None:
    assert len(ALPHABET) == 2 * (12 * 6 + 1)
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        cmap = TTFont(receipts.FONTS / name)["cmap"].getBestCmap()
        missing = [c for c in ALPHABET if ord(c) not in cmap]
        assert not missing, (name, missing)


def test_the_pdf_gives_back_vietnamese_text() -> None:
    decomposed = unicodedata.normalize("NFD", "Lệ phí chứng thực ") + ALPHABET   # as some keyboards send it
    pdf = receipts.render_pdf(receipt(decomposed))
    assert pdf.startswith(b"%PDF-")
    text = unicodedata.normalize("NFC", pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert "Lệ phí chứng thực" in text and "Năm mươi nghìn đồng" in text and "0000007/2025" in text
    assert all(letter in text for letter in ALPHABET)


def test_the_page_escapes_what_it_shows() -> None:
    page = receipts.render_html(receipt('<script>alert("x")</script> Lệ phí'), "/r.css", "/r.js")
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "Lệ phí" in page


def test_csv_cells_never_start_a_formula() -> None:
    assert [safe(v) for v in ("=1+1", "+84", "-5", "@SUM(A1)", "\tx", "Lệ phí", 50_000, None)] == [
        "'=1+1", "'+84", "'-5", "'@SUM(A1)", "'\tx", "Lệ phí", 50_000, ""]

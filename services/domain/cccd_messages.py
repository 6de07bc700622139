"""What a clerk reads when a CCCD QR is refused: one Vietnamese and one English message per reason code.

The reason codes are stable (they cross the bus and appear in logs); the wording may change.
"""
from __future__ import annotations

from datetime import date

_ADVICE_VI = "Hãy chuyển máy quét sang chế độ cổng COM ảo (USB-COM/serial) hoặc quét bằng camera, rồi quét lại."
_ADVICE_EN = "Switch the scanner to serial / USB-COM mode, or scan with the camera, then scan again."

FIELDS: dict[str, tuple[str, str]] = {
    "id_number": ("Số định danh cá nhân", "The personal ID number"),
    "old_id_number": ("Số CMND cũ", "The old ID (CMND) number"),
    "name": ("Họ và tên", "The full name"),
    "birth_date": ("Ngày sinh", "The birth date"),
    "sex": ("Giới tính", "The sex"),
    "address": ("Nơi thường trú", "The permanent address"),
    "issue_date": ("Ngày cấp", "The issue date"),
}

REASONS: dict[str, tuple[str, str]] = {
    "not_text": ("Dữ liệu mã QR phải là văn bản (nhận được {kind}).",
                 "The QR data must be text (got {kind})."),
    "too_long": ("Dữ liệu mã QR quá dài ({length} ký tự, tối đa {limit}): đây không phải mã QR thẻ căn cước.",
                 "The QR text is too long ({length} characters, at most {limit}): not an ID card QR."),
    "empty": ("Chưa có dữ liệu mã QR.", "The QR text is empty."),
    "mojibake": ("Chữ tiếng Việt trong mã QR bị đọc sai (sai bảng mã, thường do máy quét đang ở chế độ bàn phím). "
                 + _ADVICE_VI,
                 "The Vietnamese letters in the QR text arrived garbled (wrong character encoding, "
                 "usually a scanner in keyboard mode). " + _ADVICE_EN),
    "keyboard_layout": ("Máy quét gõ dữ liệu theo kiểu bàn phím khác của máy tính (hoặc đang bật Caps Lock), "
                        "nên chữ số và dấu bị sai. " + _ADVICE_VI,
                        "The scanner types through a different keyboard layout (or Caps Lock is on), so "
                        "digits and separators came out wrong. " + _ADVICE_EN),
    "control_chars": ("Mã QR chứa ký tự điều khiển (Tab, ...) ngoài một dấu xuống dòng ở cuối. "
                      "Hãy kiểm tra cài đặt hậu tố (suffix) của máy quét.",
                      "The QR text holds control characters (Tab, ...) besides one final line break. "
                      "Check the scanner's suffix setting."),
    "too_few_fields": ("Đây không phải mã QR thẻ căn cước: cần ít nhất {minimum} trường ngăn cách bởi dấu |, "
                       "chỉ có {count}.",
                       "This is not an ID card QR: it needs at least {minimum} fields separated by |, "
                       "found {count}."),
    "bad_id_number": ("Số định danh cá nhân phải gồm đúng 12 chữ số.",
                      "The personal ID number must be exactly 12 digits."),
    "bad_province": ("Mã tỉnh nơi đăng ký khai sinh ({code}) trong số định danh phải từ 001 đến 096.",
                     "The province code ({code}) in the ID number must be from 001 to 096."),
    "bad_old_id_number": ("Số CMND cũ phải để trống hoặc gồm 9 hay 12 chữ số.",
                          "The old ID (CMND) number must be empty, or 9 or 12 digits."),
    "bad_name": ("Họ và tên không hợp lệ: chỉ gồm chữ cái tiếng Việt và khoảng trắng, không quá {limit} ký tự.",
                 "Invalid full name: Vietnamese letters and spaces only, at most {limit} characters."),
    "bad_date": ("{field_vi} ({value}) không phải một ngày có thật (dạng ngàythángnăm, ví dụ 01011990).",
                 "{field_en} ({value}) is not a real date (ddmmyyyy, e.g. 01011990)."),
    "bad_sex": ("Giới tính phải là “Nam” hoặc “Nữ”.", "The sex must be “Nam” or “Nữ”."),
    "bad_address": ("Thiếu nơi thường trú.", "The permanent address is missing."),
    "future_date": ("{field_vi} ({value}) là một ngày trong tương lai.", "{field_en} ({value}) is in the future."),
    "implausible_age": ("Ngày sinh cho tuổi {age}, quá {limit} tuổi: không hợp lý.",
                        "The birth date gives an age of {age}, over {limit}: implausible."),
    "issue_before_birth": ("Ngày cấp ({issue}) trước ngày sinh ({birth}).",
                           "The issue date ({issue}) is before the birth date ({birth})."),
    "issue_too_early": ("Ngày cấp ({value}) trước {earliest}, khi thẻ căn cước công dân bắt đầu được cấp.",
                        "The issue date ({value}) is before {earliest}, when ID cards were first issued."),
    "sex_mismatch": ("Chữ số thứ 4 của số định danh ({digit}) ứng với giới tính {id_sex}, nhưng thẻ ghi {sex}.",
                     "Digit 4 of the ID number ({digit}) means {id_sex_en}, but the card says {sex_en}."),
    "century_mismatch": ("Chữ số thứ 4 của số định danh ({digit}) ứng với người sinh năm {first}–{last}, "
                         "nhưng năm sinh là {year}.",
                         "Digit 4 of the ID number ({digit}) means born in {first}–{last}, "
                         "but the birth year is {year}."),
    "birth_year_mismatch": ("Chữ số thứ 5–6 của số định danh ({digits}) phải là hai số cuối của năm sinh ({year}).",
                            "Digits 5–6 of the ID number ({digits}) must be the last two digits of the birth "
                            "year ({year})."),
}

_SEX_EN = {"Nam": "male (Nam)", "Nữ": "female (Nữ)"}


def _shown(value: object) -> object:
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else value


def message(reason: str, *, field: str | None = None, **values: object) -> tuple[str, str]:
    """The (Vietnamese, English) messages for `reason`, filled in with `values`."""
    template_vi, template_en = REASONS[reason]
    field_vi, field_en = FIELDS.get(field or "", ("Trường", "The field"))
    shown = {key: _shown(value) for key, value in values.items()}
    for key in ("id_sex", "sex"):
        if key in shown:
            shown[f"{key}_en"] = _SEX_EN.get(str(shown[key]), shown[key])
    return (template_vi.format(field_vi=field_vi, **shown), template_en.format(field_en=field_en, **shown))

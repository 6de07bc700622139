"""CCCD QR parsing: the documented vectors, every refusal reason, scanner garbling, properties, fuzzing."""
from __future__ import annotations

import pickle
import unicodedata
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.domain.cccd import EARLIEST_ISSUE, MAX_LENGTH, CccdCard, CccdError, parse_cccd
from services.domain.cccd_messages import REASONS

TODAY = date(2026, 3, 1)
VALID_1 = "001090123456|123456789|NGUYEN VAN A|01011990|Nam|Hà Nội|15102021"
VALID_2 = "079305000123||Trần Thị B|12032005|Nữ|TP. Hồ Chí Minh|20062021"
WRONG_SEX = "001190123456|123456789|NGUYEN VAN A|01011990|Nam|Hà Nội|15102021"


def refusal(text: object, today: date = TODAY) -> CccdError:
    with pytest.raises(CccdError) as caught:
        parse_cccd(text, today=today)  # type: ignore[arg-type]
    error = caught.value
    assert error.message_vi and error.message_en and error.message_vi != error.message_en
    return error


def with_field(text: str, index: int, value: str) -> str:
    fields = text.split("|")
    fields[index] = value
    return "|".join(fields)


# ---- the documented vectors -------------------------------------------------------------------
def test_first_vector() -> None:
    card = parse_cccd(VALID_1, today=TODAY)
    assert card == CccdCard("001090123456", "123456789", "NGUYEN VAN A", date(1990, 1, 1), "Nam", "Hà Nội",
                            date(2021, 10, 15), ())


def test_second_vector_has_no_old_number_and_dict_uses_null() -> None:
    card = parse_cccd(VALID_2, today=TODAY)
    assert card.as_dict() == {"id_number": "079305000123", "old_id_number": None, "name": "Trần Thị B",
                              "birth_date": "2005-03-12", "sex": "Nữ", "address": "TP. Hồ Chí Minh",
                              "issue_date": "2021-06-20"}


def test_third_vector_digit_4_says_female() -> None:
    error = refusal(WRONG_SEX)
    assert (error.reason, error.field, error.code) == ("sex_mismatch", "sex", "invalid_cccd")
    assert "Nữ" in error.message_vi and "female" in error.message_en


# ---- tolerated variations ---------------------------------------------------------------------
def test_extra_fields_of_newer_cards_are_kept_apart() -> None:
    card = parse_cccd(VALID_2 + "|31122040|Kinh|", today=TODAY)
    assert card.extra == ("31122040", "Kinh", "")
    assert card.as_dict() == parse_cccd(VALID_2, today=TODAY).as_dict()


@pytest.mark.parametrize("affixed", ["\ufeff" + VALID_2, VALID_2 + "\r\n", VALID_2 + "\n", VALID_2 + "\r",
                                     "\ufeff" + VALID_2 + "\r\n"])
def test_one_bom_and_one_line_ending_are_trimmed(affixed: str) -> None:
    assert parse_cccd(affixed, today=TODAY) == parse_cccd(VALID_2, today=TODAY)


def test_nfd_input_is_normalised_to_nfc() -> None:
    card = parse_cccd(unicodedata.normalize("NFD", VALID_2), today=TODAY)
    assert (card.name, card.sex, card.address) == ("Trần Thị B", "Nữ", "TP. Hồ Chí Minh")
    assert unicodedata.is_normalized("NFC", card.name)


def test_spaces_in_name_and_address_are_collapsed() -> None:
    card = parse_cccd(with_field(with_field(VALID_2, 2, "  Trần   Thị  B "), 5, " TP.  Hồ Chí Minh "), today=TODAY)
    assert (card.name, card.address) == ("Trần Thị B", "TP. Hồ Chí Minh")


@pytest.mark.parametrize("name", ["Ksor H'Bơ", "H’Hen Niê", "Y Wang Mlô", "Lee Min", "Đặng Thị Ngọc Ánh"])
def test_minority_and_uncommon_names_pass(name: str) -> None:
    assert parse_cccd(with_field(VALID_2, 2, name), today=TODAY).name == name


def test_dashes_and_quotes_after_vietnamese_letters_are_not_mojibake() -> None:
    card = parse_cccd(with_field(VALID_2, 5, "Thôn Hà–Nam, xã Ia “Grai”"), today=TODAY)
    assert card.address == "Thôn Hà–Nam, xã Ia “Grai”"


def test_twelve_digit_old_cmnd_is_accepted() -> None:
    assert parse_cccd(with_field(VALID_1, 1, "012345678901"), today=TODAY).old_id_number == "012345678901"


def test_default_today_is_used_when_not_given() -> None:
    assert parse_cccd(VALID_1).birth_date == date(1990, 1, 1)


# ---- every refusal reason -----------------------------------------------------------------------
REFUSALS = [
    ("x" * (MAX_LENGTH + 1), "too_long", None),
    ("", "empty", None),
    ("\ufeff\r\n", "empty", None),
    ("001090123456|123456789|NGUYEN VAN A", "too_few_fields", None),
    ("https://example.vn/?id=1", "too_few_fields", None),
    (VALID_2 + "\r\n\r\n", "control_chars", None),
    (VALID_2.replace("|Nữ", "|Nữ\t"), "control_chars", None),
    (VALID_2.replace("Trần", "Tr\u200bần"), "control_chars", None),
    (with_field(VALID_1, 0, "00109012345"), "bad_id_number", "id_number"),
    (with_field(VALID_1, 0, "0010901234567"), "bad_id_number", "id_number"),
    (with_field(VALID_1, 0, " 001090123456"), "bad_id_number", "id_number"),
    (with_field(VALID_1, 0, "００１０９０１２３４５６"), "bad_id_number", "id_number"),
    (with_field(VALID_1, 0, "000090123456"), "bad_province", "id_number"),
    (with_field(VALID_1, 0, "097090123456"), "bad_province", "id_number"),
    (with_field(VALID_1, 1, "12345678"), "bad_old_id_number", "old_id_number"),
    (with_field(VALID_1, 1, "12345678A"), "bad_old_id_number", "old_id_number"),
    (with_field(VALID_1, 2, ""), "bad_name", "name"),
    (with_field(VALID_1, 2, "   "), "bad_name", "name"),
    (with_field(VALID_1, 2, "NGUYEN VAN 1"), "bad_name", "name"),
    (with_field(VALID_1, 2, "NGUYEN.VAN A"), "bad_name", "name"),
    (with_field(VALID_1, 2, "Nuñez A"), "bad_name", "name"),
    (with_field(VALID_1, 2, "'A"), "bad_name", "name"),
    (with_field(VALID_1, 2, "Anh " * 25 + "B"), "bad_name", "name"),
    (with_field(VALID_1, 3, "31021990"), "bad_date", "birth_date"),
    (with_field(VALID_1, 3, "01131990"), "bad_date", "birth_date"),
    (with_field(VALID_1, 3, "1011990"), "bad_date", "birth_date"),
    (with_field(VALID_1, 3, "01/01/1990"), "bad_date", "birth_date"),
    (with_field(VALID_1, 6, "00002021"), "bad_date", "issue_date"),
    (with_field(VALID_1, 4, "Male"), "bad_sex", "sex"),
    (with_field(VALID_1, 4, "NAM"), "bad_sex", "sex"),
    (with_field(VALID_1, 4, ""), "bad_sex", "sex"),
    (with_field(VALID_1, 5, "  "), "bad_address", "address"),
    ("001226123456|123456789|NGUYEN VAN A|01122026|Nam|Hà Nội|15102021", "future_date", "birth_date"),
    (with_field(VALID_1, 6, "02032026"), "future_date", "issue_date"),
    ("001005123456||NGUYEN VAN A|01011905|Nam|Hà Nội|15102021", "implausible_age", "birth_date"),
    ("001222123456||NGUYEN VAN A|01012022|Nam|Hà Nội|15102021", "issue_before_birth", "issue_date"),
    (with_field(VALID_1, 6, "31122015"), "issue_too_early", "issue_date"),
    (WRONG_SEX, "sex_mismatch", "sex"),
    (with_field(VALID_1, 0, "001290123456"), "century_mismatch", "birth_date"),
    (with_field(VALID_1, 0, "001091123456"), "birth_year_mismatch", "birth_date"),
]


@pytest.mark.parametrize(("text", "reason", "field"), REFUSALS)
def test_refusals(text: str, reason: str, field: str | None) -> None:
    error = refusal(text)
    assert (error.reason, error.field) == (reason, field)


def test_every_reason_is_exercised_and_documented() -> None:
    exercised = {reason for _, reason, _ in REFUSALS} | {"not_text", "mojibake", "keyboard_layout"}
    assert exercised == set(REASONS)


@pytest.mark.parametrize("value", [None, b"001090123456|...", 1234, ["a"]])
def test_non_text_is_refused_cleanly(value: object) -> None:
    assert refusal(value).reason == "not_text"


def test_errors_survive_pickling_and_serialise() -> None:
    error = refusal(WRONG_SEX)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.reason, copy.field, copy.message_vi, copy.message_en) == (
        error.reason, error.field, error.message_vi, error.message_en)
    assert error.as_dict() == {"code": "invalid_cccd", "reason": "sex_mismatch", "field": "sex",
                               "message": error.message_vi, "message_en": error.message_en}


# ---- scanner garbling ---------------------------------------------------------------------------
def _redecoded(text: str, codec: str) -> str:
    return text.encode("utf-8").decode(codec, errors="replace")


@pytest.mark.parametrize("source", [VALID_1, VALID_2])
@pytest.mark.parametrize("codec", ["cp1252", "latin-1", "cp1258", "cp437", "cp850", "mac_roman", "koi8_r",
                                   "gbk", "big5", "shift_jis", "euc_kr", "ascii"])
def test_utf8_read_through_a_wrong_code_page_is_mojibake(source: str, codec: str) -> None:
    error = refusal(_redecoded(source, codec))
    assert error.reason == "mojibake"
    assert "USB-COM" in error.message_vi and "camera" in error.message_en


@pytest.mark.parametrize(("garbled", "detail"), [
    ("079305000123||Tráº§n Thá»‹ B|12032005|Ná»¯|TP. Há»“ ChÃ­ Minh|20062021", "utf8_as_single_byte"),
    ("079305000123||NguyÃªn Thá»‹ B|12032005|Nữ|TP. Hồ Chí Minh|20062021", "utf8_as_single_byte"),
    ("079305000123||Äáº·ng Thá»‹ B|12032005|Nữ|Hà Nội|20062021", "utf8_as_single_byte"),
    ("001090123456||LÃŠ VÄ‚N A|01011990|Nam|Hà Nội|15102021", "utf8_as_single_byte"),
    ("001090123456||Ná»— VÄ‚N A|01011990|Nam|Ha Noi|15102021", "utf8_as_single_byte"),
    ("079305000123||Trần Thị B|12032005|N\ufffd|TP. Hồ Chí Minh|20062021", "replacement_char"),
    ("079305000123||Tr?n Th? B|12032005|N?|TP. H? Ch? Minh|20062021", "question_marks"),
    ("079305000123||Trần Thị B|12032005|Nữ|TP. H? Ch? Minh|20062021", "question_marks"),
    ("079305000123||Trn Th B|12032005|N|TP. H Ch Minh|20062021", "dropped_letters"),
    ("079305000123||Tran Thi B|12032005|Nu|TP. Ho Chi Minh|20062021", "dropped_letters"),
    ("079305000123||Traanf Thij B|12032005|Nuwx|TP. Hoof Chis Minh|20062021", "telex"),
    ("079305000123||Tran Thi B|12032005|Nuwx|TP. Ho Chi Minh|20062021", "telex"),
    ("001090123456||Nguyeenx Vawn A|01011990|Nam|Ha Noi|15102021", "telex"),
    ("079305000123||Tra62n Thi5 B|12032005|Nu74|TP. Ho62 Chi1 Minh|20062021", "vni"),
    ("079305000123||Tran Thi B|12032005|Nu74|TP. Ho Chi Minh|20062021", "vni"),
    ("001090123456||NGUYEN VAN A|01011990|Nam|Ha2 No65i|15102021", "vni"),
])
def test_keyboard_mode_damage_is_mojibake(garbled: str, detail: str) -> None:
    error = refusal(garbled)
    assert (error.reason, error.detail) == ("mojibake", detail)


@pytest.mark.parametrize(("garbled", "detail"), [
    ('àà&àçà&é"\'(-µ&é"\'(-è_çµNGUYEN VAN Aµà&à&&çç)µNamµHa NoiµÀ(&)é)é&', "azerty_digits"),
    ("001090123456µ123456789µNGUYEN VAN Aµ01011990µNamµHa Noiµ15102021", "wrong_separator"),
    ("001090123456'123456789'NGUYEN VAN A'01011990'Nam'Ha Noi'15102021", "wrong_separator"),
    (with_field(VALID_1, 4, "nAM"), "caps_lock"),
    (with_field(VALID_2, 4, "nỮ"), "caps_lock"),
])
def test_keyboard_layout_damage(garbled: str, detail: str) -> None:
    error = refusal(garbled)
    assert (error.reason, error.detail) == ("keyboard_layout", detail)


# ---- properties ---------------------------------------------------------------------------------
SYLLABLES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
             "Dương", "Lý", "Văn", "Thị", "Hữu", "Ngọc", "Minh", "Anh", "Thu", "Hương", "Quỳnh", "Tuấn",
             "Đức", "Thảo", "Yến", "Khánh", "Ksor", "H'Hen", "NGUYEN", "VAN", "A", "B"]
PLACES = ["Hà Nội", "TP. Hồ Chí Minh", "Số 12, ngõ 34, phường Láng Hạ, quận Đống Đa, Hà Nội",
          "Thôn 3, xã Ea Kao, TP. Buôn Ma Thuột, Đắk Lắk", "Ấp Tân Lợi, xã Hòa Bình, Bạc Liêu", "Ha Noi"]


@st.composite
def cards(draw: st.DrawFn) -> CccdCard:
    birth = draw(st.dates(TODAY - timedelta(days=365 * 119), TODAY))
    sex = draw(st.sampled_from(["Nam", "Nữ"]))
    digit = 2 * ((birth.year - 1900) // 100) + (sex == "Nữ")
    number = f"{draw(st.integers(1, 96)):03d}{digit}{birth.year % 100:02d}{draw(st.integers(0, 999_999)):06d}"
    old = draw(st.sampled_from(["", "123456789", "012345678901"]))
    name = " ".join(draw(st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=5)))
    issue = draw(st.dates(max(birth, EARLIEST_ISSUE), TODAY))
    extra = tuple(draw(st.lists(st.text("0123456789 abcĐăâêôơưdeg", max_size=12), max_size=3)))
    return CccdCard(number, old or None, name, birth, sex, draw(st.sampled_from(PLACES)), issue, extra)  # type: ignore[arg-type]


def qr_text(card: CccdCard, *, nfd: bool = False) -> str:
    fields = [card.id_number, card.old_id_number or "", card.name, card.birth_date.strftime("%d%m%Y"),
              card.sex, card.address, card.issue_date.strftime("%d%m%Y"), *card.extra]
    text = "|".join(fields)
    return unicodedata.normalize("NFD", text) if nfd else text


@given(cards(), st.booleans())
def test_valid_cards_round_trip(card: CccdCard, nfd: bool) -> None:
    parsed = parse_cccd(qr_text(card, nfd=nfd), today=TODAY)
    assert replace(parsed, extra=()) == replace(card, extra=())
    # Extra fields are kept exactly as scanned (not normalised): the parser ignores them.
    assert parsed.extra == tuple(unicodedata.normalize("NFD" if nfd else "NFC", value) for value in card.extra)


@given(cards(), st.integers(0, 9))
def test_any_other_century_sex_digit_is_refused(card: CccdCard, digit: int) -> None:
    if str(digit) == card.id_number[3]:
        return
    text = qr_text(card).replace(card.id_number, card.id_number[:3] + str(digit) + card.id_number[4:], 1)
    assert refusal(text).reason in {"sex_mismatch", "century_mismatch"}


@given(cards(), st.integers(0, 99))
def test_any_other_birth_year_digits_are_refused(card: CccdCard, year: int) -> None:
    if year == card.birth_date.year % 100:
        return
    text = qr_text(card).replace(card.id_number, f"{card.id_number[:4]}{year:02d}{card.id_number[6:]}", 1)
    assert refusal(text).reason == "birth_year_mismatch"


# ---- fuzzing: only CccdCard or CccdError, whatever the input -------------------------------------
FIELD_TEXT = st.one_of(st.text(max_size=40), st.from_regex(r"[0-9]{0,13}", fullmatch=True),
                       st.sampled_from(["Nam", "Nữ", "", "01011990", "29022000", "001090123456"]))


def parses_or_refuses(text: object) -> None:
    try:
        result = parse_cccd(text, today=TODAY)  # type: ignore[arg-type]
    except CccdError as error:
        assert error.reason in REASONS
    else:
        assert isinstance(result, CccdCard)


@settings(max_examples=300)
@given(st.text(max_size=1200))
def test_fuzz_arbitrary_text(text: str) -> None:
    parses_or_refuses(text)


@settings(max_examples=300)
@given(st.lists(FIELD_TEXT, min_size=0, max_size=10))
def test_fuzz_pipe_joined_fields(fields: list[str]) -> None:
    parses_or_refuses("|".join(fields))


@settings(max_examples=200)
@given(cards(), st.integers(0, 6), FIELD_TEXT)
def test_fuzz_one_field_of_a_valid_card(card: CccdCard, index: int, value: str) -> None:
    parses_or_refuses(with_field(qr_text(card), index, value))

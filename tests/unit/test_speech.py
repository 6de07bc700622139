"""Tests for spoken Vietnamese numbers, ticket labels and announcements."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.domain.speech import (
    DEFAULT_STYLE,
    LETTER_NAMES,
    MAX_NUMBER,
    VOCABULARY,
    SpeechStyle,
    announcement,
    announcement_display,
    announcement_segments,
    read_number,
    spell_ticket,
)

ALL_STYLES = [
    SpeechStyle(zero_tens=z, four=f, thousand=t)
    for z, f, t in itertools.product(("linh", "lẻ"), ("bốn", "tư"), ("nghìn", "ngàn"))
]
styles = st.sampled_from(ALL_STYLES)


def read(n: int, style: SpeechStyle = DEFAULT_STYLE) -> str:
    return read_number(n, **style.to_mapping())


# --- an independent parser: spoken words back to the integer ---------------------------------

_DIGIT = {w: i for i, w in enumerate(("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"))}


def _unit(word: str) -> int:
    return {"mốt": 1, "tư": 4, "lăm": 5}.get(word, _DIGIT.get(word, -1))


def _parse_triple(words: list[str]) -> int:
    value = 0
    if "trăm" in words:
        assert words.index("trăm") == 1
        value, words = 100 * _DIGIT[words[0]], words[2:]
    if not words:
        return value
    if words[0] in ("linh", "lẻ"):
        assert len(words) == 2 and words[1] in _DIGIT and words[1] != "không"
        return value + _DIGIT[words[1]]
    if words[0] == "mười":
        assert len(words) <= 2
        return value + 10 + (_unit(words[1]) if len(words) == 2 else 0)
    if len(words) >= 2 and words[1] == "mươi":
        assert len(words) <= 3
        return value + 10 * _DIGIT[words[0]] + (_unit(words[2]) if len(words) == 3 else 0)
    assert len(words) == 1
    return value + _DIGIT[words[0]]


def _parse_below_billion(words: list[str]) -> int:
    total = 0
    for unit, factor in (("triệu", 1_000_000), ("nghìn", 1000), ("ngàn", 1000)):
        if unit in words:
            i = words.index(unit)
            total += _parse_triple(words[:i]) * factor
            words = words[i + 1 :]
    return total + (_parse_triple(words) if words else 0)


def parse(text: str) -> int:
    words = text.split(" ")
    if words == ["không"]:
        return 0
    if "tỷ" in words:
        i = words.index("tỷ")
        return _parse_below_billion(words[:i]) * 1_000_000_000 + _parse_below_billion(words[i + 1 :])
    return _parse_below_billion(words)


# --- read_number: explicit examples -----------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "không"),
        (1, "một"),
        (4, "bốn"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi bốn"),
        (25, "hai mươi lăm"),
        (100, "một trăm"),
        (101, "một trăm linh một"),
        (104, "một trăm linh bốn"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (111, "một trăm mười một"),
        (115, "một trăm mười lăm"),
        (121, "một trăm hai mươi mốt"),
        (1000, "một nghìn"),
        (1005, "một nghìn không trăm linh năm"),
        (1010, "một nghìn không trăm mười"),
        (1023, "một nghìn không trăm hai mươi ba"),
        (1100, "một nghìn một trăm"),
        (10_000, "mười nghìn"),
        (15_000, "mười lăm nghìn"),
        (100_000, "một trăm nghìn"),
        (2_000_000, "hai triệu"),
        (1_000_005, "một triệu không trăm linh năm"),
        (1_001_000, "một triệu không trăm linh một nghìn"),
        (1_000_000_000, "một tỷ"),
        (1_000_000_001, "một tỷ không trăm linh một"),
        (1_000_000_000_000, "một nghìn tỷ"),
        (
            999_999_999_999,
            "chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu"
            " chín trăm chín mươi chín nghìn chín trăm chín mươi chín",
        ),
    ],
)
def test_read_number_default_style(n: int, expected: str) -> None:
    assert read_number(n) == expected


def test_zero_tens_linh_or_le() -> None:
    assert read_number(104) == "một trăm linh bốn"
    assert read_number(104, zero_tens="lẻ") == "một trăm lẻ bốn"
    assert read_number(105, zero_tens="lẻ") == "một trăm lẻ năm"
    assert read_number(1_001_000, zero_tens="lẻ") == "một triệu không trăm lẻ một nghìn"


def test_four_tu_only_after_muoi() -> None:
    assert read_number(24) == "hai mươi bốn"
    assert read_number(24, four="tư") == "hai mươi tư"
    assert read_number(34, four="tư") == "ba mươi tư"
    assert read_number(94, four="tư") == "chín mươi tư"
    assert read_number(4, four="tư") == "bốn"
    assert read_number(14, four="tư") == "mười bốn"
    assert read_number(104, four="tư") == "một trăm linh bốn"
    assert read_number(400, four="tư") == "bốn trăm"


def test_thousand_nghin_or_ngan() -> None:
    assert read_number(1000, thousand="ngàn") == "một ngàn"
    assert read_number(1023, thousand="ngàn") == "một ngàn không trăm hai mươi ba"


def test_read_number_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="negative"):
        read_number(-1)
    with pytest.raises(ValueError, match="too large"):
        read_number(MAX_NUMBER + 1)
    with pytest.raises(ValueError, match="zero_tens"):
        read_number(104, zero_tens="lẽ")
    with pytest.raises(ValueError, match="four"):
        read_number(24, four="bon")
    with pytest.raises(ValueError, match="thousand"):
        read_number(1000, thousand="ngan")
    with pytest.raises(TypeError):
        read_number("12")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        read_number(True)


# --- read_number: properties ------------------------------------------------------------------

NUMBER_WORDS = {*_DIGIT, "mười", "mươi", "mốt", "lăm", "trăm", "triệu", "tỷ", "linh", "lẻ", "tư", "nghìn", "ngàn"}


@given(st.integers(min_value=0, max_value=MAX_NUMBER), styles)
def test_reading_is_well_formed(n: int, style: SpeechStyle) -> None:
    text = read(n, style)
    words = text.split(" ")
    assert text == text.strip().lower()
    assert all(words)  # single spaces only
    assert set(words) <= NUMBER_WORDS
    assert set(words) <= VOCABULARY
    # only the configured regional variants appear
    assert not {"linh", "lẻ"} - {style.zero_tens} & set(words)
    assert not {"nghìn", "ngàn"} - {style.thousand} & set(words)
    if style.four == "bốn":
        assert "tư" not in words
    for prev, word in zip(words, words[1:]):
        if word == "mốt" or word == "tư":
            assert prev == "mươi"
        if word == "lăm":
            assert prev in ("mười", "mươi")
    assert words[-1] not in ("linh", "lẻ", "không") or n == 0
    # every group after a spoken higher group is read in full: "... nghìn không trăm ..."
    for i, word in enumerate(words[:-1]):
        if word in ("triệu", "nghìn", "ngàn", "tỷ") and words[i + 1] != "tỷ":
            assert words[i + 2] == "trăm"


@given(st.integers(min_value=0, max_value=MAX_NUMBER), styles)
def test_reading_parses_back(n: int, style: SpeechStyle) -> None:
    assert parse(read(n, style)) == n


@pytest.mark.parametrize("style", [DEFAULT_STYLE, SpeechStyle(zero_tens="lẻ", four="tư", thousand="ngàn")])
def test_readings_below_100000_are_distinct_exhaustively(style: SpeechStyle) -> None:
    readings = {read(n, style) for n in range(100_000)}
    assert len(readings) == 100_000


@given(st.integers(0, 99_999), st.integers(0, 99_999), styles)
def test_distinct_numbers_read_differently(a: int, b: int, style: SpeechStyle) -> None:
    assert (read(a, style) == read(b, style)) == (a == b)


# --- SpeechStyle ------------------------------------------------------------------------------


def test_style_defaults_are_northern() -> None:
    assert SpeechStyle() == DEFAULT_STYLE
    assert DEFAULT_STYLE.to_mapping() == {"zero_tens": "linh", "four": "bốn", "thousand": "nghìn"}


def test_style_is_frozen() -> None:
    with pytest.raises(AttributeError):
        DEFAULT_STYLE.four = "tư"  # type: ignore[misc]


def test_style_from_mapping() -> None:
    assert SpeechStyle.from_mapping({}) == DEFAULT_STYLE
    southern = SpeechStyle.from_mapping({"zero_tens": "lẻ", "four": "tư", "thousand": "ngàn"})
    assert southern == SpeechStyle("lẻ", "tư", "ngàn")
    # trimmed, case-folded and NFC-normalised (decomposed "ngàn")
    assert SpeechStyle.from_mapping({"thousand": " Nga\u0300n ", "four": "TƯ"}) == SpeechStyle(
        four="tư", thousand="ngàn"
    )


@pytest.mark.parametrize("style", ALL_STYLES)
def test_style_mapping_round_trip(style: SpeechStyle) -> None:
    assert SpeechStyle.from_mapping(style.to_mapping()) == style


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"four": "bon"}, "Invalid value for 'four'"),
        ({"zero_tens": "le"}, "Invalid value for 'zero_tens'"),
        ({"thousand": 1000}, "Invalid value for 'thousand'"),
        ({"thousand": None}, "Invalid value for 'thousand'"),
        ({"accent": "south"}, "Unknown speech style keys: accent"),
        (["four"], "must be a mapping"),
    ],
)
def test_style_from_mapping_rejects_bad_input(data: object, match: str) -> None:
    with pytest.raises(ValueError, match=match) as info:
        SpeechStyle.from_mapping(data)  # type: ignore[arg-type]
    message = str(info.value)
    vietnamese, english = message.split(" / ")
    assert vietnamese and english


def test_style_constructor_validates() -> None:
    with pytest.raises(ValueError, match="zero_tens"):
        SpeechStyle(zero_tens="không")


# --- spell_ticket ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("HT-015", "hát tê mười lăm"),
        ("1023", "một nghìn không trăm hai mươi ba"),
        ("CT-7", "xê tê bảy"),
        ("LĐTBXH-003", "e lờ đê tê bê ích xì hát ba"),
        ("000", "không"),
        ("A-000", "a không"),
        ("MS-100", "em mờ ét xì một trăm"),
        ("NR-021", "en nờ e rờ hai mươi mốt"),
        ("QY-104", "quy i dài một trăm linh bốn"),
        ("FJWZ-1", "ép gi vê kép dét một"),
        ("GKOPUV 2", "giê ca o pê u vê hai"),
        ("ht-015", "hát tê mười lăm"),
        ("  HT-015  ", "hát tê mười lăm"),
        ("đ1", "đê một"),
        ("ĂÂÊÔƠƯ", "a a e o o u"),
        ("Ư-12", "u mười hai"),
        ("A1B2", "a một bê hai"),
        ("HT_01.5", "hát tê một năm"),
    ],
)
def test_spell_ticket(label: str, expected: str) -> None:
    assert spell_ticket(label) == expected


def test_spell_ticket_decomposed_input() -> None:
    assert spell_ticket("\u0110") == "đê"
    assert spell_ticket("U\u031b") == "u"  # Ư as U + combining horn


def test_spell_ticket_uses_style() -> None:
    southern = SpeechStyle(zero_tens="lẻ", four="tư", thousand="ngàn")
    assert spell_ticket("HT-024", southern) == "hát tê hai mươi tư"
    assert spell_ticket("1005", southern) == "một ngàn không trăm lẻ năm"


def test_every_letter_has_a_name() -> None:
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZĐ":
        assert spell_ticket(letter) == LETTER_NAMES[letter]


@pytest.mark.parametrize("label", ["", "   ", "-", " - / ", "HT#015", "ß1", "Ж-1", "1" * 19, "A\u00a01\u200b"])
def test_spell_ticket_rejects_unreadable(label: str) -> None:
    with pytest.raises(ValueError):
        spell_ticket(label)


def test_spell_ticket_rejects_non_string() -> None:
    with pytest.raises(TypeError):
        spell_ticket(15)  # type: ignore[arg-type]


# --- announcements ----------------------------------------------------------------------------


def test_announcement_numeric() -> None:
    assert (
        announcement("1023", "3")
        == "Mời công dân có số một nghìn không trăm hai mươi ba đến quầy số ba"
    )


def test_announcement_prefixed_and_spelled_counter() -> None:
    assert announcement("HT-015", "12") == "Mời công dân có số hát tê mười lăm đến quầy số mười hai"
    assert announcement("CT-7", "B2") == "Mời công dân có số xê tê bảy đến quầy số bê hai"
    assert announcement("7", "03") == "Mời công dân có số bảy đến quầy số ba"


def test_announcement_uses_style() -> None:
    southern = SpeechStyle(zero_tens="lẻ", four="tư", thousand="ngàn")
    assert announcement("1024", "4", southern) == (
        "Mời công dân có số một ngàn không trăm hai mươi tư đến quầy số bốn"
    )


def test_announcement_display() -> None:
    assert announcement_display("1023", "3") == "Mời công dân có số 1023 đến quầy số 3"
    assert announcement_display(" HT-015 ", "B2 ") == "Mời công dân có số HT-015 đến quầy số B2"


def test_announcement_segments_example() -> None:
    assert announcement_segments("HT-015", "3") == [
        "Mời", "công", "dân", "có", "số", "hát", "tê", "mười", "lăm", "đến", "quầy", "số", "ba",
    ]  # fmt: skip


@pytest.mark.parametrize(("label", "counter"), [("", "1"), ("1", ""), ("HT#1", "1"), ("1", "?")])
def test_announcements_reject_unreadable(label: str, counter: str) -> None:
    with pytest.raises(ValueError):
        announcement(label, counter)
    with pytest.raises(ValueError):
        announcement_segments(label, counter)
    with pytest.raises(ValueError):
        announcement_display(label, counter)


# --- announcements: properties ----------------------------------------------------------------

LETTERS = "ABCDEGHIKLMNOPQRSTUVXYĐĂÂÊÔƠƯFJWZ"
prefixes = st.text(alphabet=LETTERS + LETTERS.lower(), min_size=1, max_size=6)
numbers = st.integers(min_value=0, max_value=99_999_999)
ticket_labels = st.one_of(
    numbers.map(str),
    st.builds(lambda p, n, w: f"{p}-{n:0{w}d}", prefixes, numbers, st.integers(1, 6)),
    st.text(alphabet=LETTERS + "0123456789- ", min_size=1, max_size=12).filter(
        lambda s: any(c.isalnum() for c in s)
    ),
)
counter_labels = st.one_of(st.integers(1, 999).map(str), ticket_labels)


@given(ticket_labels, counter_labels, styles)
@settings(max_examples=300)
def test_segments_join_to_announcement(label: str, counter: str, style: SpeechStyle) -> None:
    segments = announcement_segments(label, counter, style)
    spoken = announcement(label, counter, style)
    assert " ".join(segments) == spoken
    assert all(seg and " " not in seg for seg in segments)
    assert {seg.lower() for seg in segments} <= VOCABULARY
    assert spoken.startswith("Mời công dân có số ")
    assert f"đến quầy số {spell_ticket(counter, style)}" in spoken
    assert spoken.endswith(spell_ticket(counter, style))
    assert spoken[1:] == spoken[1:].lower()


@given(st.integers(min_value=0, max_value=MAX_NUMBER), styles)
def test_numeric_label_reads_as_number(n: int, style: SpeechStyle) -> None:
    assert spell_ticket(str(n), style) == read(n, style)
    assert spell_ticket(f"{n:020d}", style) == read(n, style)


@given(prefixes, numbers, st.integers(1, 6), styles)
def test_prefixed_label_spells_letters_then_number(prefix: str, n: int, width: int, style: SpeechStyle) -> None:
    spoken = spell_ticket(f"{prefix}-{n:0{width}d}", style)
    letters = " ".join(spell_ticket(c, style) for c in prefix)
    assert spoken == f"{letters} {read(n, style)}"


@given(ticket_labels, counter_labels)
def test_display_shows_labels_verbatim(label: str, counter: str) -> None:
    assert announcement_display(label, counter) == f"Mời công dân có số {label.strip()} đến quầy số {counter.strip()}"

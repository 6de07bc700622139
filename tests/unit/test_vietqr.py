"""VietQR: the reference vectors both ways, round trips, every refusal, and fuzzing."""
from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.domain.emv_tlv import crc16_ccitt_false, crc_hex, tlv
from services.domain.errors import DomainError
from services.domain.vietqr import VietQRError, decode_vietqr, encode_vietqr, unaccent

VECTORS = [
    ("00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F",
     dict(bin="970416", account="257678859")),
    ("00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN"
     "62150811Chuyen tien630453E6",
     dict(bin="970416", account="257678859", amount=10000, purpose="Chuyen tien")),
    ("00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA530370454069999995802VN"
     "62140810Cam on nhe6304E786",
     dict(bin="970416", account="257678859", amount=999999, purpose="Cam on nhe")),
    ("00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN63044F52",
     dict(bin="970403", account="9704031101234567", card=True)),
]
STATIC = VECTORS[0][0]


def test_crc_check_value() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert crc_hex("123456789") == "29B1"
    assert crc16_ccitt_false(b"") == 0xFFFF


@pytest.mark.parametrize("payload,inputs", VECTORS)
def test_vectors_encode_byte_for_byte(payload: str, inputs: dict) -> None:
    assert encode_vietqr(**inputs) == payload


@pytest.mark.parametrize("payload,inputs", VECTORS)
def test_vectors_decode(payload: str, inputs: dict) -> None:
    qr = decode_vietqr(payload)
    assert (qr.bin, qr.account, qr.card, qr.amount, qr.purpose) == (
        inputs["bin"], inputs["account"], inputs.get("card", False), inputs.get("amount"), inputs.get("purpose"))
    assert qr.dynamic == ("amount" in inputs)
    assert qr.crc == payload[-4:]
    assert qr.encode() == payload
    assert qr.fields[0] == ("00", "01") and dict(qr.fields)["58"] == "VN"


def test_lower_case_crc_is_accepted_and_reported_upper_case() -> None:
    assert decode_vietqr(STATIC[:-4] + "ae9f").crc == "AE9F"


def test_unknown_top_level_and_additional_fields_are_kept() -> None:
    payload = build(("00", "01"), ("01", "11"), ("38", merchant()), ("52", "8299"), ("53", "704"),
                    ("58", "VN"), ("59", "UBND XA AN BINH"), ("62", "0306QUAY 10809LE PHI HT"))
    qr = decode_vietqr(payload)
    assert dict(qr.fields)["59"] == "UBND XA AN BINH"
    assert qr.additional == (("03", "QUAY 1"),) and qr.purpose == "LE PHI HT"


def test_all_text_fields_round_trip() -> None:
    p = encode_vietqr(bin="970436", account="0011001932418", amount=50000, bill="HS-2026-0001",
                      reference="MCABC234", terminal="QUAY 3", purpose="Le phi chung thuc")
    qr = decode_vietqr(p)
    assert (qr.bill, qr.reference, qr.terminal, qr.purpose) == ("HS-2026-0001", "MCABC234", "QUAY 3",
                                                                 "Le phi chung thuc")
    assert qr.encode() == p


# --- Vietnamese text ---------------------------------------------------------------------------

def test_purpose_in_vietnamese_is_unaccented() -> None:
    qr = decode_vietqr(encode_vietqr(bin="970405", account="1234567890", purpose="Lệ phí chứng thực"))
    assert qr.purpose == "Le phi chung thuc"
    assert unaccent("Đăng ký khai sinh cho bé Ngọc") == "Dang ky khai sinh cho be Ngoc"


def test_every_vietnamese_vowel_and_d() -> None:
    lower = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
    expect = "a" * 18 + "e" * 12 + "i" * 6 + "o" * 18 + "u" * 12 + "y" * 6 + "d"
    assert unaccent(lower) == expect
    assert unaccent(lower.upper()) == expect.upper()
    import unicodedata
    assert unaccent(unicodedata.normalize("NFD", lower)) == expect  # already decomposed input too


@pytest.mark.parametrize("purpose,reason", [
    ("Phí 公证", "unsupported_character"), ("Tab\there", "unsupported_character"), ("😀", "unsupported_character"),
    ("", "empty_field"), ("x" * 26, "field_too_long"),
    ("Lệ phí chứng thực bản sao giấy tờ", "field_too_long"),  # 33 characters once unaccented: refused, not cut
])
def test_bad_purposes_are_refused(purpose: str, reason: str) -> None:
    with pytest.raises(VietQRError) as err:
        encode_vietqr(bin="970416", account="257678859", purpose=purpose)
    assert err.value.reason == reason
    assert err.value.message_vi and err.value.message_en and err.value.message_vi != err.value.message_en


def test_twenty_five_characters_fit() -> None:
    assert decode_vietqr(encode_vietqr(bin="970416", account="1", purpose="y" * 25)).purpose == "y" * 25


def test_additional_data_over_99_is_refused() -> None:
    with pytest.raises(VietQRError) as err:
        encode_vietqr(bin="970416", account="1", bill="b" * 25, reference="r" * 25, terminal="t" * 25,
                      purpose="p" * 25)
    assert err.value.reason == "additional_too_long"


@pytest.mark.parametrize("kwargs,reason", [
    (dict(bin="97041"), "bad_bin"), (dict(bin="9704160"), "bad_bin"), (dict(bin="٩٧٠٤١٦"), "bad_bin"),
    (dict(bin=970416), "bad_bin"),
    (dict(account=""), "bad_account"), (dict(account="1" * 20), "bad_account"),
    (dict(account="12-34"), "bad_account"), (dict(account="sốtk"), "bad_account"),
    (dict(account="123456789012345", card=True), "bad_card"), (dict(account="97040311012345AB", card=True), "bad_card"),
    (dict(amount=0), "bad_amount"), (dict(amount=-1), "bad_amount"), (dict(amount=10**13), "bad_amount"),
    (dict(amount=True), "bad_amount"), (dict(amount=1.5), "bad_amount"), (dict(amount="100"), "bad_amount"),
    (dict(bill="hoá đơn"), "unsupported_character"), (dict(terminal="t" * 26), "field_too_long"),
])
def test_bad_inputs_are_refused(kwargs: dict, reason: str) -> None:
    with pytest.raises(VietQRError) as err:
        encode_vietqr(**{"bin": "970416", "account": "257678859", **kwargs})
    assert err.value.reason == reason
    assert isinstance(err.value, DomainError) and err.value.as_dict()["reason"] == reason


# --- malformed payloads ------------------------------------------------------------------------

def build(*fields: tuple[str, str]) -> str:
    body = "".join(f"{tag}{len(value):02d}{value}" for tag, value in fields) + "6304"
    return body + crc_hex(body)


def merchant(guid: str = "A000000727", bin_: str = "970416", account: str = "257678859",
             service: str = "QRIBFTTA", extra: str = "") -> str:
    return tlv("00", guid) + tlv("01", tlv("00", bin_) + tlv("01", account)) + tlv("02", service) + extra


def root(**changes: str | None) -> str:
    fields = {"00": "01", "01": "11", "38": merchant(), "53": "704", "58": "VN"}
    for tag, value in changes.items():
        fields.pop(tag[1:], None) if value is None else fields.__setitem__(tag[1:], value)
    return build(*fields.items())


MALFORMED = [
    ("not_text", None), ("too_long", "0" * 600), ("bad_character", STATIC[:20] + "é" + STATIC[21:]),
    ("bad_character", STATIC + "\n"), ("crc_missing", ""), ("crc_missing", "000201"),
    ("bad_tag", "X0020101"), ("bad_length", "00AB01"), ("bad_length", "0000" + STATIC[4:]),
    ("truncated", STATIC[:-1]), ("truncated", "00020"), ("trailing_data", STATIC + "0000"),
    ("bad_crc_format", STATIC[:-8] + "6303AE9"), ("bad_crc_format", STATIC[:-4] + "AEXF"),
    ("crc_mismatch", STATIC[:-1] + "0"), ("crc_mismatch", STATIC.replace("257678859", "257678858")),
    ("duplicate_tag", build(("00", "01"), ("01", "11"), ("38", merchant()), ("53", "704"), ("53", "704"),
                            ("58", "VN"))),
    ("duplicate_tag", root(_62="08020A0802AB")),
    ("misplaced_field", build(("01", "11"), ("00", "01"), ("38", merchant()), ("53", "704"), ("58", "VN"))),
    ("bad_format_indicator", root(_00="02")), ("bad_initiation", root(_01="13")),
    ("missing_field", root(_01=None)), ("missing_field", root(_38=None)), ("missing_field", root(_53=None)),
    ("missing_field", root(_58=None)),
    ("missing_field", root(_38=tlv("00", "A000000727") + tlv("01", tlv("00", "970416") + tlv("01", "1")))),
    ("missing_field", root(_38=tlv("00", "A000000727") + tlv("01", tlv("00", "970416")) + tlv("02", "QRIBFTTA"))),
    ("bad_guid", root(_38=merchant(guid="A000000775"))), ("bad_service", root(_38=merchant(service="QRPUSH"))),
    ("bad_bin", root(_38=merchant(bin_="97041A"))), ("bad_account", root(_38=merchant(account="12.3"))),
    ("bad_card", root(_38=merchant(account="12345", service="QRIBFTTC"))),
    ("unexpected_field", root(_38=merchant(extra="0301X"))),
    ("truncated", root(_38="0010A0000007270123000697041601102576788590208QRIBFTTA")),  # inner length off by one
    ("bad_currency", root(_53="840")), ("bad_country", root(_58="TH")),
    ("bad_amount", root(_54="10.5")), ("bad_amount", root(_54="0")), ("bad_amount", root(_54="01000")),
    ("bad_amount", root(_54="12345678901234")),
    ("field_too_long", root(_62=tlv("08", "x" * 26))), ("bad_tag", root(_62="AB01x")),
]


@pytest.mark.parametrize("reason,payload", MALFORMED)
def test_malformed_payloads_are_refused_with_their_reason(reason: str, payload: str) -> None:
    with pytest.raises(VietQRError) as err:
        decode_vietqr(payload)
    assert err.value.reason == reason, err.value
    assert err.value.message_vi and err.value.message_en


# --- properties --------------------------------------------------------------------------------

ASCII_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=25)
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@st.composite
def inputs(draw: st.DrawFn) -> dict:
    card = draw(st.booleans())
    account = draw(st.text("0123456789", min_size=16, max_size=19) if card else st.text(ALNUM, min_size=1, max_size=19))
    texts = {k: draw(st.none() | ASCII_TEXT) for k in ("bill", "purpose", "reference", "terminal")}
    assume(sum(len(v) + 4 for v in texts.values() if v is not None) <= 99)
    return dict(bin=draw(st.text("0123456789", min_size=6, max_size=6)), account=account, card=card,
                amount=draw(st.none() | st.integers(1, 10**13 - 1)), **texts)


@settings(max_examples=300)
@given(inputs())
def test_encode_then_decode_gives_the_inputs_back(kw: dict) -> None:
    payload = encode_vietqr(**kw)
    qr = decode_vietqr(payload)
    assert {k: getattr(qr, k) for k in kw} == kw
    assert qr.dynamic == (kw["amount"] is not None)
    assert qr.encode() == payload  # decode -> encode gives the payload back


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_arbitrary_text_only_ever_raises_vietqr_error(text: str) -> None:
    try:
        decode_vietqr(text)
    except VietQRError:
        pass


@settings(max_examples=500)
@given(st.sampled_from([v for v, _ in VECTORS]),
       st.lists(st.tuples(st.sampled_from(["set", "insert", "delete"]), st.integers(0, 200),
                          st.sampled_from("0123456789ABQRTV .-é\x00")), min_size=1, max_size=4),
       st.booleans())
def test_mutated_payloads_only_ever_raise_vietqr_error(payload: str, edits: list, fix_crc: bool) -> None:
    text = payload
    for op, pos, ch in edits:
        pos = pos % (len(text) + 1)
        text = {"set": text[:pos] + ch + text[pos + 1:], "insert": text[:pos] + ch + text[pos:],
                "delete": text[:pos] + text[pos + 1:]}[op]
    if fix_crc and text[-8:-4] == "6304" and text[:-4].isascii():
        text = text[:-4] + crc_hex(text[:-4])  # get past the CRC to exercise the field checks
    try:
        qr = decode_vietqr(text)
    except VietQRError:
        return
    again = decode_vietqr(qr.encode())  # whatever survives is re-encodable to the same transfer
    assert (again.bin, again.account, again.card, again.amount, again.purpose) == (
        qr.bin, qr.account, qr.card, qr.amount, qr.purpose)

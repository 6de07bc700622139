import pytest

from services import messages as m


def test_round_trip_keeps_vietnamese_text() -> None:
    cmd = m.ConfigureOffice(office="o1", name="Trung tâm Phục vụ hành chính công xã Đông Anh")
    data = m.encode(cmd)
    assert "Đông Anh".encode() in data
    assert m.decode(m.ConfigureOffice, data) == cmd


@pytest.mark.parametrize("payload,reason", [
    (b"not json", "not UTF-8 JSON"), (b"\xff\xfe", "not UTF-8 JSON"), (b"[]", "JSON object"),
    (b'{"office": "o"}', "missing field 'service'"), (b'{"office": "o", "service": 5}', "IssueTicket.service"),
    (b'{"office": "o", "service": "HT", "priority": true}', "priority"),
])
def test_bad_payloads_say_what_is_wrong(payload: bytes, reason: str) -> None:
    with pytest.raises(m.InvalidMessage, match=reason):
        m.decode(m.IssueTicket, payload)


def test_every_command_and_event_has_a_distinct_subject() -> None:
    subjects = [m.command_subject("motcua", c) for c in m.COMMANDS.values()]
    assert len(set(subjects)) == len(subjects)
    event = m.TicketCalled(office="o1", ticket={"number": "HT-001"})
    subject = m.event_subject("motcua", event)
    assert subject == "motcua.evt.o1.ticket.called"
    assert m.event_from_subject("motcua", subject, m.encode(event)) == event


def test_error_replies_become_service_errors() -> None:
    with pytest.raises(m.ServiceError) as err:
        m.parse_reply(m.reply_error("not_found", "Không tìm thấy", "Not found"))
    assert err.value.code == "not_found" and err.value.message == "Không tìm thấy"
    with pytest.raises(m.ServiceError, match="bad_reply"):
        m.parse_reply(b"garbage")

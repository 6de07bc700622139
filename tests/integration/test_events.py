"""Every state change reaches the JetStream stream once, in order, and only when it committed."""
from __future__ import annotations

import json

import nats
import pytest

from services import messages as m
from services.store.outbox import OutboxRelay
from services.system import Running
from tests.integration.conftest import ask


async def stream_events(system: Running, office: str, expect: int, timeout: float = 5.0) -> list[dict]:
    """Read the office's events from the stream from the start (a new ordered consumer)."""
    js = system.bus.js
    received: list[dict] = []
    sub = await js.subscribe(m.events_wildcard(system.settings.subject_prefix, office),
                             ordered_consumer=True, stream=system.settings.stream)
    try:
        while len(received) < expect:
            msg = await sub.next_msg(timeout=timeout)
            received.append({"subject": msg.subject, "msg_id": (msg.headers or {}).get("Nats-Msg-Id"),
                             **json.loads(msg.data)})
        with pytest.raises(nats.errors.TimeoutError):
            await sub.next_msg(timeout=0.3)  # and nothing more
    finally:
        await sub.unsubscribe()
    return received


async def test_lifecycle_events_are_published_in_order_with_ids(system: Running, office: str) -> None:
    ticket = await ask(system, m.IssueTicket(office=office, service="HT"))
    await ask(system, m.CallNext(office=office, counter="1"))
    await ask(system, m.Recall(ticket_id=ticket["id"]))
    await ask(system, m.Start(ticket_id=ticket["id"]))
    await ask(system, m.Complete(ticket_id=ticket["id"]))
    events = await stream_events(system, office, 6)
    assert [e["type"] for e in events] == ["office.configured", "ticket.issued", "ticket.called",
                                           "ticket.recalled", "ticket.started", "ticket.completed"]
    assert all(e["msg_id"] == e["event_id"] for e in events)
    assert len({e["event_id"] for e in events}) == 6
    called = events[2]
    assert called["subject"] == f"{system.settings.subject_prefix}.evt.{office}.ticket.called"
    assert called["ticket"]["number"] == "HT-001" and called["counter"] == "1"


async def test_a_refused_command_publishes_nothing(system: Running, office: str) -> None:
    ticket = await ask(system, m.IssueTicket(office=office, service="HT"))
    with pytest.raises(m.ServiceError) as err:
        await ask(system, m.Complete(ticket_id=ticket["id"]))
    assert err.value.code == "illegal_transition"
    with pytest.raises(m.ServiceError):
        await ask(system, m.IssueTicket(office=office, service="NOPE"))
    events = await stream_events(system, office, 2)
    assert [e["type"] for e in events] == ["office.configured", "ticket.issued"]


async def test_events_wait_in_the_outbox_while_nats_fails_and_are_not_duplicated(system: Running) -> None:
    """A relay whose publish fails keeps the rows in order; a later relay sends them; a re-send is a no-op."""
    from services.store import outbox
    from services.store.db import create_pool, migrate
    from tests.conftest import unique

    # An outbox of our own (fresh schema, no service relay running on it), publishing to the real stream.
    schema = unique("outbox_")
    pool = await create_pool(system.settings.database_url, schema, min_size=1, max_size=2)
    try:
        await migrate(pool)
        events = [m.CounterPaused(office="relaytest", counter=str(i)) for i in range(3)]
        async with pool.acquire() as conn, conn.transaction():
            await outbox.append(conn, system.settings.subject_prefix, events)

        async def failing(subject: str, data: bytes, event_id: str, after: str | None) -> None:
            raise ConnectionError("NATS is down")

        assert await OutboxRelay(pool, failing).relay_once() == 0
        assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 3

        flaky_calls = 0

        async def flaky(subject: str, data: bytes, event_id: str, after: str | None) -> None:
            nonlocal flaky_calls
            flaky_calls += 1
            if flaky_calls == 2:
                raise ConnectionError("lost the connection mid-batch")
            await system.system_bus.publish_event(subject, data, event_id, after)

        # The batch goes out at once: the third event reaches the stream, which refuses it (its predecessor, the
        # second, is not the stream's last message), so the order holds.
        assert await OutboxRelay(pool, flaky).relay_once() == 1  # stops at the failure: order is kept
        assert flaky_calls == 3
        assert await OutboxRelay(pool, system.system_bus.publish_event).relay_once() == 2
        assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0

        # A relay that crashed after publishing but before marking re-sends: JetStream drops the copy.
        row = await pool.fetchrow("SELECT event_id, subject, payload FROM outbox ORDER BY id LIMIT 1")
        await system.system_bus.publish_event(row["subject"], json.dumps(row["payload"]).encode(), str(row["event_id"]))
        received = await stream_events(system, "relaytest", 3)
        assert [e["counter"] for e in received] == ["0", "1", "2"]
    finally:
        await pool.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await pool.close()

"""The invariants a soak run must keep, checked against the database and the stream at its end."""
from __future__ import annotations

import asyncio
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import nats


async def _stream_event_ids(state: dict[str, Any], password: str) -> list[str]:
    nc = await nats.connect(state["nats_url"], user="system", password=password)
    sub = await nc.jetstream().subscribe("motcua.evt.>", ordered_consumer=True, stream="MOTCUA_EVENTS")
    seen: list[str] = []
    try:
        while True:
            msg = await sub.next_msg(timeout=3)
            seen.append(json.loads(msg.data)["event_id"])
    except nats.errors.TimeoutError:
        pass
    await nc.close()
    return seen


async def check_invariants(server: Any, soak: Any, boards: dict[int, dict[str, Any]]) -> list[str]:
    state = server.state()
    password = json.loads((server.home / "secrets" / "nats.json").read_text())["system"]
    conn = await asyncpg.connect(state["database_url"], server_settings={"search_path": "motcua"})
    try:
        for _ in range(30):                                       # the relay drains after the last fault
            if not await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"):
                break
            await asyncio.sleep(1)
        rows = await conn.fetch("SELECT id::text, number FROM tickets WHERE office_id = $1", soak.office)
        stored = {r["id"]: r["number"] for r in rows}
        missing = [t for t in soak.answered if t not in stored]
        renumbered = [t for t, answer in soak.answered.items() if t in stored and stored[t] != answer["number"]]
        numbering = await conn.fetch(
            "SELECT origin_service, local_day, array_agg(seq ORDER BY issued_at, seq) AS seqs FROM tickets"
            " WHERE office_id = $1 GROUP BY 1, 2", soak.office)
        not_increasing = [f"{r['origin_service']}/{r['local_day']}" for r in numbering
                          if list(r["seqs"]) != sorted(set(r["seqs"]))]
        committed = [str(r["event_id"]) for r in await conn.fetch("SELECT event_id FROM outbox")]
        unpublished = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        current = {r["counter_id"]: r["number"] for r in await conn.fetch(
            "SELECT counter_id, number FROM tickets WHERE office_id = $1 AND status IN ('called', 'serving')",
            soak.office)}
    finally:
        await conn.close()
    seen = await _stream_event_ids(state, password)
    twice = len(seen) - len(set(seen))
    lost = len(set(committed) - set(seen))
    handed_twice = [t for t, counters in soak.handed.items() if len(counters) > 1]
    truth = {str(c): current.get(str(c)) for c in range(1, soak.clerks + 1)}
    stale_boards = {n: {c: (shown.get(c), truth[c]) for c in truth if shown.get(c) != truth[c]}
                    for n, shown in boards.items()}
    stale_boards = {n: dict(list(diff.items())[:3]) for n, diff in stale_boards.items() if diff}

    def verdict(ok: bool) -> str:
        return "OK  " if ok else "FAIL"

    return [
        f"{verdict(not missing and not renumbered)} every answered ticket exists once with its number "
        f"({len(soak.answered)} answered; missing {len(missing)}, renumbered {len(renumbered)})",
        f"{verdict(not handed_twice)} no ticket handed to two clerks ({len(handed_twice)} were)",
        f"{verdict(not not_increasing)} numbers strictly increase per service and day "
        f"({len(numbering)} sequences; broken: {not_increasing[:5]})",
        f"{verdict(twice == 0 and lost == 0 and unpublished == 0)} every committed event on the stream once "
        f"({len(committed)} committed, {len(seen)} on the stream, {twice} twice, {lost} lost, {unpublished} waiting)",
        f"{verdict(not stale_boards)} boards converge to the database ({len(boards)} boards; "
        f"differing, counter: (shown, true): {stale_boards})",
    ]


def server_problems(server: Any, keep: Path = Path(tempfile.gettempdir()) / "motcua-soak-up.log") -> str:
    """Errors the server logged during the run, counted by their message; the whole log is kept at `keep`."""
    text = (server.home / "up.log").read_text(errors="replace")
    keep.write_text(text)
    errors = Counter(line.split(" ", 3)[-1][:120] for line in text.splitlines()
                     if " ERROR " in line or " CRITICAL " in line)
    return f"{sum(errors.values())} errors {dict(errors.most_common(8))} (whole log: {keep})"

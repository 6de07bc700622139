"""Who may publish and subscribe what on NATS: one user per service, each limited to its own subjects.

The same table makes the embedded nats-server's configuration (passwords generated into MOTCUA_HOME) and the
production one (`motcua nats-config`: passwords referenced as environment variables, never written down).
Replies: a service answers on the requester's inbox through `allow_responses`; each connection's own inbox is
`_INBOX.<user>.…` (services.bus sets that prefix), so nobody can read another service's replies.
"""
from __future__ import annotations

import json
from typing import Mapping

# The services whose processes connect to NATS. `system` is for maintenance (seeding, migrations, tests).
USERS = ("web", "ticketing", "accounts", "identity", "payment", "feedback", "stats", "system")
# Services that answer commands on motcua.cmd.<service>.* (and so receive requests).
SERVICES = ("ticketing", "accounts", "identity", "payment", "feedback", "stats")
# Services that publish events to the stream through their outbox relay.
EVENT_PUBLISHERS = ("ticketing", "identity", "payment", "feedback")
# Services that read the stream with consumers of their own.
# identity: its replicas follow the citizens' events; feedback: who served each ticket; stats: every event.
EVENT_READERS = ("web", "identity", "feedback", "stats")


def permissions(prefix: str, stream: str) -> dict[str, dict[str, object]]:
    js_stream = [f"$JS.API.STREAM.INFO.{stream}", f"$JS.API.STREAM.CREATE.{stream}",
                 f"$JS.API.STREAM.UPDATE.{stream}", "$JS.API.INFO"]
    js_consume = [f"$JS.API.CONSUMER.*.{stream}", f"$JS.API.CONSUMER.*.{stream}.>",
                  f"$JS.API.STREAM.INFO.{stream}", "$JS.FC.>", "$JS.ACK.>", "$JS.API.INFO"]
    table: dict[str, dict[str, object]] = {}
    for user in USERS:
        if user == "system":
            table[user] = {"publish": [">"], "subscribe": [">"]}
            continue
        publish: list[str] = []
        subscribe = [f"_INBOX.{user}.>"]
        if user == "web":
            publish += [f"{prefix}.cmd.>"]
            subscribe += [f"{prefix}.auth.>"]
        if user in SERVICES:
            subscribe += [f"{prefix}.cmd.{user}.>"]
            publish += [f"{prefix}.cmd.ticketing.get_office", f"{prefix}.cmd.ticketing.get_ticket",
                        f"{prefix}.cmd.ticketing.locate_ticket"]
        if user == "accounts":
            publish += [f"{prefix}.auth.>"]
        if user in EVENT_PUBLISHERS:
            publish += [f"{prefix}.evt.>", *js_stream]
        if user in EVENT_READERS:
            publish += js_consume
        entry: dict[str, object] = {"publish": sorted(set(publish)), "subscribe": sorted(set(subscribe))}
        if user in SERVICES:
            entry["allow_responses"] = {"max": 1000}     # a large answer comes in parts (services.bus)
        table[user] = entry
    return table


def server_config(prefix: str, stream: str, passwords: Mapping[str, str], *, max_payload_mib: int = 8) -> str:
    """The authorization block (and limits) of a nats-server configuration. `passwords` maps each user to a
    password, or to `$ENV_NAME` to have nats-server read it from its environment."""
    lines = [f"max_payload: {max_payload_mib}MB", "authorization {", "  users = ["]
    for user, perms in permissions(prefix, stream).items():
        if user not in passwords:
            continue
        secret = passwords[user]
        password = secret if secret.startswith("$") else json.dumps(secret)
        lines.append(f"    {{user: {json.dumps(user)}, password: {password}, permissions: {json.dumps(perms)}}}")
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def env_name(user: str) -> str:
    return f"MOTCUA_NATS_{user.upper()}_PASSWORD"

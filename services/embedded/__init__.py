"""The embedded default: a local nats-server with JetStream and a local PostgreSQL, for `motcua up` when
NATS_URL / DATABASE_URL are unset. Data lives under MOTCUA_HOME and survives restarts.

Both are locked: they listen on loopback only and require credentials generated on first start and kept in
MOTCUA_HOME/secrets (owner-only), so another local process cannot connect without them. NATS has one user per
service with its own permissions (services.nats_auth); PostgreSQL takes SCRAM-SHA-256 passwords only.

Both die with motcua (the parent-death signal), a start stops what an earlier crash left running on its own
store, and `motcua up` supervises them (services.embedded.supervisor): restarted with backoff when they die."""
from services.embedded.nats import EmbeddedNats, nats_server_binary
from services.embedded.postgres import PG_SYSTEM_USER, EmbeddedPostgres
from services.embedded.process import EmbeddedError, free_port

__all__ = ["EmbeddedError", "EmbeddedNats", "EmbeddedPostgres", "PG_SYSTEM_USER", "free_port", "nats_server_binary"]

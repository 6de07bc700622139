"""SQL for citizens, consents, sealed face encodings and the audit log. Functions take a connection."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, AsyncIterator

import asyncpg

from services.domain.access import Actor
from services.domain.cccd import CccdCard
from services.domain.errors import NotFound

from .sealing import Sealed


@dataclass(frozen=True)
class Citizen:
    id: str
    id_number: str
    old_id_number: str | None
    name: str
    birth_date: date
    sex: str
    address: str
    issue_date: date
    created_at: datetime
    updated_at: datetime

    def card(self) -> dict[str, Any]:
        """The card's data, as POST /api/identity/cccd gives it, with the citizen's id."""
        return {"citizen_id": self.id, "id_number": self.id_number, "old_id_number": self.old_id_number,
                "name": self.name, "birth_date": self.birth_date.isoformat(), "sex": self.sex,
                "address": self.address, "issue_date": self.issue_date.isoformat()}


_COLUMNS = "id, id_number, old_id_number, name, birth_date, sex, address, issue_date, created_at, updated_at"


def _citizen(row: asyncpg.Record) -> Citizen:
    return Citizen(str(row["id"]), row["id_number"], row["old_id_number"], row["name"], row["birth_date"],
                   row["sex"], row["address"], row["issue_date"], row["created_at"], row["updated_at"])


def as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None


def not_found(citizen_id: str) -> NotFound:
    return NotFound(f"Không có công dân '{citizen_id}'", f"No citizen '{citizen_id}'")


async def upsert_citizen(conn: asyncpg.Connection, card: CccdCard) -> tuple[Citizen, bool]:
    """Record the card; the same ID number keeps its citizen id. A card issued on or after the stored one replaces
    the stored fields (a new address, a re-issued card); an older card changes nothing. Returns (citizen, created);
    the row is locked until the transaction ends."""
    row = await conn.fetchrow(
        f"INSERT INTO citizens (id, id_number, old_id_number, name, birth_date, sex, address, issue_date)"
        f" VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        f" ON CONFLICT (id_number) DO UPDATE SET old_id_number = EXCLUDED.old_id_number, name = EXCLUDED.name,"
        f" birth_date = EXCLUDED.birth_date, sex = EXCLUDED.sex, address = EXCLUDED.address,"
        f" issue_date = EXCLUDED.issue_date, updated_at = now() WHERE citizens.issue_date <= EXCLUDED.issue_date"
        f" RETURNING {_COLUMNS}, xmax = 0 AS created",
        uuid.uuid4(), card.id_number, card.old_id_number, card.name, card.birth_date, card.sex, card.address,
        card.issue_date,
    )
    if row is not None:
        return _citizen(row), bool(row["created"])
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM citizens WHERE id_number = $1 FOR UPDATE", card.id_number)
    return _citizen(row), False


async def find_citizen(conn: asyncpg.Connection, citizen_id: str, *, lock: bool = False) -> Citizen | None:
    ident = as_uuid(citizen_id)
    if ident is None:
        return None
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM citizens WHERE id = $1" + (" FOR UPDATE" if lock else ""),
                              ident)
    return _citizen(row) if row else None


async def get_citizen(conn: asyncpg.Connection, citizen_id: str, *, lock: bool = False) -> Citizen:
    citizen = await find_citizen(conn, citizen_id, lock=lock)
    if citizen is None:
        raise not_found(citizen_id)
    return citizen


async def citizen_with_face(conn: asyncpg.Connection, citizen_id: str) -> Citizen | None:
    """The citizen if their face is still enrolled now (a match is confirmed against the record)."""
    row = await conn.fetchrow(f"SELECT {', '.join('c.' + c for c in _COLUMNS.split(', '))} FROM citizens c"
                              " JOIN face_encodings f ON f.citizen_id = c.id WHERE c.id = $1", uuid.UUID(citizen_id))
    return _citizen(row) if row else None


# ------------------------------------------------------------ consents and faces

async def add_consent(conn: asyncpg.Connection, citizen_id: str, purpose: str, office: str | None, by: str) -> int:
    return await conn.fetchval("INSERT INTO citizen_consents (citizen_id, purpose, office_id, granted_by)"
                               " VALUES ($1, $2, $3, $4) RETURNING id", uuid.UUID(citizen_id), purpose, office, by)


async def withdraw_consents(conn: asyncpg.Connection, citizen_id: str, by: str) -> int:
    done = await conn.execute("UPDATE citizen_consents SET withdrawn_at = now(), withdrawn_by = $2"
                              " WHERE citizen_id = $1 AND withdrawn_at IS NULL", uuid.UUID(citizen_id), by)
    return int(done.split()[-1])


async def put_face(conn: asyncpg.Connection, citizen_id: str, consent_id: int, sealed: Sealed) -> None:
    await conn.execute(
        "INSERT INTO face_encodings (citizen_id, consent_id, key_id, nonce, ciphertext) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (citizen_id) DO UPDATE SET consent_id = EXCLUDED.consent_id, key_id = EXCLUDED.key_id,"
        " nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext, enrolled_at = now()",
        uuid.UUID(citizen_id), consent_id, sealed.key_id, sealed.nonce, sealed.ciphertext)


async def delete_face(conn: asyncpg.Connection, citizen_id: str) -> bool:
    done = await conn.execute("DELETE FROM face_encodings WHERE citizen_id = $1", uuid.UUID(citizen_id))
    return done.endswith(" 1")


async def has_face(conn: asyncpg.Connection, citizen_id: str) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM face_encodings WHERE citizen_id = $1)",
                                    uuid.UUID(citizen_id)))


async def sealed_face(conn: asyncpg.Connection, citizen_id: str) -> Sealed | None:
    row = await conn.fetchrow("SELECT key_id, nonce, ciphertext FROM face_encodings WHERE citizen_id = $1",
                              uuid.UUID(citizen_id))
    return Sealed(row["key_id"], bytes(row["nonce"]), bytes(row["ciphertext"])) if row else None


async def all_faces(pool: asyncpg.Pool, chunk: int = 10_000) -> AsyncIterator[list[tuple[str, Sealed]]]:
    """Every sealed face, in chunks, from one consistent snapshot."""
    async with pool.acquire() as conn:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            cursor = conn.cursor("SELECT citizen_id, key_id, nonce, ciphertext FROM face_encodings", prefetch=chunk)
            batch: list[tuple[str, Sealed]] = []
            async for row in cursor:
                batch.append((str(row["citizen_id"]), Sealed(row["key_id"], bytes(row["nonce"]),
                                                             bytes(row["ciphertext"]))))
                if len(batch) >= chunk:
                    yield batch
                    batch = []
            if batch:
                yield batch


async def reseal(conn: asyncpg.Connection, citizen_id: str, old_key_id: str, sealed: Sealed) -> None:
    """Replace a face sealed under an old key, unless it changed meanwhile."""
    await conn.execute("UPDATE face_encodings SET key_id = $3, nonce = $4, ciphertext = $5"
                       " WHERE citizen_id = $1 AND key_id = $2", uuid.UUID(citizen_id), old_key_id, sealed.key_id,
                       sealed.nonce, sealed.ciphertext)


# ------------------------------------------------------------ the audit log (append-only in the database)

async def audit(conn: asyncpg.Connection, actor: Actor, action: str, outcome: str, purpose: str, *,
                citizen_id: str | None = None, office: str | None = None, **detail: Any) -> None:
    await conn.execute(
        "INSERT INTO citizen_audit (citizen_id, action, outcome, purpose, office_id, actor_type, actor_id, actor,"
        " detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        uuid.UUID(citizen_id) if citizen_id else None, action, outcome, purpose, office, actor.type, actor.id,
        actor.describe(), detail)


async def audit_entries(conn: asyncpg.Connection, citizen_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch("SELECT id, at, action, outcome, purpose, office_id, actor_type, actor_id, actor, detail"
                            " FROM citizen_audit WHERE citizen_id = $1 ORDER BY id", uuid.UUID(citizen_id))
    return [{"id": r["id"], "at": r["at"].isoformat(), "action": r["action"], "outcome": r["outcome"],
             "purpose": r["purpose"], "office": r["office_id"],
             "who": {"type": r["actor_type"], "id": r["actor_id"], "description": r["actor"]},
             "detail": r["detail"]} for r in rows]

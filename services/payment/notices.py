"""Bank notices from the gateways: authenticity first, then the raw notice stored, then matched to its fee.

Nothing is lost between receiving and recording a notice:
1. `record` checks authenticity (constant time; a forged, unsigned or wrongly keyed notice is logged and refused
   before anything is written), then commits the raw body under the gateway's key of the transfer. Only after
   that commit does it answer, so the web front acknowledges a notice only once it is durable. If the service
   is down or dies before answering, the gateway gets a 5xx or a timeout and sends the notice again.
2. `process` matches the stored notice in a transaction of its own. If the service stops between 1 and 2, the
   notice waits with `processed_at` NULL and the sweeper (services.payment.service) processes it on the next start.
A notice sent again finds its stored copy by key and changes nothing; one whose body differs from the stored one
under the same key is kept beside it as an exception, never dropped.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import asyncpg

from services import messages as m
from services.domain.bank_notices import (
    BankNoticeError, BankTransfer, FeeDue, check_payos_signature, check_sepay_auth, find_references, match_transfer,
    parse_payos, parse_sepay,
)
from services.domain.errors import InvalidInput, Unauthenticated
from services.payment import settle, store
from services.store import outbox

log = logging.getLogger("motcua.payment.notices")

# payOS's "confirm webhook" sends its documented sample (order 123, "VQRIO123"), signed: answered, never matched.
PAYOS_TEST = {"orderCode": 123, "description": "VQRIO123"}


@dataclass(frozen=True)
class Received:
    kind: str                          # transfer | not_paid | malformed | test
    key: str
    transfer: BankTransfer | None = None
    error: str | None = None
    account: str | None = None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None


def _refused(gateway: str, why: str, address: str) -> Unauthenticated:
    log.warning("refused %s notice from %s: %s", gateway, address or "?", why)
    return Unauthenticated(f"Thông báo thanh toán {gateway} không xác thực được ({why})",
                           f"The {gateway} payment notice is not authentic ({why})")


def authenticate(gateway: str, raw: bytes, authorization: str | None, keys: dict[str, str | None],
                 address: str = "") -> Received:
    """The notice as received if authentic; Unauthenticated otherwise (logged)."""
    digest_key = f"{gateway}:sha256:{hashlib.sha256(raw).hexdigest()}"
    if gateway == "sepay":
        if not keys.get("sepay"):
            raise _refused(gateway, "MOTCUA_SEPAY_API_KEY chưa đặt / not set", address)
        if not check_sepay_auth(authorization, keys["sepay"] or ""):
            raise _refused(gateway, "sai hoặc thiếu API key / wrong or missing API key", address)
        body = _json(raw)
        try:
            transfer = parse_sepay(body)
        except BankNoticeError as exc:
            account = body.get("accountNumber") if isinstance(body, dict) else None
            return Received("malformed", digest_key, error=exc.message_en,
                            account=account.strip() if isinstance(account, str) else None)
        return Received("transfer", transfer.key, transfer, account=transfer.account)
    if gateway == "payos":
        body = _json(raw)
        if not keys.get("payos"):
            raise _refused(gateway, "MOTCUA_PAYOS_CHECKSUM_KEY chưa đặt / not set", address)
        if not isinstance(body, dict) or not check_payos_signature(body, keys["payos"] or ""):
            raise _refused(gateway, "sai hoặc thiếu chữ ký / wrong or missing signature", address)
        data = body["data"]
        if all(data.get(k) == v for k, v in PAYOS_TEST.items()):
            return Received("test", digest_key)
        try:
            transfer = parse_payos(body)
        except BankNoticeError as exc:
            kind = "not_paid" if exc.reason == "not_paid" else "malformed"
            account = data.get("accountNumber")
            return Received(kind, digest_key, error=exc.message_en,
                            account=account.strip() if isinstance(account, str) else None)
        return Received("transfer", transfer.key, transfer, account=transfer.account)
    raise InvalidInput(f"Không có cổng thanh toán '{gateway}'", f"No payment gateway '{gateway}'")


def _fee_due(row: asyncpg.Record) -> FeeDue:
    status = {"pending": "open", "expired": "open"}.get(row["status"], row["status"])   # lateness goes by the
    return FeeDue(str(row["id"]), row["reference"], row["amount"], status,            # transfer's own time
                  row["expires_at"], row["paid_by"])


class NoticeDesk:
    def __init__(self, pool: asyncpg.Pool, prefix: str, keys: dict[str, str | None], *,
                 clock: Callable[[], datetime], on_commit: Callable[[], None] = lambda: None) -> None:
        self._pool = pool
        self._prefix = prefix
        self._keys = keys
        self._clock = clock
        self._on_commit = on_commit

    async def record(self, cmd: m.RecordBankNotice) -> dict[str, Any]:
        try:
            raw = base64.b64decode(cmd.body_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput("Nội dung thông báo không hợp lệ", "The notice body is not valid base64") from exc
        received = authenticate(cmd.gateway, raw, cmd.authorization, self._keys, cmd.address)
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                notice_id, repeat = await self.store(conn, received, raw, self._clock())
        outcome = None
        try:
            outcome = await self.process(notice_id)
        except Exception:  # noqa: BLE001 - the notice is durable; the sweeper processes it later
            log.exception("notice %s stored but not processed yet; the sweeper will retry", notice_id)
        if not repeat:
            log.info("%s notice %s recorded (%s): %s", cmd.gateway, received.key, received.kind, outcome)
        return {"recorded": True, "repeat": repeat, "notice": str(notice_id), "kind": received.kind,
                "outcome": outcome}

    async def store(self, conn: asyncpg.Connection, received: Received, raw: bytes,
                    now: datetime) -> tuple[uuid.UUID, bool]:
        """Step 1, in the caller's transaction: the raw notice under its key; (its id, whether it was known)."""
        digest = hashlib.sha256(raw).digest()
        key, kind = received.key, received.kind
        for _ in range(2):
            notice_id = await self._insert(conn, received, kind, key, raw, digest, now)
            if notice_id is not None:
                return notice_id, False
            existing = await conn.fetchrow("SELECT id, body_sha256 FROM bank_notices WHERE gateway_key = $1"
                                           " FOR UPDATE", key)
            if bytes(existing["body_sha256"]) == digest:
                await conn.execute("UPDATE bank_notices SET repeats = repeats + 1, last_seen_at = $2 WHERE id = $1",
                                   existing["id"], now)
                return existing["id"], True
            log.warning("%s sent a different body for %s: kept as an exception", key.split(":", 1)[0], key)
            key, kind = f"{key}#{digest.hex()[:16]}", "conflicting"
        raise AssertionError("unreachable: the second key names this very body")

    @staticmethod
    async def _insert(conn: asyncpg.Connection, received: Received, kind: str, key: str, raw: bytes, digest: bytes,
                      now: datetime) -> uuid.UUID | None:
        t = received.transfer
        return await conn.fetchval(
            "INSERT INTO bank_notices (id, gateway, gateway_key, body_sha256, raw, kind, amount, content, account,"
            " direction, occurred_at, parse_error, received_at, last_seen_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)"
            " ON CONFLICT (gateway_key) DO NOTHING RETURNING id",
            uuid.uuid4(), key.split(":", 1)[0], key, digest, raw, kind, t.amount if t else None,
            t.content if t else None, received.account, t.direction if t else None, t.occurred_at if t else None,
            received.error, now)

    async def process(self, notice_id: uuid.UUID) -> str | None:
        """Match one stored notice, once: a notice already processed returns its outcome unchanged."""
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                notice = await conn.fetchrow("SELECT * FROM bank_notices WHERE id = $1 FOR UPDATE", notice_id)
                if notice["processed_at"] is not None:
                    return notice["outcome"]
                now = self._clock()
                outcome, office, events = await self._match(conn, notice, now)
                await conn.execute("UPDATE bank_notices SET processed_at = $2, outcome = $3, office_id = $4"
                                   " WHERE id = $1", notice_id, now, outcome, office)
                await outbox.append(conn, self._prefix, events)
        if events:
            self._on_commit()
        return outcome

    async def _match(self, conn: asyncpg.Connection, notice: asyncpg.Record,
                     now: datetime) -> tuple[str, str | None, list[m.Event]]:
        kind, account = notice["kind"], notice["account"]
        if kind in ("not_paid", "test"):
            return kind, None, []
        if kind == "malformed" or notice["direction"] is None:
            office = await store.office_of_account(conn, account) if account else None
            return "malformed", office, await settle.raise_exception(
                conn, kind="malformed", office=office, notice_id=notice["id"], payment=None, fee=None,
                amount=notice["amount"], now=now)
        transfer = BankTransfer(notice["gateway"], notice["gateway_key"].split(":", 1)[1], notice["amount"],
                                notice["content"], account, notice["occurred_at"], notice["direction"], raw={})
        if transfer.direction == "out":
            return "outgoing", await store.office_of_account(conn, account), []
        rows = await store.candidate_fees(conn, account, find_references(transfer.content))
        result = match_transfer(transfer, [_fee_due(r) for r in rows])
        fee = next((r for r in rows if result.fee and str(r["id"]) == result.fee.fee_id), None)
        offices = {r["office_id"] for r in rows if r["reference"] in result.references}
        office = fee["office_id"] if fee else (offices.pop() if len(offices) == 1
                                               else await store.office_of_account(conn, account))
        if result.kind == "repeat" and kind == "transfer":
            return "repeat", office, []
        payment = await store.insert_payment(
            conn, notice_id=notice["id"], office=office, gateway=notice["gateway"], amount=transfer.amount,
            content=transfer.content, account=account, occurred_at=transfer.occurred_at, recorded_at=now)
        if kind == "transfer" and result.kind == "paid" and fee is not None:
            return "paid", office, await settle.pay_fee(conn, fee, payment, now)
        exception = "conflicting" if kind == "conflicting" else result.kind
        return exception, office, await settle.raise_exception(
            conn, kind=exception, office=office, notice_id=notice["id"], payment=payment, fee=fee,
            amount=transfer.amount, now=now)

    async def pending(self, limit: int = 100) -> list[uuid.UUID]:
        """Stored notices not processed yet (the service stopped between storing and matching)."""
        async with self._pool.acquire() as conn:
            rows = await conn.fetch("SELECT id FROM bank_notices WHERE processed_at IS NULL ORDER BY received_at"
                                    " LIMIT $1", limit)
        return [r["id"] for r in rows]

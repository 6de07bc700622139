"""Identity commands: read an ID card, enrol a citizen (with their face only on consent), identify a face, read a
citizen, erase a face, read the audit log. Each checks who asks, and each use of a citizen's data is audited in the
same transaction as the use (no log, no use)."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

import asyncpg

from services import messages as m
from services.domain.access import Actor, Right, check
from services.domain.cccd import CccdCard, CccdError, parse_cccd
from services.domain.errors import InvalidInput
from services.domain.office import check_id
from services.store import outbox
from services.store.db import RoutedCommands
from services.store.db import health as db_health

from . import store
from .face_engine import FaceEngine, decode_image
from .face_index import Match, NoMatch
from .faces import FaceResult

log = logging.getLogger(__name__)

# Why each use happens (the audit log's `purpose`). Consent is asked for one purpose only.
CONSENT_PURPOSE = "queue_identification"   # recognise the citizen at the offices' kiosks and counters
PURPOSES = {"enrol": "enrolment", "identify": CONSENT_PURPOSE, "read": "counter_service",
            "erase": "consent_withdrawn", "audit_read": "oversight"}


class Identity(RoutedCommands):
    async def _health(self, _: m.IdentityHealth) -> dict[str, Any]:
        """Up, its database, and whether faces work (without them, ID cards still do)."""
        return {**await db_health(self._pool), "faces": self.faces.problem is None}

    def __init__(self, pool: asyncpg.Pool, prefix: str, faces: FaceEngine) -> None:
        self._pool = pool
        self._prefix = prefix
        self.faces = faces
        self._routes: dict[type[m.Command], Callable[[Any], Awaitable[Any]]] = {
            m.ReadCccd: self.read_cccd, m.EnrolCitizen: self.enrol_citizen, m.EraseFace: self.erase_face,
            m.Identify: self.identify, m.GetCitizen: self.get_citizen, m.GetCitizenAudit: self.get_audit,
            m.IdentityHealth: self._health,
        }

    # ------------------------------------------------------------ the ID card

    async def read_cccd(self, cmd: m.ReadCccd) -> dict[str, Any]:
        check(Actor.from_dict(cmd.actor), Right.IDENTIFY)
        return _parse(cmd.qr).as_dict()

    # ------------------------------------------------------------ enrolment

    async def enrol_citizen(self, cmd: m.EnrolCitizen) -> dict[str, Any]:
        actor = check(Actor.from_dict(cmd.actor), Right.ENROL_CITIZEN)
        office = actor.office
        if cmd.office is not None:                  # staff and kiosks may only name their own office
            office = check_id("văn phòng", "office", cmd.office)
            check(actor, Right.ENROL_CITIZEN, office)
        card = _parse(cmd.cccd)
        face: FaceResult | None = None
        if cmd.consent is True:
            if not cmd.photo:
                raise InvalidInput("Công dân đã đồng ý nhưng chưa có ảnh khuôn mặt (trường 'photo')",
                                   "Consent was given but no face photo was sent (field 'photo')", reason="no_photo")
            face = _usable(await self.faces.encode(decode_image(cmd.photo, "photo")))
        sealer = self.faces.sealer() if face is not None else None
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                citizen, created = await store.upsert_citizen(conn, card)
                events: list[m.Event] = [m.CitizenEnrolled(office=m.CITIZEN_EVENTS, actor=actor.as_dict(),
                                                           data={"citizen_id": citizen.id, "office": office})]
                detail: dict[str, Any] = {"created": created, "consent": face is not None}
                if face is not None and sealer is not None:
                    consent = await store.add_consent(conn, citizen.id, CONSENT_PURPOSE, office, actor.describe())
                    await store.put_face(conn, citizen.id, consent, sealer.seal(citizen.id, face.encoding))
                    events.append(m.CitizenFaceEnrolled(office=m.CITIZEN_EVENTS, actor=actor.as_dict(),
                                                        data={"citizen_id": citizen.id, "office": office}))
                    detail["consent_id"] = consent
                elif cmd.photo:
                    detail["photo_discarded"] = True        # no consent: the photo was never even decoded
                enrolled = await store.has_face(conn, citizen.id)
                await store.audit(conn, actor, "enrol", "created" if created else "updated", PURPOSES["enrol"],
                                  citizen_id=citizen.id, office=office, **detail)
                await outbox.append(conn, self._prefix, events)
        if face is not None:
            await self.faces.live().refresh(citizen.id)
        log.info("identity: citizen %s %s by %s (face %s)", citizen.id, "created" if created else "updated",
                 actor.describe(), "enrolled" if face is not None else "not taken")
        return {"citizen_id": citizen.id, "id_number": citizen.id_number, "name": citizen.name,
                "face_enrolled": enrolled, "created": created}

    async def erase_face(self, cmd: m.EraseFace) -> dict[str, Any]:
        """Withdraw consent and erase the encoding; from the commit on, the face matches nobody. Needs neither the
        face models nor the key, so it works whenever the database does."""
        actor = check(Actor.from_dict(cmd.actor), Right.READ_CITIZEN)
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                citizen = await store.get_citizen(conn, cmd.citizen_id, lock=True)
                erased = await store.delete_face(conn, citizen.id)
                withdrawn = await store.withdraw_consents(conn, citizen.id, actor.describe())
                await store.audit(conn, actor, "erase", "erased" if erased else "nothing_to_erase",
                                  PURPOSES["erase"], citizen_id=citizen.id, office=actor.office,
                                  consents_withdrawn=withdrawn)
                if erased:
                    await outbox.append(conn, self._prefix, [m.CitizenFaceErased(
                        office=m.CITIZEN_EVENTS, actor=actor.as_dict(),
                        data={"citizen_id": citizen.id, "office": actor.office})])
        if self.faces.available:
            await self.faces.live().refresh(citizen.id)
        log.info("identity: face of citizen %s erased by %s", citizen.id, actor.describe())
        return {"citizen_id": citizen.id, "erased": erased, "consents_withdrawn": withdrawn, "face_enrolled": False}

    # ------------------------------------------------------------ identification

    async def identify(self, cmd: m.Identify) -> dict[str, Any]:
        actor = check(Actor.from_dict(cmd.actor), Right.IDENTIFY, check_id("văn phòng", "office", cmd.office))
        result = await self.faces.encode(decode_image(cmd.image, "image"))
        purpose = PURPOSES["identify"]
        if not result.ok:
            vi, en = result.message or ("", "")
            async with self._pool.acquire() as conn:
                await store.audit(conn, actor, "identify", result.status, purpose, office=cmd.office,
                                  faces=result.faces)
            return {"match": None, "reason": result.status, "message": vi, "message_en": en}
        found = self.faces.live().match(result.encoding)
        async with self._pool.acquire() as conn:
            citizen = None
            if isinstance(found, Match):
                citizen = await store.citizen_with_face(conn, found.citizen_id)   # erased elsewhere a moment ago?
                if citizen is None:
                    await self.faces.live().refresh(found.citizen_id)
            if citizen is None:
                reason = found.reason if isinstance(found, NoMatch) else "no_match"
                await store.audit(conn, actor, "identify", reason, purpose, office=cmd.office,
                                  best_distance=_rounded(found.distance))
                vi, en = NoMatch(reason, None).message
                return {"match": None, "reason": reason, "message": vi, "message_en": en}
            await store.audit(conn, actor, "identify", "match", purpose, citizen_id=citizen.id, office=cmd.office,
                              distance=_rounded(found.distance))
        return {"match": {"citizen_id": citizen.id, "id_number": citizen.id_number, "name": citizen.name,
                          "distance": _rounded(found.distance)}}

    # ------------------------------------------------------------ reading

    async def get_citizen(self, cmd: m.GetCitizen) -> dict[str, Any]:
        actor = check(Actor.from_dict(cmd.actor), Right.READ_CITIZEN)
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                citizen = await store.get_citizen(conn, cmd.citizen_id)
                enrolled = await store.has_face(conn, citizen.id)
                await store.audit(conn, actor, "read", "shown", PURPOSES["read"], citizen_id=citizen.id,
                                  office=actor.office)
        return {**citizen.card(), "face_enrolled": enrolled}

    async def get_audit(self, cmd: m.GetCitizenAudit) -> dict[str, Any]:
        actor = check(Actor.from_dict(cmd.actor), Right.AUDIT)
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                citizen = await store.get_citizen(conn, cmd.citizen_id)
                entries = await store.audit_entries(conn, citizen.id)
                await store.audit(conn, actor, "audit_read", "shown", PURPOSES["audit_read"], citizen_id=citizen.id,
                                  office=actor.office, entries=len(entries))
        return {"citizen_id": citizen.id, "entries": entries}


def _parse(qr: str) -> CccdCard:
    try:
        return parse_cccd(qr)
    except CccdError as exc:
        extra = {k: v for k, v in (("field", exc.field), ("detail", exc.detail)) if v}
        raise InvalidInput(exc.message_vi, exc.message_en, reason=exc.reason, **extra) from exc


def _usable(result: FaceResult) -> FaceResult:
    """An enrolment photo must show exactly one face."""
    if not result.ok:
        vi, en = result.message or ("", "")
        raise InvalidInput(vi, en, reason=result.status)
    return result


def _rounded(distance: float | None) -> float | None:
    return None if distance is None else round(float(distance), 4)

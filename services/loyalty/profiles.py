"""Profile use cases: contact, preferences and consents, enrolment, one profile per
guest (matching and merging), and data protection (export, erasure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.crashpoints import crash_point
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import (
    GuestAnonymized,
    GuestAnonymizedPayload,
    GuestContactCaptured,
    GuestWalkInRegistered,
)
from shared.logging import get_logger, mask_text

from . import ledger
from .domain import (
    PERSONAL_FIELDS,
    EnrolmentCreate,
    GuestLookup,
    ProfileUpdate,
    consent_record,
    duplicate_entry,
    match_keys,
    member_number_for,
    normalized_name,
    verified_name,
)
from .guests import WRITE_ATTEMPTS, Change, GuestStore
from .repository import VersionConflict

log = get_logger(__name__)


class ProfileService:
    def __init__(self, store: GuestStore, *, match_secret: str) -> None:
        self.store = store
        self.repository = store.repository
        self.clock = store.clock
        self.match_secret = match_secret

    async def guest(self, guest_id: str) -> dict[str, Any]:
        return await self.store.load(guest_id, create=False)

    async def find(self, lookup: GuestLookup) -> dict[str, Any]:
        """The guest an e-mail, a phone or a member number belongs to (desk recognition)."""
        for key in match_keys(
            self.match_secret,
            email=lookup.email,
            phone=lookup.phone,
            member_number=lookup.member_number,
        ):
            owner = await self.repository.owner_of(key)
            if owner is not None:
                return await self.guest(owner)
        raise NotFound("no guest matches")

    async def record_contact(self, event: GuestContactCaptured | GuestWalkInRegistered) -> None:
        """The contact a booking (or a walk-in's registration at the desk) captured, then
        duplicates are looked for. Unverified contact data (a booking's) only fills what
        the profile lacks: it never replaces a name, an e-mail or a phone the profile
        holds, so a booking typed with someone else's details cannot rewrite their
        profile. A walk-in's registration is verified (see `verified_name`): newest wins."""
        contact = event.payload
        verified = verified_name(event)

        def decide(guest: dict[str, Any]) -> Change | None:
            profile = dict(guest.get("profile") or {})
            if guest.get("anonymized_at") and guest["anonymized_at"] >= event.occurred_at:
                return None  # a replayed old message must not bring erased data back
            newer = not profile.get("contact_at") or profile["contact_at"] <= event.occurred_at
            captured = {
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                **({"email": str(contact.email)} if contact.email else {}),
                **({"phone": contact.phone} if contact.phone else {}),
            }
            for name, value in captured.items():
                if (verified and newer) or not profile.get(name):
                    profile[name] = value
            if newer:
                profile.update(language=contact.language, contact_at=event.occurred_at)
            return Change(sets={"profile": profile})

        guest = await self.store.change(contact.guest_id, decide, cause=event, create=True)
        await self._match(
            guest["_id"],
            source=event.type,
            verified=verified,
            email=contact.email,
            phone=contact.phone,
        )

    async def _match(
        self,
        guest_id: str,
        *,
        source: str,
        verified: tuple[str, str] | None = None,
        email: str | None = None,
        phone: str | None = None,
        member_number: str | None = None,
    ) -> None:
        """Claims the guest's match keys. A key another guest owns may be the same
        person: merged into that (older) profile only when the identity is verified and
        the names agree, or on the member number (derived from the profile's own id);
        otherwise the pair goes to the review list with the evidence, and a manager
        decides (issue 15: a booking with a victim's phone merged into the victim)."""
        matched: dict[str, list[str]] = {}
        for key in match_keys(
            self.match_secret, email=email, phone=phone, member_number=member_number
        ):
            owner = await self.repository.claim_match_key(key, guest_id)
            if owner != guest_id:
                matched.setdefault(owner, []).append(key.split("|", 1)[0])
        for owner, kinds in matched.items():
            if kinds == ["member"] or await self._same_verified_person(owner, verified):
                await self.merge(owner, guest_id)
                return
        for owner, kinds in matched.items():
            await self.repository.note_duplicate(
                duplicate_entry(guest_id, owner, kinds, source, self.clock())
            )
            log.info(
                "possible duplicate for review",
                guest_id=guest_id,
                existing_guest_id=owner,
                matched_on=kinds,
            )

    async def _same_verified_person(self, owner: str, verified: tuple[str, str] | None) -> bool:
        if verified is None:
            return False
        try:
            existing = (await self.store.load(owner, create=False)).get("profile") or {}
        except NotFound:
            return False
        names = (existing.get("first_name") or "", existing.get("last_name") or "")
        return normalized_name(*names) == normalized_name(*verified)

    # --- the review list -------------------------------------------------------------

    async def duplicates(self, status: str, limit: int) -> list[dict[str, Any]]:
        return await self.repository.duplicates_with(status, limit)

    async def decide_duplicate(
        self, entry_id: str, *, merge: bool, decided_by: str, reason: str
    ) -> dict[str, Any]:
        """A manager's decision on a possible duplicate: merge the two profiles (the
        older survives) or keep them apart. The merge runs before the entry is closed,
        so a crash in between leaves the entry open and the merge (idempotent) is done
        again by the next decision."""
        entry = await self.repository.duplicate(entry_id)
        if entry is None:
            raise NotFound(f"no possible duplicate {entry_id!r}")
        if entry["status"] != "open":
            raise Conflict(f"possible duplicate {entry_id!r} was decided already")
        survivor = None
        if merge:
            survivor = await self.merge(entry["guest_id"], entry["existing_guest_id"])
        decided = await self.repository.decide_duplicate(
            entry_id,
            {
                "status": "merged" if merge else "distinct",
                "decided_by": decided_by,
                "decided_at": self.clock(),
                "reason": mask_text(reason)[:200],
                "surviving_guest_id": survivor["_id"] if survivor else None,
            },
        )
        if decided is None:
            raise Conflict(f"possible duplicate {entry_id!r} was decided already")
        return decided

    async def update_profile(self, guest_id: str, update: ProfileUpdate) -> dict[str, Any]:
        now = self.clock()
        # The hotel's calendar date, not the server's UTC one: at 17:00 UTC a guest born
        # on the next day in Shanghai has their birthday today.
        if update.birthday and update.birthday > self.store.business_dates.clock.today():
            raise Unprocessable("a birthday cannot be in the future", field="birthday")

        def decide(guest: dict[str, Any]) -> Change | None:
            profile = dict(guest.get("profile") or {})
            values = update.model_dump(exclude_unset=True, exclude={"consents", "preferences"})
            if "birthday" in values and values["birthday"] is not None:
                values["birthday"] = values["birthday"].isoformat()
            profile.update(values)
            if update.preferences is not None:
                chosen = {k: sorted(set(v)) for k, v in update.preferences.items()}
                profile["preferences"] = {**profile.get("preferences", {}), **chosen}
            if update.consents:
                profile["consents"] = {
                    **profile.get("consents", {}),
                    **{
                        purpose: consent_record(c.granted, now, c.source)
                        for purpose, c in update.consents.items()
                    },
                }
            return Change(sets={"profile": profile})

        guest = await self.store.change(guest_id, decide)
        if update.phone:  # typed by staff, not proven: a match goes to the review list
            await self._match(guest["_id"], source="profile update", phone=update.phone)
        return await self.guest(guest["_id"])

    async def enrol(self, guest_id: str, request: EnrolmentCreate) -> dict[str, Any]:
        now = self.clock()

        def decide(guest: dict[str, Any]) -> Change | None:
            if guest.get("member_number"):
                return None
            sets: dict[str, Any] = {
                "member_number": member_number_for(guest["_id"]),
                "enrolled_at": now,
                "enrolment_source": request.source,
                "tier": guest.get("tier") or ledger.BASE_TIER.name,
            }
            if request.marketing_consent:
                profile = dict(guest.get("profile") or {})
                profile["consents"] = {
                    **profile.get("consents", {}),
                    "marketing": consent_record(True, now, request.source),
                }
                sets["profile"] = profile
            return Change(sets=sets)

        guest = await self.store.change(guest_id, decide)
        guest = await self.guest(guest["_id"])
        await self._match(guest["_id"], source="enrolment", member_number=guest["member_number"])
        return guest

    async def merge(self, guest_id: str, other_id: str) -> dict[str, Any]:
        """Merges two profiles of one person. The older profile survives (then the
        smaller id): a fixed order, so two merges of the same pair racing each other
        agree on the direction and never make a cycle. Two documents, so two writes, made
        safe to interrupt: (1) the duplicate is closed, `merged_into` set and its balance
        moved out by a `transfer|to|<survivor>` entry; (2) the survivor takes the history
        and the points by a `transfer|from|<duplicate>` entry. Every later look-up of the
        duplicate passes through step 2 again, which is idempotent, so a crash between
        the two writes is finished by the next reader. Entries are never rewritten."""
        first = await self.store.load(guest_id, create=False)
        second = await self.store.load(other_id, create=False)
        if first["_id"] == second["_id"]:
            return first
        survivor, duplicate = sorted((first, second), key=lambda g: (g["created_at"], g["_id"]))
        target = survivor["_id"]
        now = self.clock()

        def close(guest: dict[str, Any]) -> Change:
            change = Change(sets={"merged_into": target, "merged_at": now}, publish_profile=False)
            if guest.get("balance", 0) > 0:
                return (
                    self.store.postings(
                        guest,
                        [
                            ledger.Movement(
                                entry_id=f"transfer|to|{target}",
                                kind=ledger.TRANSFER_OUT,
                                points=-guest["balance"],
                                reason=f"merged into {target}",
                                at=now,
                            )
                        ],
                        None,
                        change,
                    )
                    or change
                )  # nothing to post: closed all the same
            return change

        for _ in range(WRITE_ATTEMPTS):
            current = await self.repository.get(duplicate["_id"])
            if current is None or current.get("merged_into"):
                break
            change = close(current)
            try:
                await self.repository.save(current, sets=change.sets, pushes=change.pushes)
                break
            except VersionConflict:
                continue
        crash_point("loyalty.merge.after_duplicate_closed")
        await self.store.load(duplicate["_id"], create=False)  # completes step 2
        return await self.guest(target)

    async def export(self, guest_id: str) -> dict[str, Any]:
        """Everything loyalty holds about the guest, merged profiles included."""
        guest = await self.guest(guest_id)
        merged = [await self.repository.get(alias) for alias in guest.get("also_known_as", [])]
        hidden = {"applied_events", "outbox", "outbox_lease_until", "outbox_lease_owner"}

        def strip(doc: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in doc.items() if k not in hidden}

        return {
            "guest": strip(guest),
            "merged_profiles": [strip(m) for m in merged if m],
            "messages": await self.repository.messages_of(guest["_id"]),
            "exported_at": self.clock(),
        }

    async def erase(self, guest_id: str, reason: str) -> dict[str, Any]:
        """Erasure on request: the profile's personal fields go, in this guest's document
        and every document merged into it; the ledger amounts, the stays (dates, rooms,
        amounts) and the feedback counts stay, keyed by the guest id. One event tells
        every other service to do the same."""
        guest = await self.guest(guest_id)
        now = self.clock()
        aliases = list(guest.get("also_known_as", []))
        for alias in aliases:
            for _ in range(WRITE_ATTEMPTS):
                merged = await self.repository.get(alias)
                if merged is None:
                    break  # nothing kept under that id
                try:
                    await self.repository.save(
                        merged, sets=_erased_profile(merged, now), unsets=("member_number",)
                    )
                    break
                except VersionConflict:
                    continue

        def decide(current: dict[str, Any]) -> Change:
            return Change(
                sets=_erased_profile(current, now),
                unsets=("member_number",),
                publish_profile=False,
                events=[
                    self.store.event(
                        GuestAnonymized,
                        GuestAnonymizedPayload(
                            guest_id=current["_id"], also_known_as=aliases, requested_at=now
                        ),
                        current,
                        None,
                    )
                ],
            )

        await self.store.change(guest["_id"], decide)
        await self.repository.drop_match_keys([guest["_id"], *aliases])
        await self.repository.cancel_messages([guest["_id"], *aliases])
        await self.repository.drop_duplicates_of([guest["_id"], *aliases])
        log.info("guest anonymised", guest_id=guest["_id"], reason=reason)
        return {"guest_id": guest["_id"], "also_known_as": aliases, "anonymized_at": now}


def _erased_profile(guest: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The personal fields go; so do the words of the guest's requests in loyalty's copy
    of their reservations (issue 15): "celebration" stays a kind, a detail is erased."""
    profile = guest.get("profile") or {}
    kept = {k: v for k, v in profile.items() if k not in PERSONAL_FIELDS and k != "contact_at"}
    return {
        "profile": {**kept, "consents": {}},
        "anonymized_at": now,
        "reservations": [
            {**r, "special_requests": [_kind_only(x) for x in r.get("special_requests", [])]}
            for r in guest.get("reservations", [])
        ],
    }


def _kind_only(request: str) -> str:
    """'bed: king size, allergic to feathers' -> 'bed' (the kind, as reservation sends it)."""
    return request.partition(":")[0].strip()

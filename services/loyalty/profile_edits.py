"""A profile changed by staff or the guest (contact, preferences, consents) and a guest
enrolled in the programme; a phone or member number given is matched."""

from __future__ import annotations

from typing import Any

from shared.errors import Unprocessable

from . import ledger
from .domain import EnrolmentCreate, ProfileUpdate, consent_record, member_number_for
from .guests import Change
from .profile_matching import ProfileMatching


class ProfileEdits(ProfileMatching):
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

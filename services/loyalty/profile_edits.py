"""A profile changed by staff or the guest (contact, preferences, consents) and a guest
enrolled in the programme; a phone or member number given is matched."""

from __future__ import annotations

from shared.errors import Unprocessable

from .domain import EnrolmentCreate, ProfileUpdate
from .guest_aggregate import Guest
from .guest_documents import guest_from_document
from .guest_rules import enrolled, profile_updated
from .profile_matching import ProfileMatching


class ProfileEdits(ProfileMatching):
    async def update_profile(self, guest_id: str, update: ProfileUpdate) -> Guest:
        now = self.clock()
        # The hotel's calendar date, not the server's UTC one: at 17:00 UTC a guest born
        # on the next day in Shanghai has their birthday today.
        if update.birthday and update.birthday > self.store.business_dates.clock.today():
            raise Unprocessable("a birthday cannot be in the future", field="birthday")

        guest = await self.store.move(guest_id, lambda read: profile_updated(read, update, now))
        if update.phone:  # typed by staff, not proven: a match goes to the review list
            await self._match(guest.id, source="profile update", phone=update.phone)
        # `move` answers the state it saw: the guest as written is read again
        return guest_from_document(await self.guest(guest.id))

    async def enrol(self, guest_id: str, request: EnrolmentCreate) -> Guest:
        now = self.clock()
        seen = await self.store.move(guest_id, lambda read: enrolled(read, request, now))
        guest = guest_from_document(await self.guest(seen.id))
        await self._match(guest.id, source="enrolment", member_number=guest.member_number)
        return guest

"""The contact a booking or a walk-in's registration captured, kept without letting
unverified data rewrite a profile, then matched against the other profiles."""

from __future__ import annotations

from shared.events import GuestContactCaptured, GuestWalkInRegistered

from .domain import verified_name
from .guest_rules import contact_captured
from .profile_matching import ProfileMatching


class ContactCapture(ProfileMatching):
    async def record_contact(self, event: GuestContactCaptured | GuestWalkInRegistered) -> None:
        """The contact a booking (or a walk-in's registration at the desk) captured, then
        duplicates are looked for. Unverified contact data (a booking's) only fills what
        the profile lacks: it never replaces a name, an e-mail or a phone the profile
        holds, so a booking typed with someone else's details cannot rewrite their
        profile. A walk-in's registration is verified (see `verified_name`): newest wins."""
        contact = event.payload
        verified = verified_name(event)

        guest = await self.store.move(
            contact.guest_id, lambda read: contact_captured(read, event), cause=event, create=True
        )
        await self._match(
            guest.id,
            source=event.type,
            verified=verified,
            email=contact.email,
            phone=contact.phone,
        )

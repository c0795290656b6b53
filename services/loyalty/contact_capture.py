"""The contact a booking or a walk-in's registration captured, kept without letting
unverified data rewrite a profile, then matched against the other profiles."""

from __future__ import annotations

from typing import Any

from shared.events import GuestContactCaptured, GuestWalkInRegistered

from .domain import verified_name
from .guests import Change
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

"""One profile per guest: a guest found by e-mail, phone or member number (desk
recognition), and a guest's match keys claimed, a key another guest owns merging the two
when the identity is proven, or putting the pair on the review list."""

from __future__ import annotations

from typing import Any

from shared.errors import NotFound
from shared.logging import get_logger

from .domain import GuestLookup, duplicate_entry, match_keys, normalized_name
from .profile_merges import ProfileMerges

log = get_logger(__name__)


class ProfileMatching(ProfileMerges):
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

"""Member rates at booking (issue 18, seed 000 二(三) 房价折扣; 001 八) without calling
loyalty: reservation keeps its own view of loyalty's members from guest.created /
guest.updated (member number -> guest id, tier, perks; the newest profile version wins),
follows guest.merged and guest.anonymized, and a booking that gives a member number is
priced at the rate plan's member rate when the number is in the view, its tier has the
`member_rate` perk, and it is the booking guest's own: the guest id the booking files
under (the e-mail and name, repository.guest_id_for) is the member's. Anyone can type a
number; only the member's own e-mail and name get the member's rate.
"""

from __future__ import annotations

from typing import Any

from shared.errors import Unprocessable
from shared.events import GuestCreated, GuestUpdated
from shared.logging import get_logger

from .repository import ReservationRepository

log = get_logger(__name__)
MEMBER_RATE_PERK = "member_rate"


class Members:
    def __init__(self, repository: ReservationRepository) -> None:
        self.repository = repository

    async def follow_profile(self, event: GuestCreated | GuestUpdated) -> None:
        profile = event.payload
        if not profile.member_number:
            return  # not enrolled: no member rate
        saved = await self.repository.save_member(
            profile.member_number.strip().upper(),
            {
                "guest_id": profile.guest_id,
                "tier": profile.tier,
                "perks": list(profile.perks),
                "version": profile.version,
            },
        )
        if saved:
            log.info("member followed", guest_id=profile.guest_id, tier=profile.tier)


async def verified_member(
    repository: ReservationRepository, member_number: str, guest_id: str
) -> dict[str, Any]:
    """The member a booking names, or 422 saying why it gets no member rate."""
    number = member_number.strip().upper()
    member = await repository.member(number)
    if member is None:
        raise Unprocessable(f"no member {number!r}", field="member_number")
    if member["guest_id"] != guest_id:
        raise Unprocessable(
            f"member {number!r} is another guest: book with the member's own e-mail and name",
            field="member_number",
        )
    if MEMBER_RATE_PERK not in member.get("perks", []):
        raise Unprocessable(f"member {number!r} has no member rate", field="member_number")
    return {"member_number": number, "tier": member.get("tier")}

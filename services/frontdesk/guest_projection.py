"""The guests from loyalty's events: the profiles the desk recognises guests by (name,
tier, VIP, perks, preferences), merges (the survivor's id everywhere) and erasure."""

from __future__ import annotations

from typing import Any

from shared.erasure import scrub_free_text
from shared.events import Event, GuestAnonymized, GuestMerged
from shared.logging import get_logger

from . import guest_feedback
from .projection_context import ProjectionContext

log = get_logger(__name__)
ERASED = "[erased]"
# What erasure and retention overwrite on a stay; the invoice (settlement) stays.
ERASED_STAY_FIELDS: dict[str, Any] = {
    "guest_name": ERASED,
    "registration": None,
    "recognition": None,
    "companions": [],  # issue 18: companions' registrations go with the guest's
}
# A stay's free text, erased with the guest (issue 15): what they asked for, complained
# about and were told. The lines stay (kind, times, owner, status), the words go.
STAY_FREE_TEXT = {
    "special_requests": (),
    "requests": ("details",),
    "complaints": ("description",),
    "guest_notices": ("message",),
}


class GuestProjection(ProjectionContext):
    async def guest_profile(self, event: Event[Any]) -> None:
        profile = event.payload
        await self.repository.upsert_guest(
            {
                "_id": profile.guest_id,
                "first_name": profile.first_name,
                "last_name": profile.last_name,
                "member_number": profile.member_number,
                "tier": profile.tier,
                "vip": profile.vip,
                "perks": list(profile.perks),  # issue 18: fast lane, late check-out
                "preferences": dict(profile.preferences),
                "version": profile.version,
            }
        )

    async def guest_merged(self, event: GuestMerged) -> None:
        surviving, merged = event.payload.surviving_guest_id, list(event.payload.merged_guest_ids)
        await self.repository.mark_merged(merged, surviving)
        for collection in ("arrivals", "stays"):
            await self.repository.scrub(
                collection, {"guest_id": {"$in": merged}}, {"$set": {"guest_id": surviving}}
            )
        await guest_feedback.follow_merge(self.repository.guest_feedback, merged, surviving)

    async def guest_anonymized(self, event: GuestAnonymized) -> None:
        """Erasure: names, contact and documents go; the closed folio keeps what the
        invoice must (its number, amounts and the name it was billed to)."""
        guest_ids = [event.payload.guest_id, *event.payload.also_known_as]
        await self.repository.forget_guest(guest_ids)
        await guest_feedback.forget(self.repository.guest_feedback, guest_ids)
        await self.repository.scrub(
            "arrivals",
            {"guest_id": {"$in": guest_ids}},
            {"$set": {"guest_name": ERASED, "special_requests": []}},
        )
        erased = await self.repository.scrub(
            "stays",
            {"guest_id": {"$in": guest_ids}},
            {"$set": {**ERASED_STAY_FIELDS, "erased_at": event.payload.requested_at}},
        )
        await self.repository.scrub(  # issue 18: the ID scan, like the ID number
            "id_scans", {"guest_id": {"$in": guest_ids}}, {"$set": {"image_encrypted": None}}
        )
        await scrub_free_text(
            self.repository.stays, {"guest_id": {"$in": guest_ids}}, STAY_FREE_TEXT
        )
        log.info("guest erased", guest_id=event.payload.guest_id, stays=erased)

"""Routes for the duplicate review list: pairs of profiles that may be one person, with
their evidence, and the manager's decision on each (audited)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from shared.audit import AuditLog
from shared.auth import CurrentPrincipal
from shared.masking import masked_contact
from shared.paging import Listing

from .api_common import MAX_PAGE
from .domain import DuplicateDecision
from .profiles import ProfileService
from .public import DuplicatePublic
from .repository import guest_from_document
from .service import LoyaltyService

DuplicateStatus = Literal["open", "merged", "distinct"]


def duplicate_public(entry: dict[str, Any], guests: list[dict[str, Any]]) -> DuplicatePublic:
    """A review-list entry with its evidence: which keys matched, where the match came
    from, and what each profile holds (names, masked contact, history sizes)."""

    def side(document: dict[str, Any]) -> dict[str, Any]:
        guest = guest_from_document(document)
        profile = guest.profile
        return {
            "guest_id": guest.id,
            "first_name": profile.get("first_name"),
            "last_name": profile.get("last_name"),
            **(masked_contact({k: profile.get(k) for k in ("email", "phone")}) or {}),
            "member": bool(guest.member_number),
            "stays": len(guest.stays),
            "reservations": len(guest.reservations),
            "created_at": guest.created_at,
            "merged_into": guest.merged_into,
        }

    return DuplicatePublic.model_validate(
        {
            "duplicate_id": entry["_id"],
            "status": entry["status"],
            "matched_on": entry["matched_on"],
            "source": entry["source"],
            "verified": entry.get("verified", False),
            "found_at": entry["found_at"],
            "guests": [side(g) for g in guests],
            **{
                k: entry.get(k)
                for k in ("decided_by", "decided_at", "reason", "surviving_guest_id")
                if entry.get(k) is not None
            },
        }
    )


def duplicates_router(
    service: LoyaltyService, profiles: ProfileService, audit: AuditLog
) -> APIRouter:
    router = APIRouter()

    @router.get("/duplicates")
    async def duplicates(
        status: DuplicateStatus = "open",
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    ) -> Listing[DuplicatePublic]:
        """The review list: pairs of profiles whose unverified contact data matched (a
        booking with an e-mail or phone another profile holds), never merged on their
        own. Each with its evidence; a manager merges them or keeps them apart."""
        entries = await profiles.duplicates(status, limit)
        items = []
        for entry in entries:
            guests = [await service.repository.get(g) for g in entry["guest_ids"]]
            items.append(duplicate_public(entry, [g for g in guests if g]))
        return Listing.of(items)

    @router.post("/duplicates/{duplicate_id}/decision")
    async def decide(
        duplicate_id: str, request: DuplicateDecision, principal: CurrentPrincipal
    ) -> DuplicatePublic:
        """A manager merges the pair (the older profile survives) or marks it distinct
        (the pair is not raised again). Audited: who, which pair, what, why."""
        await audit.record(
            principal,
            f"duplicate-{request.decision}",
            subject_type="guest-pair",
            subject_id=duplicate_id,
            reason=request.reason,
        )
        entry = await profiles.decide_duplicate(
            duplicate_id,
            merge=request.decision == "merge",
            decided_by=principal.key_id,
            reason=request.reason,
        )
        guests = [await service.repository.get(g) for g in entry["guest_ids"]]
        return duplicate_public(entry, [g for g in guests if g])

    return router

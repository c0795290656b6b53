"""Routes for the guest's profile: recognition, the profile (masked unless revealed, the
reveal audited), its updates, enrolment, and the manager's merge of two profiles."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from shared.audit import AuditLog, RevealRequest
from shared.auth import CurrentPrincipal
from shared.masking import contact_fields_present

from .api_common import guest_profile_public, profile_public, reveal_contact
from .domain import EnrolmentCreate, GuestLookup, MergeRequest, ProfileUpdate
from .profiles import ProfileService
from .public import ProfilePublic


def profiles_router(profiles: ProfileService, audit: AuditLog) -> APIRouter:
    router = APIRouter()

    async def shown(
        guest: dict[str, Any], reveal: RevealRequest | None, *, action: str = "reveal"
    ) -> ProfilePublic:
        """The profile, masked; in clear only after the reveal is on record."""
        if reveal is not None:
            await audit.record_reveal(
                reveal,
                subject_type="guest",
                subject_id=guest["_id"],
                fields=contact_fields_present(guest.get("profile")),
            )
        return profile_public(guest, revealed=reveal is not None)

    @router.post("/guests/lookup")
    async def lookup(
        request: GuestLookup, reveal: RevealRequest | None = Depends(reveal_contact)
    ) -> ProfilePublic:
        """Recognises a returning guest by e-mail, phone or member number (in the body,
        so contact details never land in URLs and access logs). Contact masked unless
        `?reveal=true` with the reason in `X-Reveal-Reason` (audited)."""
        return await shown(await profiles.find(request), reveal)

    @router.get("/guests/{guest_id}")
    async def get_profile(
        guest_id: str, reveal: RevealRequest | None = Depends(reveal_contact)
    ) -> ProfilePublic:
        """The profile, e-mail and phone masked; `?reveal=true` with the reason in
        `X-Reveal-Reason` shows them in clear (loyalty, manager), audited first."""
        return await shown(await profiles.guest(guest_id), reveal)

    @router.patch("/guests/{guest_id}")
    async def update_profile(guest_id: str, update: ProfileUpdate) -> ProfilePublic:
        """Language, birthday, phone, VIP, preferences and consents (with how given)."""
        return guest_profile_public(await profiles.update_profile(guest_id, update))

    @router.post("/guests/{guest_id}/enrolment")
    async def enrol(guest_id: str, request: EnrolmentCreate) -> ProfilePublic:
        return guest_profile_public(await profiles.enrol(guest_id, request))

    @router.post("/guests/{guest_id}/merge")
    async def merge(
        guest_id: str, request: MergeRequest, principal: CurrentPrincipal
    ) -> ProfilePublic:
        """Two profiles of one person become one; the older one survives. A manager's
        action (access.py), audited with its reason."""
        await audit.record(
            principal,
            "merge",
            subject_type="guest",
            subject_id=guest_id,
            reason=request.reason,
            details={"duplicate_guest_id": request.duplicate_guest_id},
        )
        return profile_public(await profiles.merge(guest_id, request.duplicate_guest_id))

    return router

"""Loyalty routes: thin, the use cases do the work."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status

from shared.audit import AuditLog, RevealRequest, reveal_for
from shared.auth import CurrentPrincipal
from shared.masking import contact_fields_present, masked_contact
from shared.paging import Listing

from . import ledger
from .domain import (
    LIFECYCLE_RULES,
    SEGMENT_RULES,
    DuplicateDecision,
    EnrolmentCreate,
    ErasureRequest,
    GuestLookup,
    LedgerEntryPublic,
    MergeRequest,
    PointsPublic,
    ProfileUpdate,
    RedemptionCreate,
    ReversalCreate,
    projection,
)
from .offers import ReferralCreate, churn_report
from .profiles import ProfileService
from .public import (
    CampaignMessage,
    ChurnReport,
    DailyPassRun,
    DuplicatePublic,
    ErasureAccepted,
    GuestExport,
    ProfilePublic,
    Referral,
    SegmentMember,
    SegmentPage,
    SegmentRules,
    TierRule,
)
from .service import LoyaltyService
from .workers import DailyPass

MAX_PAGE = 200
# Contact details in clear: loyalty's own staff (and the manager), with a reason, audited.
# The front desk and the reservations office read profiles masked (access.py).
reveal_contact = reveal_for("loyalty", "manager")
DuplicateStatus = Literal["open", "merged", "distinct"]


def profile_public(guest: dict[str, Any], *, revealed: bool = False) -> ProfilePublic:
    """What the CRM shows of a guest: the profile, history, feedback and membership. The
    e-mail and phone masked unless `revealed` (the caller asked, with a reason, and the
    reveal is on record)."""
    tier = ledger.tier_of(guest.get("tier"))
    feedback = guest.get("feedback") or {}
    profile = {k: v for k, v in (guest.get("profile") or {}).items() if k != "contact_at"}
    return ProfilePublic.model_validate(
        {
            "guest_id": guest["_id"],
            "version": guest.get("version", 0),
            "profile": profile if revealed else masked_contact(profile),
            "revealed": revealed,
            "member_number": guest.get("member_number"),
            "enrolled_at": guest.get("enrolled_at"),
            "tier": tier.name,
            "perks": list(tier.perks),
            "qualifying": guest.get("qualifying"),
            "balance": guest.get("balance", 0),
            "stays": guest.get("stays", []),
            "reservations": guest.get("reservations", []),
            "spend": str(
                sum(
                    (ledger.Decimal(s["total_spend"]) for s in guest.get("stays", [])),
                    ledger.Decimal(0),
                )
            ),
            "feedback": {
                "responses": feedback.get("responses", 0),
                "average_csat": (
                    round(feedback["csat_total"] / feedback["csat_count"], 2)
                    if feedback.get("csat_count")
                    else None
                ),
                "last_nps": feedback.get("last_nps"),
                "low_scores": feedback.get("low_scores", 0),
                "cases_opened": len(feedback.get("case_ids", [])),
                "cases_reopened": len(feedback.get("reopened_cases", [])),
                # per department, newest last (issue 18: survey.results_shared)
                "history": feedback.get("history", []),
            },
            "vouchers": guest.get("vouchers", []),
            "segments": guest.get("segments", []),
            "lifecycle": guest.get("lifecycle"),
            "also_known_as": guest.get("also_known_as", []),
            "anonymized_at": guest.get("anonymized_at"),
        }
    )


def duplicate_public(entry: dict[str, Any], guests: list[dict[str, Any]]) -> DuplicatePublic:
    """A review-list entry with its evidence: which keys matched, where the match came
    from, and what each profile holds (names, masked contact, history sizes)."""

    def side(guest: dict[str, Any]) -> dict[str, Any]:
        profile = guest.get("profile") or {}
        return {
            "guest_id": guest["_id"],
            "first_name": profile.get("first_name"),
            "last_name": profile.get("last_name"),
            **(masked_contact({k: profile.get(k) for k in ("email", "phone")}) or {}),
            "member": bool(guest.get("member_number")),
            "stays": len(guest.get("stays", [])),
            "reservations": len(guest.get("reservations", [])),
            "created_at": guest.get("created_at"),
            "merged_into": guest.get("merged_into"),
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


def loyalty_router(
    service: LoyaltyService, profiles: ProfileService, daily_pass: DailyPass, audit: AuditLog
) -> APIRouter:
    router = APIRouter(tags=["loyalty"])

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

    @router.get("/guests/{guest_id}/points", response_model=PointsPublic)
    async def points(guest_id: str) -> PointsPublic:
        """The guest's balance and every ledger entry behind it (merged ids resolve to
        the surviving profile)."""
        return PointsPublic.model_validate(await service.points_of(guest_id))

    @router.post(
        "/guests/{guest_id}/redemptions",
        status_code=status.HTTP_201_CREATED,
        response_model=LedgerEntryPublic,
    )
    async def redeem(guest_id: str, request: RedemptionCreate) -> Any:
        """Points for a night or a voucher; refused (409) beyond the balance. The same
        request_id redeems once."""
        return await service.redeem(guest_id, request)

    @router.post(
        "/guests/{guest_id}/reversals",
        status_code=status.HTTP_201_CREATED,
        response_model=LedgerEntryPublic,
    )
    async def reverse(guest_id: str, request: ReversalCreate) -> Any:
        """Takes back an earning (a refund, a mistake) by a new entry; once per entry."""
        return await service.reverse(guest_id, request)

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
        return profile_public(await profiles.update_profile(guest_id, update))

    @router.post("/guests/{guest_id}/enrolment")
    async def enrol(guest_id: str, request: EnrolmentCreate) -> ProfilePublic:
        return profile_public(await profiles.enrol(guest_id, request))

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

    @router.get("/guests/{guest_id}/export")
    async def export(guest_id: str, principal: CurrentPrincipal) -> GuestExport:
        """Everything loyalty holds about the guest (data subject access), audited."""
        exported = await profiles.export(guest_id)
        await audit.record(
            principal,
            "export",
            subject_type="guest",
            subject_id=exported["guest"]["_id"],
            reason="data subject access",
        )
        return GuestExport.model_validate(exported)

    @router.post("/guests/{guest_id}/erasure", status_code=status.HTTP_202_ACCEPTED)
    async def erase(
        guest_id: str, request: ErasureRequest, principal: CurrentPrincipal
    ) -> ErasureAccepted:
        """Erases the guest's personal data here and tells every service by
        guest.anonymized. Ledger amounts stay, keyed by the guest id. Audited."""
        await audit.record(
            principal, "erasure", subject_type="guest", subject_id=guest_id, reason=request.reason
        )
        return ErasureAccepted.model_validate(await profiles.erase(guest_id, request.reason))

    @router.get("/segments")
    async def segments() -> SegmentRules:
        """The rules behind the segments and lifecycle stages."""
        return SegmentRules(
            segments=SEGMENT_RULES,
            lifecycle=LIFECYCLE_RULES,
            tiers=[
                TierRule(
                    name=t.name,
                    nights=t.nights,
                    points=t.points,
                    bonus_percent=t.bonus_percent,
                    perks=list(t.perks),
                )
                for t in ledger.TIERS
            ],
        )

    @router.get("/segments/{segment}/guests")
    async def segment_guests(
        segment: Literal["high-value", "regular", "at-risk", "business", "family"],
        after: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    ) -> SegmentPage:
        """A segment's guests (issue 18), a page at a time in id order (`after` = the last
        id of the previous page). No contact details: the profile route has them."""
        guests = await service.repository.guests_in_segment(segment, after, limit)
        return SegmentPage(
            segment=segment,
            items=[
                SegmentMember(
                    guest_id=guest["_id"],
                    first_name=(guest.get("profile") or {}).get("first_name"),
                    tier=ledger.tier_of(guest.get("tier")).name,
                    vip=projection(guest)["vip"],
                    lifecycle=guest.get("lifecycle"),
                    segments=guest.get("segments", []),
                    relations_owner=guest.get("relations_owner"),
                    stays=len(guest.get("stays", [])),
                )
                for guest in guests
            ],
            next_after=guests[-1]["_id"] if len(guests) == limit else None,
        )

    @router.post("/guests/{guest_id}/referrals", status_code=status.HTTP_201_CREATED)
    async def refer(guest_id: str, referral: ReferralCreate) -> Referral:
        """The member `guest_id` brought `referred_guest_id`: their first stay earns the
        member a referral reward, once."""
        return Referral.model_validate(await service.refer(guest_id, referral.referred_guest_id))

    @router.get("/reports/churn")
    async def churn(limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> ChurnReport:
        """Why lapsing and lost guests left, counted by cause (before winning them back)."""
        guests = await service.repository.guests_by_lifecycle(("lapsing", "lost"), limit)
        return ChurnReport.model_validate(churn_report(guests))

    @router.get("/messages")
    async def messages(
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    ) -> Listing[CampaignMessage]:
        """Campaign messages queued for the e-mail/SMS adapter (no addresses here)."""
        items = await service.repository.all_messages(limit)
        return Listing.of([CampaignMessage.of(item) for item in items])

    @router.post("/admin/jobs/daily-pass")
    async def run_daily_pass() -> DailyPassRun:
        """Runs the daily pass now (it also runs on its own every JOBS_POLL_SECONDS)."""
        return DailyPassRun(visited=await daily_pass.run_pass())

    return router

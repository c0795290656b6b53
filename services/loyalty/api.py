"""Loyalty routes: thin, the use cases do the work."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status

from . import ledger
from .domain import (
    LIFECYCLE_RULES,
    SEGMENT_RULES,
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
from .jobs import DailyPass
from .offers import ReferralCreate, churn_report
from .profiles import ProfileService
from .service import LoyaltyService

MAX_PAGE = 200


def profile_public(guest: dict[str, Any]) -> dict[str, Any]:
    """What the CRM shows of a guest: the profile, history, feedback and membership."""
    tier = ledger.tier_of(guest.get("tier"))
    feedback = guest.get("feedback") or {}
    profile = guest.get("profile") or {}
    return {
        "guest_id": guest["_id"],
        "version": guest.get("version", 0),
        "profile": {k: v for k, v in profile.items() if k != "contact_at"},
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
        },
        "vouchers": guest.get("vouchers", []),
        "segments": guest.get("segments", []),
        "lifecycle": guest.get("lifecycle"),
        "also_known_as": guest.get("also_known_as", []),
        "anonymized_at": guest.get("anonymized_at"),
    }


def loyalty_router(
    service: LoyaltyService, profiles: ProfileService, daily_pass: DailyPass
) -> APIRouter:
    router = APIRouter(tags=["loyalty"])

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
    async def lookup(request: GuestLookup) -> dict[str, Any]:
        """Recognises a returning guest by e-mail, phone or member number (in the body,
        so contact details never land in URLs and access logs)."""
        return profile_public(await profiles.find(request))

    @router.get("/guests/{guest_id}")
    async def get_profile(guest_id: str) -> dict[str, Any]:
        return profile_public(await profiles.guest(guest_id))

    @router.patch("/guests/{guest_id}")
    async def update_profile(guest_id: str, update: ProfileUpdate) -> dict[str, Any]:
        """Language, birthday, phone, VIP, preferences and consents (with how given)."""
        return profile_public(await profiles.update_profile(guest_id, update))

    @router.post("/guests/{guest_id}/enrolment")
    async def enrol(guest_id: str, request: EnrolmentCreate) -> dict[str, Any]:
        return profile_public(await profiles.enrol(guest_id, request))

    @router.post("/guests/{guest_id}/merge")
    async def merge(guest_id: str, request: MergeRequest) -> dict[str, Any]:
        """Two profiles of one person become one; the older one survives."""
        return profile_public(await profiles.merge(guest_id, request.duplicate_guest_id))

    @router.get("/guests/{guest_id}/export")
    async def export(guest_id: str) -> dict[str, Any]:
        """Everything loyalty holds about the guest (data subject access)."""
        return await profiles.export(guest_id)

    @router.post("/guests/{guest_id}/erasure", status_code=status.HTTP_202_ACCEPTED)
    async def erase(guest_id: str, request: ErasureRequest) -> dict[str, Any]:
        """Erases the guest's personal data here and tells every service by
        guest.anonymized. Ledger amounts stay, keyed by the guest id."""
        return await profiles.erase(guest_id, request.reason)

    @router.get("/segments")
    async def segments() -> dict[str, Any]:
        """The rules behind the segments and lifecycle stages."""
        return {
            "segments": SEGMENT_RULES,
            "lifecycle": LIFECYCLE_RULES,
            "tiers": [
                {
                    "name": t.name,
                    "nights": t.nights,
                    "points": t.points,
                    "bonus_percent": t.bonus_percent,
                    "perks": list(t.perks),
                }
                for t in ledger.TIERS
            ],
        }

    @router.get("/segments/{segment}/guests")
    async def segment_guests(
        segment: Literal["high-value", "regular", "at-risk", "business", "family"],
        after: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    ) -> dict[str, Any]:
        """A segment's guests (issue 18), a page at a time in id order (`after` = the last
        id of the previous page). No contact details: the profile route has them."""
        guests = await service.repository.guests_in_segment(segment, after, limit)
        return {
            "segment": segment,
            "items": [
                {
                    "guest_id": guest["_id"],
                    "first_name": (guest.get("profile") or {}).get("first_name"),
                    "tier": ledger.tier_of(guest.get("tier")).name,
                    "vip": projection(guest)["vip"],
                    "lifecycle": guest.get("lifecycle"),
                    "segments": guest.get("segments", []),
                    "relations_owner": guest.get("relations_owner"),
                    "stays": len(guest.get("stays", [])),
                }
                for guest in guests
            ],
            "next_after": guests[-1]["_id"] if len(guests) == limit else None,
        }

    @router.post("/guests/{guest_id}/referrals", status_code=status.HTTP_201_CREATED)
    async def refer(guest_id: str, referral: ReferralCreate) -> dict[str, Any]:
        """The member `guest_id` brought `referred_guest_id`: their first stay earns the
        member a referral reward, once."""
        return await service.refer(guest_id, referral.referred_guest_id)

    @router.get("/reports/churn")
    async def churn(limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> dict[str, Any]:
        """Why lapsing and lost guests left, counted by cause (before winning them back)."""
        guests = await service.repository.guests_by_lifecycle(("lapsing", "lost"), limit)
        return churn_report(guests)

    @router.get("/messages")
    async def messages(limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50) -> dict[str, Any]:
        """Campaign messages queued for the e-mail/SMS adapter (no addresses here)."""
        items = await service.repository.all_messages(limit)
        return {"total": len(items), "items": items}

    @router.post("/admin/jobs/daily-pass")
    async def run_daily_pass() -> dict[str, Any]:
        """Runs the daily pass now (it also runs on its own every JOBS_POLL_SECONDS)."""
        return {"visited": await daily_pass.run_pass()}

    return router

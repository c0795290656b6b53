"""Routes for what the programme does with its guests: the segment rules and a segment's
guests, referrals, the churn report, the campaign messages queued, and the daily pass run
on demand."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status

from shared.paging import Listing

from . import ledger
from .api_common import MAX_PAGE
from .domain import LIFECYCLE_RULES, SEGMENT_RULES, projection
from .offers import ReferralCreate, churn_report
from .public import (
    CampaignMessage,
    ChurnReport,
    DailyPassRun,
    Referral,
    SegmentMember,
    SegmentPage,
    SegmentRules,
    TierRule,
)
from .service import LoyaltyService
from .workers import DailyPass


def programme_router(service: LoyaltyService, daily_pass: DailyPass) -> APIRouter:
    router = APIRouter()

    @router.get("/segments")
    async def segments() -> SegmentRules:
        """The rules behind the segments and lifecycle stages."""
        return segment_rules()

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
            items=[segment_member(guest) for guest in guests],
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


def segment_rules() -> SegmentRules:
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


def segment_member(guest: dict[str, Any]) -> SegmentMember:
    """A segment's guest as the list shows it: no contact details."""
    return SegmentMember(
        guest_id=guest["_id"],
        first_name=(guest.get("profile") or {}).get("first_name"),
        tier=ledger.tier_of(guest.get("tier")).name,
        vip=projection(guest)["vip"],
        lifecycle=guest.get("lifecycle"),
        segments=guest.get("segments", []),
        relations_owner=guest.get("relations_owner"),
        stays=len(guest.get("stays", [])),
    )

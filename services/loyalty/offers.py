"""Segments that act (issue 18; seed 001 五, 八): why guests leave, looked at before they
are won back; offers for acquisition, business and family guests; referral rewards.
Rules only, no I/O.

- Churn causes: for a lapsing or lost guest, what their own history says (a complaint,
  a low score, one stay and never again, the stays getting cheaper, nothing known). The
  analysis is recorded on the guest before the win-back offer goes out, and the offer
  names the causes it answers; `GET /reports/churn` counts the causes over the lapsing
  and lost guests, so the hotel fixes causes rather than only sending coupons. A guest
  whose cause is a complaint or a low score also gets a recovery contact first (care.py).
- Offers: a welcome offer to a member who has not stayed yet (acquisition, once); a
  business offer to the business segment and a family package to the family segment,
  once a year each. Queued like every campaign message: only with marketing consent.
- Referral: a member names the guest they brought; the referred guest's first completed
  stay earns the referrer REFERRAL_POINTS, once per referred guest (the ledger entry is
  keyed `referral|<referred guest>`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from .domain import Input

REFERRAL_POINTS = 2000
CHURN_CAUSES = {
    "complaint": "a complaint case was opened about a stay",
    "low_score": "a low survey score (NPS 0-6 or a rating of 2 or less)",
    "single_stay": "one stay and never again",
    "spend_falling": "the last stay cost less a night than the ones before (price-sensitive)",
    "unknown": "nothing in the guest's history explains it: ask them",
}


def churn_causes(guest: dict[str, Any]) -> list[str]:
    feedback = guest.get("feedback") or {}
    stays = sorted(guest.get("stays", []), key=lambda s: s["departure"])
    causes = []
    if feedback.get("case_ids"):
        causes.append("complaint")
    if feedback.get("low_scores"):
        causes.append("low_score")
    if len(stays) == 1:
        causes.append("single_stay")
    if len(stays) >= 2:
        per_night = [Decimal(s["room_revenue"]) / max(s.get("nights") or 1, 1) for s in stays]
        earlier = sum(per_night[:-1], Decimal(0)) / (len(per_night) - 1)
        if per_night[-1] < earlier * Decimal("0.8"):
            causes.append("spend_falling")
    return causes or ["unknown"]


def churn_report(guests: list[dict[str, Any]]) -> dict[str, Any]:
    counts = {cause: 0 for cause in CHURN_CAUSES}
    for guest in guests:
        for cause in guest.get("churn_analysis", {}).get("causes") or churn_causes(guest):
            counts[cause] += 1
    return {
        "guests": len(guests),
        "by_cause": counts,
        "causes": CHURN_CAUSES,
    }


def segment_offers(guest: dict[str, Any], today: date) -> list[dict[str, str]]:
    """Acquisition, business and family offers due for the guest; keyed to go once."""
    guest_id, segments = guest["_id"], guest.get("segments") or []
    actions = []
    if guest.get("member_number") and not guest.get("stays"):
        actions.append({"action_id": f"offer|welcome|{guest_id}", "template": "welcome-offer"})
    if "business" in segments:
        actions.append(
            {"action_id": f"offer|business|{today.year}|{guest_id}", "template": "business-offer"}
        )
    if "family" in segments:
        actions.append(
            {"action_id": f"offer|family|{today.year}|{guest_id}", "template": "family-offer"}
        )
    return actions


class ReferralCreate(Input):
    referred_guest_id: Annotated[str, Field(min_length=1, max_length=100)]

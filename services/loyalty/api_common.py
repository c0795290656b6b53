"""What loyalty's routers share: the page cap, who sees contact details in clear, and the
guest document, read as the aggregate (guest_aggregate.py), turned into the CRM profile
the routes answer with."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.audit import reveal_for
from shared.masking import masked_contact

from . import ledger
from .guest_aggregate import Guest
from .public import FeedbackSummary, ProfilePublic
from .repository import guest_from_document

MAX_PAGE = 200
# Contact details in clear: loyalty's own staff (and the manager), with a reason, audited.
# The front desk and the reservations office read profiles masked (access.py).
reveal_contact = reveal_for("loyalty", "manager")


def profile_public(document: dict[str, Any], *, revealed: bool = False) -> ProfilePublic:
    """The CRM profile of a guest's stored document (guest_profile_public)."""
    return guest_profile_public(guest_from_document(document), revealed=revealed)


def guest_profile_public(guest: Guest, *, revealed: bool = False) -> ProfilePublic:
    """What the CRM shows of a guest: the profile, history, feedback and membership. The
    e-mail and phone masked unless `revealed` (the caller asked, with a reason, and the
    reveal is on record)."""
    tier = ledger.tier_of(guest.tier)
    feedback = guest.feedback
    profile = {k: v for k, v in guest.profile.items() if k != "contact_at"}
    return ProfilePublic(
        guest_id=guest.id,
        version=guest.version,
        profile=profile if revealed else masked_contact(profile),
        revealed=revealed,
        member_number=guest.member_number,
        enrolled_at=guest.enrolled_at,
        tier=tier.name,
        perks=list(tier.perks),
        qualifying=guest.qualifying.model_dump() if guest.qualifying else None,
        balance=guest.balance,
        stays=guest.stays,
        reservations=guest.reservations,
        spend=str(sum((Decimal(s["total_spend"]) for s in guest.stays), Decimal(0))),
        feedback=FeedbackSummary(
            responses=feedback.responses,
            average_csat=(
                round(feedback.csat_total / feedback.csat_count, 2) if feedback.csat_count else None
            ),
            last_nps=feedback.last_nps,
            low_scores=feedback.low_scores,
            cases_opened=len(feedback.case_ids),
            cases_reopened=len(feedback.reopened_cases),
            # per department, newest last (issue 18: survey.results_shared)
            history=feedback.history,
        ),
        vouchers=guest.vouchers,
        segments=guest.segments,
        lifecycle=guest.lifecycle,
        also_known_as=guest.also_known_as,
        anonymized_at=guest.anonymized_at,
    )

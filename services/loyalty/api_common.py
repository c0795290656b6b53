"""What loyalty's routers share: the page cap, who sees contact details in clear, and the
guest document turned into the CRM profile the routes answer with."""

from __future__ import annotations

from typing import Any

from shared.audit import reveal_for
from shared.masking import masked_contact

from . import ledger
from .public import ProfilePublic

MAX_PAGE = 200
# Contact details in clear: loyalty's own staff (and the manager), with a reason, audited.
# The front desk and the reservations office read profiles masked (access.py).
reveal_contact = reveal_for("loyalty", "manager")


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

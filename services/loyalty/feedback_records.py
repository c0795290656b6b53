"""What feedback tells loyalty about a guest: survey answers, cases opened and reopened,
the satisfaction history per department, and goodwill granted (points and vouchers, once
per grant). A problem here is what makes a guest at-risk in the daily round."""

from __future__ import annotations

from typing import Any

from shared.events import (
    CaseOpened,
    CaseReopened,
    GoodwillGranted,
    SurveyResponseReceived,
    SurveyResultsShared,
)

from . import ledger
from .domain import SATISFACTION_HISTORY, satisfaction_entry
from .guests import Change
from .loyalty_context import LoyaltyContext


class FeedbackRecords(LoyaltyContext):
    async def record_survey_response(self, event: SurveyResponseReceived) -> None:
        response = event.payload

        def decide(guest: dict[str, Any]) -> Change | None:
            feedback = dict(guest.get("feedback") or {})
            if response.survey_id in feedback.get("survey_ids", []):
                return None
            feedback["survey_ids"] = [*feedback.get("survey_ids", []), response.survey_id]
            feedback["responses"] = feedback.get("responses", 0) + 1
            if response.csat is not None:
                feedback["csat_total"] = feedback.get("csat_total", 0.0) + response.csat
                feedback["csat_count"] = feedback.get("csat_count", 0) + 1
            if response.nps is not None:
                feedback["last_nps"] = response.nps
            if response.low_score:
                feedback["low_scores"] = feedback.get("low_scores", 0) + 1
                feedback["last_problem_at"] = event.occurred_at
            return Change(sets={"feedback": feedback})

        await self.store.change(response.guest_id, decide, cause=event, create=True)

    async def record_case(self, event: CaseOpened) -> None:
        case = event.payload

        def decide(guest: dict[str, Any]) -> Change | None:
            feedback = dict(guest.get("feedback") or {})
            if case.case_id in feedback.get("case_ids", []):
                return None
            feedback["case_ids"] = [*feedback.get("case_ids", []), case.case_id]
            feedback["last_problem_at"] = max(
                event.occurred_at, feedback.get("last_problem_at") or event.occurred_at
            )
            return Change(sets={"feedback": feedback})

        await self.store.change(case.guest_id, decide, cause=event, create=True)

    async def record_case_reopened(self, event: CaseReopened) -> None:
        """The guest was not satisfied with how their complaint was put right: a problem
        again as of now (at-risk, a guest-relations owner, a new recovery contact by the
        daily pass), once per reopening."""
        case = event.payload
        key = f"{case.case_id}|{case.reopen_count}"

        def decide(guest: dict[str, Any]) -> Change | None:
            feedback = dict(guest.get("feedback") or {})
            if key in feedback.get("reopened_cases", []):
                return None
            feedback["reopened_cases"] = [*feedback.get("reopened_cases", []), key]
            feedback["last_problem_at"] = max(
                event.occurred_at, feedback.get("last_problem_at") or event.occurred_at
            )
            return Change(sets={"feedback": feedback})

        await self.store.change(case.guest_id, decide, cause=event, create=True)

    async def record_results_shared(self, event: SurveyResultsShared) -> None:
        """The satisfaction history per department (post-stay and in-stay answers alike:
        an in-stay low score makes a problem guest too), once per questionnaire and
        department, the newest `SATISFACTION_HISTORY` kept."""
        share = event.payload
        if share.guest_id is None:  # shared before guest ids travelled: nobody to file it on
            return

        def decide(guest: dict[str, Any]) -> Change | None:
            feedback = dict(guest.get("feedback") or {})
            history = list(feedback.get("history", []))
            if any(
                (h["survey_id"], h["department"]) == (share.survey_id, share.department)
                for h in history
            ):
                return None
            history.append(satisfaction_entry(share))
            history.sort(key=lambda h: h["answered_at"])
            feedback["history"] = history[-SATISFACTION_HISTORY:]
            if share.low_topics:
                feedback["last_problem_at"] = max(
                    share.answered_at, feedback.get("last_problem_at") or share.answered_at
                )
            return Change(sets={"feedback": feedback})

        await self.store.change(share.guest_id, decide, cause=event, create=True)

    async def apply_goodwill(self, event: GoodwillGranted) -> None:
        """Service recovery: once per grant_id, whatever the deliveries."""
        grant = event.payload
        now = self.clock()

        def decide(guest: dict[str, Any]) -> Change | None:
            change = Change()
            if grant.voucher and grant.grant_id not in {
                v["grant_id"] for v in guest.get("vouchers", [])
            }:
                change.pushes["vouchers"] = [
                    {
                        "grant_id": grant.grant_id,
                        "case_id": grant.case_id,
                        "voucher": grant.voucher,
                        "granted_at": now,
                    }
                ]
            if grant.points > 0:
                posted = self.store.postings(
                    guest,
                    [
                        ledger.Movement(
                            entry_id=f"goodwill|{grant.grant_id}",
                            kind=ledger.GOODWILL,
                            points=grant.points,
                            reason="goodwill",
                            at=now,
                            details={"case_id": grant.case_id},
                        )
                    ],
                    event,
                    change,
                )
                if posted:
                    return posted
            return change if change.pushes else None

        await self.store.change(grant.guest_id, decide, cause=event, create=True)

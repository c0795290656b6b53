"""Guest relations' cases on the stays: an in-house case becomes an alert on the stay,
cleared when resolved, raised again when the guest, not satisfied, has it reopened; and
each guest's latest questionnaire results, for recognition (guest_feedback.py)."""

from __future__ import annotations

from typing import Any

from shared.events import CaseOpened, CaseReopened, CaseResolved, SurveyResultsShared
from shared.logging import get_logger

from . import guest_feedback
from .projection_context import ProjectionContext, event_time

log = get_logger(__name__)


class CaseAlerts(ProjectionContext):
    async def case_opened(self, event: CaseOpened) -> None:
        case = event.payload
        if not case.in_house or not self._ours(event):
            return
        stays = await self.repository.stays_where(
            {"_id": case.stay_id}
            if case.stay_id
            else {"guest_id": case.guest_id, "status": "in_house"}
        )
        for stay in stays:
            await self._raise_alert(stay["_id"], event, source=case.source)

    async def case_reopened(self, event: CaseReopened) -> None:
        """The guest was not satisfied with the result: the alert is back on the stay
        the guest is in now (whichever stay the case came from), for the desk to act
        again. A guest who has left is not alerted on: there is no stay to put it on."""
        if not self._ours(event):
            return
        case = event.payload
        for stay in await self.repository.stays_where(
            {"guest_id": case.guest_id, "status": "in_house"}
        ):
            await self._raise_alert(stay["_id"], event, reopen_count=case.reopen_count)

    async def _raise_alert(
        self, stay_id: str, event: CaseOpened | CaseReopened, **details: Any
    ) -> None:
        """Once per case on a stay, and never by an event older than the case's latest
        resolution there (a late or redelivered opening does not raise a closed case)."""
        case, raised_at = event.payload, event_time(event)
        raised = await self.repository.update_stay(
            stay_id,
            {
                "alerts.case_id": {"$ne": case.case_id},
                "resolved_alerts": {
                    "$not": {
                        "$elemMatch": {"case_id": case.case_id, "resolved_at": {"$gte": raised_at}}
                    }
                },
            },
            {
                "$push": {
                    "alerts": {
                        "case_id": case.case_id,
                        "category": case.category,
                        "severity": case.severity,
                        "owner": case.owner,
                        "due_at": case.due_at.isoformat(),
                        "raised_at": raised_at,
                        **details,
                    }
                }
            },
        )
        if raised:
            log.info("guest relations alert on stay", stay_id=stay_id, case_id=case.case_id)

    async def case_resolved(self, event: CaseResolved) -> None:
        """The case is closed: its alert leaves the stay (kept in `resolved_alerts`, so the
        desk can still see what happened), whether the stay is in house or not. Only an
        alert raised before this resolution: a redelivered resolution leaves the alert of
        a later reopening alone."""
        case = event.payload
        if not self._ours(event):
            return
        resolved_at = event_time(event)
        raised_before = {
            "alerts": {
                "$elemMatch": {"case_id": case.case_id, "raised_at": {"$not": {"$gt": resolved_at}}}
            }
        }
        for stay in await self.repository.stays_where({"alerts.case_id": case.case_id}):
            alert = next(a for a in stay["alerts"] if a["case_id"] == case.case_id)
            cleared = await self.repository.update_stay(
                stay["_id"],
                raised_before,
                {
                    "$pull": {"alerts": {"case_id": case.case_id}},
                    "$push": {
                        "resolved_alerts": {
                            **alert,
                            "resolution": case.resolution,
                            "resolved_at": resolved_at,
                        }
                    },
                },
            )
            if cleared:  # else raised again by a later reopening: not this resolution's
                log.info("guest relations alert cleared", stay_id=stay["_id"], case_id=case.case_id)

    async def survey_results_shared(self, event: SurveyResultsShared) -> None:
        """The guest's latest questionnaire, for recognition at their next check-in."""
        if self._ours(event):
            await guest_feedback.record_results(self.repository.guest_feedback, event)

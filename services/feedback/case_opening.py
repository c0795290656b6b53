"""Cases opened: from a complaint taken by another department, from a low survey score,
or taken by phone, online or at the desk; one case per source, whatever the redelivery."""

from __future__ import annotations

import uuid
from typing import Any

from shared.auth import acting_person
from shared.events import (
    CaseOpened,
    CaseOpenedPayload,
    CaseSource,
    ComplaintRaised,
    Severity,
    SurveyResponseReceived,
)
from shared.logging import current_correlation_id, get_logger

from .domain import (
    Case,
    CaseCreate,
    CaseStatus,
    QuestionType,
    case_deadline,
    case_id_for,
    low_scoring_topics,
    survey_case_severity,
)
from .feedback_context import PRODUCER, FeedbackContext

log = get_logger(__name__)


class CaseOpening(FeedbackContext):
    async def _open_case(
        self,
        case_id: str,
        *,
        guest_id: str,
        stay_id: str | None,
        category: str,
        severity: Severity,
        source: CaseSource,
        description: str,
        owner: str,
        envelope: dict[str, Any],
        **extra: Any,
    ) -> bool:
        """`envelope`: the event's property and correlation (`Event.caused()` when the
        case follows from an event)."""
        stay_id, in_house = await self._stay_of(guest_id, stay_id, source)
        property_id = envelope["property_id"]
        now = self.clock()
        due_at = case_deadline(severity, now, self.settings.case_deadline_hours)
        event = CaseOpened.new(
            CaseOpenedPayload(
                case_id=case_id,
                guest_id=guest_id,
                stay_id=stay_id,
                category=category,
                severity=severity,
                source=source,
                owner=owner,
                due_at=due_at,
                in_house=in_house,
            ),
            producer=PRODUCER,
            **envelope,
        )
        case = Case.model_validate(
            {
                "_id": case_id,
                "property_id": property_id,
                "guest_id": guest_id,
                "stay_id": stay_id,
                "category": category,
                "severity": severity,
                "source": source,
                "description": description,
                "owner": owner,
                "status": CaseStatus.OPEN,
                "in_house": in_house,
                "opened_at": now,
                "due_at": due_at,
                "notes": [],
                "correlation_id": event.correlation_id,
                **extra,
            }
        )
        created = await self.repository.add_case_once(case, event)
        if created:
            self.events_written()
            log.info(
                "case opened", case_id=case_id, source=source, severity=severity, in_house=in_house
            )
        return created

    async def _stay_of(
        self, guest_id: str, stay_id: str | None, source: CaseSource
    ) -> tuple[str | None, bool]:
        """The stay the case is about, and whether the guest is in house: a case without a
        stay is about the guest's stay in house, if any (a survey's guest has left)."""
        stay = await (
            self.repository.stay(stay_id) if stay_id else self.repository.in_house_stay_of(guest_id)
        )
        in_house = bool(stay and stay.get("in_house")) and source != "survey"
        if stay and not stay_id and in_house:
            stay_id = stay["_id"]
        return stay_id, in_house

    async def case_from_complaint(self, event: ComplaintRaised) -> None:
        complaint = event.payload
        await self._open_case(
            case_id_for("complaint", complaint.complaint_id),
            guest_id=complaint.guest_id,
            stay_id=complaint.stay_id,
            category=complaint.category,
            severity=complaint.severity,
            source=complaint.channel,
            description=complaint.description,
            owner=complaint.taken_by,
            envelope=event.caused(),
            complaint_id=complaint.complaint_id,
            room_number=complaint.room_number,
        )

    async def case_from_survey(self, event: SurveyResponseReceived) -> None:
        """A low score opens one case by itself (one per survey, whatever the redelivery)."""
        answered = event.payload
        if not answered.low_score:
            return
        survey = await self.repository.survey(answered.survey_id)
        answers = (survey or {}).get("response", {}).get("answers", [])
        topics = low_scoring_topics(answers)
        comments = [a["value"] for a in answers if a["type"] == QuestionType.TEXT]
        description = "Low survey score on " + (", ".join(topics) or "the survey")
        if answered.nps is not None:
            description += f" (NPS {answered.nps})"
        if comments:
            description += ". The guest wrote: " + " / ".join(comments)
        await self._open_case(
            case_id_for("survey", answered.survey_id),
            guest_id=answered.guest_id,
            stay_id=answered.stay_id,
            category=topics[0] if topics else "survey",
            severity=survey_case_severity(answered.model_dump()),
            source="survey",
            description=description,
            owner=self.settings.survey_case_owner,
            envelope=event.caused(),
            survey_id=answered.survey_id,
        )

    async def open_case(self, request: CaseCreate, idempotency_key: str | None) -> Case:
        """A case taken by phone, online or at the desk: whoever took it owns it."""
        case_id = case_id_for("request", idempotency_key) if idempotency_key else str(uuid.uuid4())
        await self._open_case(
            case_id,
            guest_id=request.guest_id,
            stay_id=request.stay_id,
            category=request.category,
            severity=request.severity,
            source=request.channel,
            description=request.description,
            owner=acting_person(request.taken_by),
            envelope={
                "property_id": self.settings.property_id,
                "correlation_id": current_correlation_id(),
            },
        )
        return await self.case(case_id)

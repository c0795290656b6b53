"""After a complaint: confirm with the guest that they are satisfied (seed 002 8.3.2:
"处理完毕后,向客人反馈处理结果,保证客人满意"; 000 二(二): tell the guest what was
improved).

The result mail (CaseResultMailer) tells the guest what was done and what was changed so
it does not happen again, with a signed link. The guest answers once through that link:
satisfied closes the loop; not satisfied reopens the case with a fresh deadline for its
owner (the escalation worker brings in the manager if it runs late again), and the guest's
words become a note on the case (so erasure reaches them like any note). The reopening
leaves as `case.reopened`, written with it (the outbox), so those who acted on
case.opened act again: the desk alerts on the guest's in-house stay, loyalty treats the
guest as a problem guest again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field
from pymongo import ReturnDocument

from shared.clock import Clock
from shared.errors import Conflict, NotFound
from shared.events import CaseReopened, CaseReopenedPayload
from shared.logging import get_logger
from shared.outbox import push_outbox

from .config import Settings
from .domain import Case, CaseStatus, Input, Text, case_deadline, survey_token, token_is_valid
from .public import CaseFollowUpAnswered, CaseFollowUpQuestion
from .repository import HIDDEN, FeedbackRepository
from .service import InvalidSurveyToken

log = get_logger(__name__)
PRODUCER = "feedback"
ASKED, SATISFIED, NOT_SATISFIED = "asked", "satisfied", "not_satisfied"


# Its own scope: a survey link's token never answers for a case, nor the reverse.
FOLLOW_UP_PURPOSE = "case-follow-up"


def follow_up_token(secret: str, case_id: str, expires_at: datetime | None = None) -> str:
    expires_at = expires_at or datetime.now(UTC) + timedelta(days=30)
    return survey_token(secret, case_id, expires_at, FOLLOW_UP_PURPOSE)


def satisfaction_link(settings: Settings, case_id: str, now: datetime) -> str:
    expires_at = now + timedelta(days=settings.survey_link_days)
    token = follow_up_token(settings.survey_link_secret, case_id, expires_at)
    return f"{settings.survey_base_url}/case-follow-ups/{case_id}?token={token}"


class SatisfactionAnswer(Input):
    token: Annotated[str, Field(min_length=1, max_length=100)]
    satisfied: bool
    comment: Text | None = None


class CaseFollowUp:
    def __init__(
        self,
        repository: FeedbackRepository,
        settings: Settings,
        clock: Clock,
        events_written: Callable[[], None] = lambda: None,
    ) -> None:
        self.repository = repository
        self.cases = repository.cases
        self.settings = settings
        self.clock = clock
        self.events_written = events_written  # wakes the outbox relay

    async def _authorised(self, case_id: str, token: str) -> Case:
        if not token_is_valid(
            self.settings.survey_link_secret, case_id, token, self.clock(), FOLLOW_UP_PURPOSE
        ):
            raise InvalidSurveyToken("the link is not valid")
        case = await self.repository.case(case_id)
        if case is None:
            raise NotFound(f"case {case_id!r} does not exist")
        return case

    async def question(self, case_id: str, token: str) -> dict[str, Any]:
        case = await self._authorised(case_id, token)
        return {
            "case_id": case_id,
            "resolution": case.resolution,
            "improvement": case.improvement,
            "question": "Are you satisfied with how we handled your feedback?",
            "answer": case.guest_satisfaction,
        }

    async def answer(self, case_id: str, answer: SatisfactionAnswer) -> dict[str, Any]:
        case = await self._authorised(case_id, answer.token)
        if case.guest_satisfaction != ASKED:
            raise Conflict("this case has already been answered, thank you")
        now = self.clock()
        verdict = SATISFIED if answer.satisfied else NOT_SATISFIED
        changes: dict[str, Any] = {"guest_satisfaction": verdict, "guest_satisfaction_at": now}
        update: dict[str, Any] = {"$set": changes}
        if not answer.satisfied:  # back to its owner, with a new deadline, and said so
            due_at = case_deadline(case.severity, now, self.settings.case_deadline_hours)
            changes.update(status=CaseStatus.OPEN.value, reopened_at=now, due_at=due_at)
            update["$inc"] = {"reopen_count": 1}
            update["$push"] = push_outbox(self._reopened(case, due_at))
        if answer.comment:
            update.setdefault("$push", {})["notes"] = {
                "author": "guest",
                "text": answer.comment,
                "at": now,
                "kind": verdict,
            }
        saved = await self.cases.find_one_and_update(
            {"_id": case_id, "guest_satisfaction": ASKED},  # one answer, whatever the races
            update,
            projection=HIDDEN,
            return_document=ReturnDocument.AFTER,
        )
        if saved is None:
            raise Conflict("this case has already been answered, thank you")
        if not answer.satisfied:
            self.events_written()
        log.info("guest answered the case follow-up", case_id=case_id, verdict=verdict)
        return {"case_id": case_id, "guest_satisfaction": verdict, "status": saved["status"]}

    def _reopened(self, case: Case, due_at: datetime) -> CaseReopened:
        """The event of this reopening; the write that carries it is guarded by the one
        answer the case takes, so its count is the case's own."""
        return CaseReopened.new(
            CaseReopenedPayload(
                case_id=case.id,
                guest_id=case.guest_id,
                stay_id=case.stay_id,
                category=case.category,
                severity=case.severity,
                owner=case.owner,
                due_at=due_at,
                reopen_count=case.reopen_count + 1,
            ),
            producer=PRODUCER,
            property_id=case.property_id,
            correlation_id=case.correlation_id,
        )


def case_follow_up_router(follow_up: CaseFollowUp) -> APIRouter:
    """Public routes: the signed link in the result mail is the guest's authorisation."""
    router = APIRouter(tags=["feedback"])

    @router.get("/case-follow-ups/{case_id}")
    async def follow_up_question(case_id: str, token: str) -> CaseFollowUpQuestion:
        """What was done and improved, and the question the guest answers."""
        return CaseFollowUpQuestion.model_validate(await follow_up.question(case_id, token))

    @router.post("/case-follow-ups/{case_id}/answer", status_code=201)
    async def follow_up_answer(case_id: str, answer: SatisfactionAnswer) -> CaseFollowUpAnswered:
        """Satisfied or not, once; not satisfied reopens the case for its owner."""
        return CaseFollowUpAnswered.model_validate(await follow_up.answer(case_id, answer))

    return router

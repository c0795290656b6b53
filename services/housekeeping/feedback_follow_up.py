"""Guests' scores of housekeeping, acted on (issue 18; seed 002 11.2(4): survey results go
to the departments concerned, and 001 四: feedback finds what to put right).

survey.results_shared brings each answered questionnaire's housekeeping part (scores and
low-scored topics, never the guest's words). A part with a low-scored topic and a room
becomes one `feedback_follow_up` task in that room, keyed by the questionnaire
(`feedback|<survey_id>`): a supervisor or attendant checks the topics the guest scored low
and puts right what is found. During the stay (an in-stay questionnaire) the guest is still
in the room, so the task is urgent; after the stay it takes its turn. Scores without a low
topic, other departments' parts and parts without a room are left to the reports
(`GET /department-results/housekeeping` at feedback).
"""

from __future__ import annotations

from shared.events import SurveyResultsShared
from shared.logging import get_logger

from .domain import TaskKind, feedback_task_id
from .service import HousekeepingService

log = get_logger(__name__)
DEPARTMENT = "housekeeping"


async def follow_up_low_scores(service: HousekeepingService, event: SurveyResultsShared) -> bool:
    """Creates the follow-up task once; True when this call created it."""
    share = event.payload
    if (
        share.department != DEPARTMENT
        or not share.low_topics
        or not share.room_number
        or event.property_id != service.repository.property_id
    ):
        return False
    room = await service.rooms.room(share.room_number)
    created = await service.create_task(
        feedback_task_id(share.survey_id),
        TaskKind.FEEDBACK_FOLLOW_UP,
        room,
        day=await service.business_dates.today(),
        stay_id=share.stay_id,
        guest_id=share.guest_id,
        urgent=share.kind == "in_stay",
        cause=event,
        extra={
            "survey_id": share.survey_id,
            "survey_kind": share.kind,
            "low_topics": list(share.low_topics),
            "scores": dict(share.scores),
        },
    )
    if created:
        log.info("feedback follow-up task", survey_id=share.survey_id, room=share.room_number)
    return created

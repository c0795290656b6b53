"""The guest answers: the form their signed link opens, and their answers with each
department's share, saved with the events in one write."""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict, NotFound
from shared.events import SurveyResponseReceived, SurveyResponseReceivedPayload
from shared.logging import get_logger
from shared.outbox import push_outbox

from .department_results import survey_share_events
from .domain import (
    ANSWERABLE,
    DEFAULT_DESIGN,
    AnswersInvalid,
    ResponseCreate,
    SurveyStatus,
    checked_answers,
    language_of,
    questions_in,
    response_scores,
    token_is_valid,
)
from .feedback_context import (
    PRODUCER,
    FeedbackContext,
    InvalidAnswers,
    InvalidSurveyToken,
    SurveyAlreadyAnswered,
)

log = get_logger(__name__)


class SurveyAnswers(FeedbackContext):
    async def _authorised_survey(self, survey_id: str, token: str) -> dict[str, Any]:
        # The signature first: without it, not even whether the survey exists is told.
        if not token_is_valid(self.settings.survey_link_secret, survey_id, token, self.clock()):
            raise InvalidSurveyToken("the survey link is not valid")
        survey = await self.repository.survey(survey_id)
        if survey is None:
            raise NotFound(f"survey {survey_id!r} does not exist")
        return survey

    async def _design_of(self, survey: dict[str, Any]) -> dict[str, Any]:
        version = survey.get("design_version", 1)
        design = await self.repository.design(survey["property_id"], version)
        if design is None and version == 1:
            return DEFAULT_DESIGN  # a property that never designed its own survey
        if design is None:
            raise NotFound(f"design version {version} does not exist")
        return design

    async def survey_form(self, survey_id: str, token: str) -> dict[str, Any]:
        """What the guest's link opens: the questions of their version, in their language."""
        survey = await self._authorised_survey(survey_id, token)
        if survey["status"] == SurveyStatus.ANSWERED:
            raise SurveyAlreadyAnswered("this survey has already been answered, thank you")
        design = await self._design_of(survey)
        language = language_of(await self.repository.contact(survey["guest_id"]))
        return {
            "survey_id": survey_id,
            "design_version": survey.get("design_version", 1),
            "language": language,
            "title": design["title"][language],
            "questions": questions_in(design["questions"], language),
        }

    async def respond(self, survey_id: str, response: ResponseCreate) -> dict[str, Any]:
        survey = await self._authorised_survey(survey_id, response.token)
        if survey["status"] == SurveyStatus.ANSWERED:
            raise SurveyAlreadyAnswered("this survey has already been answered")
        if survey["status"] not in ANSWERABLE:
            raise Conflict("this survey is closed")
        try:
            answers = checked_answers(
                (await self._design_of(survey))["questions"], response.answers
            )
        except AnswersInvalid as invalid:
            raise InvalidAnswers(str(invalid), errors=invalid.problems) from None
        scores = response_scores(answers)
        now = self.clock()
        answered_on = (await self.business_dates.today()).isoformat()
        event = SurveyResponseReceived.new(
            SurveyResponseReceivedPayload(
                survey_id=survey_id,
                stay_id=survey["stay_id"],
                guest_id=survey["guest_id"],
                **scores,
            ),
            producer=PRODUCER,
            property_id=survey["property_id"],
            correlation_id=survey.get("correlation_id"),
        )
        # each department's part, for the department concerned, in the same write
        stay = await self.repository.stay(survey["stay_id"]) or {}
        shares = survey_share_events(
            survey, answers, kind="post_stay", room_number=stay.get("room_number"), answered_at=now
        )
        saved = await self.repository.record_response(
            survey_id,
            {"answers": answers, "received_at": now, "business_date": answered_on, **scores},
            now,
            push_outbox(event, *shares),
        )
        if saved is None:  # answered meanwhile, through another request
            raise SurveyAlreadyAnswered("this survey has already been answered")
        self.events_written()
        log.info("survey answered", survey_id=survey_id, low_score=scores["low_score"])
        return {
            "survey_id": survey_id,
            "received_at": now,
            "business_date": answered_on,
            **scores,
        }

"""Questionnaires during the stay (seed 001 四: "入住期间的问卷调查"; 002 8.4.1).

On stay.checked_in, one short questionnaire per stay is planned for
IN_STAY_SURVEY_AFTER_HOURS later (the next morning, by default), and sent then only if the
guest is still in house and has not withdrawn survey consent. What it is for is putting
things right before departure: a low score, or anything written under "anything we can
put right now?", opens a case with `in_house=true` (the desk is alerted through
case.opened), owned by guest relations. Each department's scores leave as
survey.results_shared with the answer (department_results.py).

The answer and the need for a case are saved in one write (`case_state: wanted`); the case
is opened right after, and the sender's pass opens any a crash left wanted, so no answer
that needs a case is left without one (the case id is keyed by the questionnaire).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pymongo import ReturnDocument

from shared.clock import Clock
from shared.errors import Conflict, NotFound
from shared.events import StayCheckedIn
from shared.idempotency import insert_once
from shared.logging import get_logger
from shared.mail import SEND_ERRORS
from shared.outbox import push_outbox
from shared.paging import Listing
from shared.worker import PollingWorker

from .channels import MessageSender
from .config import Settings
from .department_results import survey_share_events
from .domain import (
    AnswersInvalid,
    QuestionType,
    ResponseCreate,
    _question,
    case_id_for,
    checked_answers,
    language_of,
    low_scoring_topics,
    next_attempt_after,
    questions_in,
    response_scores,
    survey_case_severity,
    survey_link_expiry,
    survey_token,
    token_is_valid,
)
from .messages import GuestMessage, guest_name, reachable
from .public import InStayAnswered, InStayForm, InStaySurveyPublic
from .repository import HIDDEN, FeedbackRepository
from .service import FeedbackService, InvalidAnswers, InvalidSurveyToken, SurveyAlreadyAnswered

log = get_logger(__name__)
IN_STAY_NAMESPACE = uuid.UUID("0c7e4f0a-3b1d-4e65-9f7a-5d2c8b1e9a34")
CONTACT_RECHECK = timedelta(hours=1)
PENDING, SENDING, SENT, ANSWERED, SKIPPED = "pending", "sending", "sent", "answered", "skipped"
ANSWERABLE = (PENDING, SENDING, SENT)
# Its own scope: a post-stay survey's link never opens an in-stay questionnaire.
IN_STAY_PURPOSE = "in-stay-survey"

_IN_STAY_QUESTIONS = [
    _question(
        "room_comfort",
        QuestionType.RATING,
        "housekeeping",
        "How comfortable is your room so far? (1-5)",
        "到目前为止,您对客房的舒适度满意吗?(1-5)",
        required=True,
    ),
    _question(
        "service_so_far",
        QuestionType.RATING,
        "front_office",
        "How is our service so far? (1-5)",
        "到目前为止,您对我们的服务满意吗?(1-5)",
    ),
    _question(
        "put_right_now",
        QuestionType.TEXT,
        "overall",
        "Is there anything we can put right during your stay?",
        "在您入住期间,有什么需要我们马上改进的吗?",
    ),
]
# As stored with a survey: plain documents, like a survey design's version.
IN_STAY_QUESTIONS: list[dict[str, Any]] = [q.model_dump(mode="json") for q in _IN_STAY_QUESTIONS]
TITLE = {"en": "How is your stay so far?", "zh": "您的入住体验如何?"}
TEXTS = {
    "en": {
        "subject": "{hotel}: how is your stay so far?",
        "email": (
            "Dear {name},\n\nwe hope you are enjoying your stay at {hotel}. If anything is "
            "not as it should be, tell us now and we will put it right before you leave:\n"
            "{link}\n\nGuest Relations, {hotel}\n"
        ),
        "sms": "{hotel}: how is your stay so far? Tell us and we will put it right: {link}",
    },
    "zh": {
        "subject": "{hotel}:您的入住体验如何?",
        "email": (
            "尊敬的{name}:\n\n希望您在{hotel}入住愉快。如有任何不满意之处,请现在告诉我们,"
            "我们会在您离店前改进:\n{link}\n\n{hotel} 宾客关系部\n"
        ),
        "sms": "【{hotel}】您的入住体验如何?有需要请告诉我们:{link}",
    },
}


def in_stay_survey_id(stay_id: str) -> str:
    """One questionnaire per stay; its own namespace, so its link answers nothing else."""
    return str(uuid.uuid5(IN_STAY_NAMESPACE, stay_id))


def in_stay_message(
    survey_id: str, channel: str, to: str, name: str, language: str, hotel: str, link: str
) -> GuestMessage:
    texts = TEXTS[language]
    return GuestMessage(
        message_id=f"in-stay-{survey_id}",
        channel=channel,  # type: ignore[arg-type]
        to=to,
        subject=texts["subject"].format(hotel=hotel),
        body=texts["sms" if channel == "sms" else "email"].format(
            name=name, hotel=hotel, link=link
        ),
    )


def needs_a_case(answers: list[dict[str, Any]], scores: dict[str, Any]) -> bool:
    asked_to_fix = any(a["type"] == QuestionType.TEXT and a["value"].strip() for a in answers)
    return bool(scores["low_score"]) or asked_to_fix


class InStaySurveys:
    """Plans, answers and turns answers into cases; InStaySurveySender sends them."""

    def __init__(
        self,
        repository: FeedbackRepository,
        service: FeedbackService,
        settings: Settings,
        *,
        clock: Clock,
        due: Callable[[], None] = lambda: None,
    ) -> None:
        self.collection = repository.in_stay_surveys
        self.repository = repository
        self.service = service
        self.settings = settings
        self.clock = clock
        self.due = due

    async def plan(self, event: StayCheckedIn) -> bool:
        stay = event.payload
        planned = await insert_once(
            self.collection,
            {
                "_id": in_stay_survey_id(stay.stay_id),
                "stay_id": stay.stay_id,
                "guest_id": await self.repository.current_guest_id(stay.guest_id),
                "property_id": event.property_id,
                "room_number": stay.room_number,
                "status": PENDING,
                "next_attempt_at": event.occurred_at
                + timedelta(hours=self.settings.in_stay_survey_after_hours),
                "failures": 0,
                "created_at": self.clock(),
                "correlation_id": event.correlation_id,
            },
        )
        if planned:
            self.due()
        return planned

    async def _authorised(self, survey_id: str, token: str) -> dict[str, Any]:
        if not token_is_valid(
            self.settings.survey_link_secret, survey_id, token, self.clock(), IN_STAY_PURPOSE
        ):
            raise InvalidSurveyToken("the questionnaire link is not valid")
        survey = await self.collection.find_one({"_id": survey_id}, HIDDEN)
        if survey is None:
            raise NotFound(f"questionnaire {survey_id!r} does not exist")
        return survey

    async def form(self, survey_id: str, token: str) -> dict[str, Any]:
        survey = await self._authorised(survey_id, token)
        if survey["status"] == ANSWERED:
            raise SurveyAlreadyAnswered("this questionnaire has already been answered, thank you")
        language = language_of(await self.repository.contact(survey["guest_id"]))
        return {
            "survey_id": survey_id,
            "language": language,
            "title": TITLE[language],
            "questions": questions_in(IN_STAY_QUESTIONS, language),
        }

    async def answer(self, survey_id: str, response: ResponseCreate) -> dict[str, Any]:
        survey = await self._authorised(survey_id, response.token)
        if survey["status"] == ANSWERED:
            raise SurveyAlreadyAnswered("this questionnaire has already been answered")
        if survey["status"] not in ANSWERABLE:
            raise Conflict("this questionnaire is closed")
        try:
            answers = checked_answers(IN_STAY_QUESTIONS, response.answers)
        except AnswersInvalid as invalid:
            raise InvalidAnswers(str(invalid), errors=invalid.problems) from None
        scores = response_scores(answers)
        wanted = needs_a_case(answers, scores)
        now = self.clock()
        shares = survey_share_events(
            survey,
            answers,
            kind="in_stay",
            room_number=survey.get("room_number"),
            answered_at=now,
        )
        update: dict[str, Any] = {
            "$set": {
                "status": ANSWERED,
                "answered_at": now,
                "response": {"answers": answers, **scores},
                "next_attempt_at": None,
                "lease_until": None,
                "case_state": "wanted" if wanted else "none",
            }
        }
        if shares:
            update["$push"] = push_outbox(*shares)
        saved = await self.collection.find_one_and_update(
            {"_id": survey_id, "status": {"$in": list(ANSWERABLE)}},
            update,
            projection=HIDDEN,
            return_document=ReturnDocument.AFTER,
        )
        if saved is None:
            raise SurveyAlreadyAnswered("this questionnaire has already been answered")
        if shares:
            self.service.events_written()
        case_id = await self.open_case(saved) if wanted else None
        log.info("in-stay questionnaire answered", survey_id=survey_id, case=bool(case_id))
        return {"survey_id": survey_id, "received_at": now, **scores, "case_id": case_id}

    async def open_case(self, survey: dict[str, Any]) -> str:
        """The guest is still here: the case goes to guest relations and alerts the desk
        (in_house, from the stay the check-in recorded). Keyed: opened once."""
        answers = survey["response"]["answers"]
        topics = low_scoring_topics(answers)
        words = [a["value"] for a in answers if a["type"] == QuestionType.TEXT and a["value"]]
        description = "In-stay questionnaire: " + (
            "low score on " + ", ".join(topics) if topics else "the guest asks us to fix something"
        )
        if words:
            description += ". The guest wrote: " + " / ".join(words)
        case_id = case_id_for("in_stay", survey["_id"])
        await self.service._open_case(
            case_id,
            guest_id=survey["guest_id"],
            stay_id=survey["stay_id"],
            category=topics[0] if topics else "in_stay_request",
            severity=survey_case_severity(survey["response"]) if topics else "medium",
            # answered online, during the stay: not "survey", which means after departure
            source="online",
            description=description,
            owner=self.settings.survey_case_owner,
            envelope={
                "property_id": survey["property_id"],
                "correlation_id": survey.get("correlation_id"),
            },
            in_stay_survey_id=survey["_id"],
        )
        await self.collection.update_one(
            {"_id": survey["_id"]}, {"$set": {"case_state": "opened", "case_id": case_id}}
        )
        return case_id

    async def open_wanted_cases(self, limit: int) -> int:
        """What a crash between the answer and its case left: opened now, once."""
        left = await self.collection.find({"case_state": "wanted"}, HIDDEN).to_list(limit)
        for survey in left:
            await self.open_case(survey)
        return len(left)

    async def list(self, stay_id: str | None, limit: int) -> list[dict[str, Any]]:
        query = {"stay_id": stay_id} if stay_id else {}
        found = await self.collection.find(query, HIDDEN).sort("_id", 1).to_list(limit)
        return [public_view(survey) for survey in found]


def public_view(survey: dict[str, Any]) -> dict[str, Any]:
    """Staff see status and scores; the guest's words are on the case, if one opened."""
    hidden = ("_id", "response", "lease_until", "correlation_id")
    view = {k: v for k, v in survey.items() if k not in hidden} | {"survey_id": survey["_id"]}
    if survey.get("response"):
        view["scores"] = {k: survey["response"][k] for k in ("csat", "lowest_rating", "low_score")}
    return view


class InStaySurveySender(PollingWorker):
    """Sends each questionnaire when due, claimed under a lease (two replicas never send
    the same one); never to a guest who has left or withdrawn survey consent."""

    name = "in-stay-surveys"

    def __init__(
        self,
        surveys: InStaySurveys,
        sender: MessageSender,
        settings: Settings,
        *,
        clock: Clock,
    ) -> None:
        super().__init__(settings.mailer_poll_seconds)
        self.surveys = surveys
        self.collection = surveys.collection
        self.sender = sender
        self.settings = settings
        self.clock = clock
        self.lease = timedelta(seconds=settings.mailer_lease_seconds)

    async def work_once(self) -> int:
        handled = await self.surveys.open_wanted_cases(self.settings.mailer_batch_size)
        while (survey := await self._claim(self.clock())) is not None:
            handled += await self._send(survey)
        return handled

    async def _claim(self, now: datetime) -> dict[str, Any] | None:
        return await self.collection.find_one_and_update(
            {
                "$or": [
                    {"status": PENDING, "next_attempt_at": {"$lte": now}},
                    {"status": SENDING, "lease_until": {"$lte": now}},
                ]
            },
            {"$set": {"status": SENDING, "lease_until": now + self.lease}},
            projection=HIDDEN,
            return_document=ReturnDocument.AFTER,
        )

    async def _finish(self, survey: dict[str, Any], fields: dict[str, Any]) -> None:
        await self.collection.update_one(
            {"_id": survey["_id"], "status": SENDING}, {"$set": {**fields, "lease_until": None}}
        )

    async def _send(self, survey: dict[str, Any]) -> int:
        stay = await self.surveys.repository.stay(survey["stay_id"])
        if not stay or not stay.get("in_house"):
            await self._finish(survey, {"status": SKIPPED, "skip_reason": "the guest has left"})
            return 0
        contact = await self.surveys.repository.contact(survey["guest_id"])
        if contact and not contact.get("consents", {}).get("surveys", True):
            await self._finish(survey, {"status": SKIPPED, "skip_reason": "no survey consent"})
            return 0
        route = reachable(contact)
        if route is None:
            await self._finish(
                survey, {"status": PENDING, "next_attempt_at": self.clock() + CONTACT_RECHECK}
            )
            return 0
        channel, address = route
        language = language_of(contact)
        token = survey_token(
            self.settings.survey_link_secret,
            survey["_id"],
            survey_link_expiry(survey, self.clock(), self.settings.survey_link_days),
            IN_STAY_PURPOSE,
        )
        message = in_stay_message(
            survey["_id"],
            channel,
            address,
            guest_name(contact, language),
            language,
            self.settings.hotel_name,
            f"{self.settings.survey_base_url}/in-stay-surveys/{survey['_id']}?token={token}",
        )
        try:
            await self.sender.send(message)
        except SEND_ERRORS as exc:
            failures = survey.get("failures", 0) + 1
            await self._finish(
                survey,
                {
                    "status": PENDING,
                    "failures": failures,
                    "last_error": type(exc).__name__,
                    "next_attempt_at": next_attempt_after(failures, self.clock()),
                },
            )
            return 0
        await self._finish(survey, {"status": SENT, "sent_at": self.clock(), "channel": channel})
        log.info("in-stay questionnaire sent", survey_id=survey["_id"], channel=channel)
        return 1


def in_stay_router(surveys: InStaySurveys) -> APIRouter:
    router = APIRouter(tags=["feedback"])

    @router.get("/in-stay-surveys")
    async def list_in_stay(
        stay_id: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> Listing[InStaySurveyPublic]:
        """Guest relations' view: planned, sent, answered (with scores), skipped."""
        items = await surveys.list(stay_id, limit)
        return Listing.of([InStaySurveyPublic.model_validate(item) for item in items])

    @router.get("/in-stay-surveys/{survey_id}")
    async def in_stay_form(survey_id: str, token: str) -> InStayForm:
        """The guest's link (token-authorised): the questions in the guest's language."""
        return InStayForm.model_validate(await surveys.form(survey_id, token))

    @router.post("/in-stay-surveys/{survey_id}/responses", status_code=201)
    async def in_stay_answer(survey_id: str, response: ResponseCreate) -> InStayAnswered:
        """Once; a low score or a request to fix something opens a case at once."""
        return InStayAnswered.model_validate(await surveys.answer(survey_id, response))

    return router

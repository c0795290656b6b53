"""Feedback use cases: a survey for every stay, its answers, and the cases guests raise.

Every use case loads, applies a rule from domain.py, and saves the state change with its
outgoing events in one document write (the outbox), then wakes the relay.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.auth import acting_person
from shared.business_date import BusinessDates
from shared.clock import Clock, PropertyClock
from shared.errors import Conflict, NotAllowed, NotFound, Unprocessable
from shared.events import (
    CaseOpened,
    CaseOpenedPayload,
    CaseResolved,
    CaseResolvedPayload,
    CaseSource,
    ComplaintRaised,
    GoodwillGranted,
    GoodwillGrantedPayload,
    GuestAnonymized,
    GuestContactCaptured,
    GuestCreated,
    GuestMerged,
    GuestUpdated,
    Severity,
    StayCheckedIn,
    StayCheckedOut,
    SurveyResponseReceived,
    SurveyResponseReceivedPayload,
)
from shared.logging import current_correlation_id, get_logger
from shared.outbox import push_outbox

from .analysis import satisfaction_report
from .config import Settings
from .department_results import survey_share_events
from .domain import (
    ANSWERABLE,
    DEFAULT_DESIGN,
    ERASED,
    AnswersInvalid,
    Case,
    CaseCreate,
    CaseNote,
    CaseNoteCreate,
    CaseResolve,
    CaseStatus,
    QuestionType,
    ResponseCreate,
    SurveyDesignCreate,
    SurveyStatus,
    case_deadline,
    case_id_for,
    checked_answers,
    language_of,
    low_scoring_topics,
    response_scores,
    survey_case_severity,
    survey_id_for_stay,
    token_is_valid,
)
from .domain import (
    resolved as resolved_case,
)
from .messages import reachable
from .repository import FeedbackRepository

log = get_logger(__name__)
PRODUCER = "feedback"
REPORT_MAX_DAYS = 366  # a satisfaction report spans at most a year of answers


def utc_now() -> datetime:
    return datetime.now(UTC)


class InvalidSurveyToken(NotAllowed):
    title = "Invalid survey token"


class SurveyAlreadyAnswered(Conflict):
    title = "Survey already answered"


class InvalidAnswers(Unprocessable):
    title = "Invalid answers"


class FeedbackService:
    def __init__(
        self,
        repository: FeedbackRepository,
        settings: Settings,
        *,
        surveys_due: Callable[[], None],
        notices_due: Callable[[], None],
        events_written: Callable[[], None],
        clock: Clock = utc_now,
        business_dates: BusinessDates | None = None,
    ) -> None:
        self.repository = repository
        self.settings = settings
        self.surveys_due = surveys_due
        self.notices_due = notices_due
        self.events_written = events_written
        self.clock = clock  # instants: deadlines, reminders, timestamps
        # Days (an answer's day in the reports) go by the hotel's business date.
        self.business_dates = business_dates or BusinessDates(
            None, settings.property_id, PropertyClock(clock, settings.property_timezone)
        )

    async def prepare(self) -> None:
        await self.repository.prepare()
        await self.repository.add_design_once(
            self._design_document(self.settings.property_id, 1, DEFAULT_DESIGN)
        )

    # --- stays and guests, from other departments' events ---------------------------

    async def survey_after_stay(self, event: StayCheckedOut) -> None:
        stay = event.payload
        guest_id = await self.repository.current_guest_id(stay.guest_id)
        await self.repository.stay_checked_out(stay.stay_id, guest_id)
        design = await self.repository.latest_design(event.property_id)
        now = self.clock()
        created = await self.repository.add_survey_once(
            {
                "_id": survey_id_for_stay(stay.stay_id),
                "stay_id": stay.stay_id,
                "guest_id": guest_id,
                "property_id": event.property_id,
                # The version the guest will answer, whatever is designed after this.
                "design_version": design["version"] if design else 1,
                "status": SurveyStatus.PENDING.value,
                "next_attempt_at": now,
                "failures": 0,
                "correlation_id": event.correlation_id,
                "source_event_id": str(event.event_id),
                "created_at": now,
            }
        )
        if created:
            log.info("survey created", stay_id=stay.stay_id)
            self.surveys_due()

    async def guest_checked_in(self, event: StayCheckedIn) -> None:
        stay = event.payload
        await self.repository.stay_checked_in(stay.stay_id, stay.guest_id, stay.room_number)

    async def record_contact(self, event: GuestContactCaptured) -> None:
        guest = event.payload
        await self._save_contact(
            guest.guest_id,
            event.occurred_at,
            {
                "first_name": guest.first_name,
                "last_name": guest.last_name,
                "email": guest.email,
                "phone": guest.phone,
                "language": guest.language,
            },
        )

    async def record_profile(self, event: GuestCreated | GuestUpdated) -> None:
        """The CRM's profile: contact details, language and the guest's consents."""
        guest = event.payload
        saved = await self.repository.save_profile(
            guest.guest_id,
            {
                "first_name": guest.first_name,
                "last_name": guest.last_name,
                "email": guest.email,
                "phone": guest.phone,
                "language": guest.language,
                "consents": guest.consents.model_dump(),
            },
            guest.version,
            event.occurred_at,
        )
        await self._contact_changed(guest.guest_id, saved)

    async def _save_contact(self, guest_id: str, as_of: datetime, contact: dict[str, Any]) -> None:
        await self._contact_changed(
            guest_id, await self.repository.save_contact(guest_id, contact, as_of=as_of)
        )

    async def _contact_changed(self, guest_id: str, saved: bool) -> None:
        if saved:
            await self.repository.wake_surveys_of(guest_id, self.clock())
            self.surveys_due()

    async def merge_guests(self, event: GuestMerged) -> None:
        """Surveys and cases follow the surviving guest; a survey waiting for a contact
        is due again at once (issue 12: it waited "awaiting contact" forever). When only a
        merged-away id had a way to reach the guest, the survivor keeps it until the CRM's
        profile of the survivor arrives (a newer profile replaces it)."""
        merged, surviving = event.payload, event.payload.surviving_guest_id
        if reachable(await self.repository.contact(surviving)) is None:
            for old_id in merged.merged_guest_ids:
                old = await self.repository.contact(old_id)
                if old is not None and reachable(old) is not None:
                    kept = {k: v for k, v in old.items() if k not in ("_id", "as_of", "version")}
                    await self.repository.save_contact(surviving, kept, as_of=old["as_of"])
                    break
        await self.repository.remember_merge(merged.merged_guest_ids, surviving)
        await self.repository.repoint_guest(merged.merged_guest_ids, surviving)
        await self.repository.forget_contacts(merged.merged_guest_ids)
        await self._contact_changed(surviving, True)

    async def erase_guest(self, event: GuestAnonymized) -> None:
        """Erasure: the contact goes, and so does what the guest wrote in their own words
        (free-text answers, case descriptions, notes and resolutions). Scores stay, no
        longer anyone's."""
        guest_ids = [event.payload.guest_id, *event.payload.also_known_as]
        await self.repository.forget_contacts(guest_ids)
        for survey in await self.repository.documents_of("surveys", guest_ids):
            changes: dict[str, Any] = {"erased": True}
            if survey.get("response"):
                changes["response.answers"] = [
                    {**a, "value": ERASED} if a["type"] == QuestionType.TEXT else a
                    for a in survey["response"]["answers"]
                ]
            if survey["status"] in (SurveyStatus.PENDING, SurveyStatus.SENT):
                changes.update(
                    status=SurveyStatus.SKIPPED.value,
                    skip_reason="guest erased",
                    next_attempt_at=None,
                )
            await self.repository.replace_fields("surveys", survey["_id"], changes)
        for case in await self.repository.documents_of("cases", guest_ids):
            await self.repository.replace_fields(
                "cases",
                case["_id"],
                {
                    "description": ERASED,
                    "erased": True,
                    "notes": [{**note, "text": ERASED} for note in case.get("notes", [])],
                    # how it was put right speaks of the guest too (issue 15)
                    **({"resolution": ERASED} if case.get("resolution") else {}),
                },
            )
        log.info("guest erased from feedback", guests=len(guest_ids))

    # --- survey design ---------------------------------------------------------------

    def _design_document(
        self, property_id: str, version: int, design: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "_id": f"{property_id}:{version}",
            "property_id": property_id,
            "version": version,
            **design,
            "created_at": self.clock(),
        }

    async def add_design(self, design: SurveyDesignCreate) -> dict[str, Any]:
        """A new version; surveys made before it keep the one they were made with."""
        property_id = self.settings.property_id
        latest = await self.repository.latest_design(property_id)
        document = self._design_document(
            property_id, (latest["version"] if latest else 0) + 1, design.model_dump(mode="json")
        )
        if not await self.repository.add_design_once(document):
            raise Conflict("another version was designed at the same moment; try again")
        return document

    async def designs(self) -> list[dict[str, Any]]:
        return await self.repository.find_designs(self.settings.property_id)

    # --- the guest answers -----------------------------------------------------------

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
            "questions": [
                {
                    "question_id": q["question_id"],
                    "type": q["type"],
                    "text": q["text"][language],
                    "options": q["options"],
                    "required": q["required"],
                }
                for q in design["questions"]
            ],
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

    # --- cases -----------------------------------------------------------------------

    async def _open_case(
        self,
        case_id: str,
        *,
        property_id: str,
        guest_id: str,
        stay_id: str | None,
        category: str,
        severity: Severity,
        source: CaseSource,
        description: str,
        owner: str,
        correlation: dict[str, Any],
        **extra: Any,
    ) -> bool:
        stay = await (
            self.repository.stay(stay_id) if stay_id else self.repository.in_house_stay_of(guest_id)
        )
        in_house = bool(stay and stay.get("in_house")) and source != "survey"
        if stay and not stay_id and in_house:
            stay_id = stay["_id"]
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
            property_id=property_id,
            **correlation,
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

    async def case_from_complaint(self, event: ComplaintRaised) -> None:
        complaint = event.payload
        await self._open_case(
            case_id_for("complaint", complaint.complaint_id),
            property_id=event.property_id,
            guest_id=complaint.guest_id,
            stay_id=complaint.stay_id,
            category=complaint.category,
            severity=complaint.severity,
            source=complaint.channel,
            description=complaint.description,
            owner=complaint.taken_by,
            correlation={
                "correlation_id": event.correlation_id,
                "causation_id": str(event.event_id),
            },
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
            property_id=event.property_id,
            guest_id=answered.guest_id,
            stay_id=answered.stay_id,
            category=topics[0] if topics else "survey",
            severity=survey_case_severity(answered.model_dump()),
            source="survey",
            description=description,
            owner=self.settings.survey_case_owner,
            correlation={
                "correlation_id": event.correlation_id,
                "causation_id": str(event.event_id),
            },
            survey_id=answered.survey_id,
        )

    async def open_case(self, request: CaseCreate, idempotency_key: str | None) -> Case:
        """A case taken by phone, online or at the desk: whoever took it owns it."""
        case_id = case_id_for("request", idempotency_key) if idempotency_key else str(uuid.uuid4())
        await self._open_case(
            case_id,
            property_id=self.settings.property_id,
            guest_id=request.guest_id,
            stay_id=request.stay_id,
            category=request.category,
            severity=request.severity,
            source=request.channel,
            description=request.description,
            owner=acting_person(request.taken_by),
            correlation={"correlation_id": current_correlation_id()},
        )
        return await self.case(case_id)

    async def case(self, case_id: str) -> Case:
        case = await self.repository.case(case_id)
        if case is None:
            raise NotFound(f"case {case_id!r} does not exist")
        return case

    async def cases(
        self, filters: dict[str, Any], limit: int, offset: int
    ) -> tuple[int, list[Case]]:
        return await self.repository.find_cases(
            {key: value for key, value in filters.items() if value is not None}, limit, offset
        )

    async def add_note(self, case_id: str, note: CaseNoteCreate) -> Case:
        case = await self.repository.add_note(
            case_id, CaseNote(author=note.author, text=note.text, at=self.clock())
        )
        if case is None:
            raise NotFound(f"case {case_id!r} does not exist")
        return case

    async def resolve(self, case_id: str, resolution: CaseResolve) -> Case:
        """Resolves the case, grants its goodwill (loyalty applies it, once per grant id)
        and queues the result for the guest, all in one write."""
        case = await self.case(case_id)
        if case.status == CaseStatus.RESOLVED:
            raise Conflict(f"case {case_id!r} is already resolved")
        now = self.clock()
        correlation_id = case.correlation_id or current_correlation_id()
        events: list[Any] = [
            CaseResolved.new(
                CaseResolvedPayload(
                    case_id=case_id,
                    guest_id=case.guest_id,
                    stay_id=case.stay_id,
                    resolution=resolution.resolution,
                    goodwill_points=resolution.goodwill_points,
                    voucher=resolution.voucher,
                ),
                producer=PRODUCER,
                property_id=case.property_id,
                correlation_id=correlation_id,
            )
        ]
        moved = resolved_case(case, resolution, now)
        if moved.goodwill is not None:
            events.append(
                GoodwillGranted.new(
                    GoodwillGrantedPayload.model_validate(
                        {
                            "case_id": case_id,
                            "guest_id": case.guest_id,
                            **moved.goodwill.model_dump(),
                        }
                    ),
                    producer=PRODUCER,
                    property_id=case.property_id,
                    correlation_id=correlation_id,
                )
            )
        resolved = await self.repository.resolve(case, moved, push_outbox(*events))
        if resolved is None:
            raise Conflict(f"case {case_id!r} is already resolved")
        self.events_written()
        if resolution.notify_guest:
            self.notices_due()
        log.info("case resolved", case_id=case_id, goodwill=moved.goodwill is not None)
        return resolved

    # --- reading ---------------------------------------------------------------------

    async def surveys(
        self, *, stay_id: str | None, status: str | None, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        filters = {key: value for key, value in (("stay_id", stay_id), ("status", status)) if value}
        return await self.repository.find_surveys(filters, limit, offset)

    async def report(
        self, *, since: datetime | None, until: datetime | None, department: str | None
    ) -> dict[str, Any]:
        """Over a bounded window (at most REPORT_MAX_DAYS; by default the last 90 days up
        to now), so one request never loads every answered survey there is."""
        until = until or self.clock() + timedelta(seconds=1)
        since = since or until - timedelta(days=90)
        if until - since > timedelta(days=REPORT_MAX_DAYS):
            raise Unprocessable(f"a report covers at most {REPORT_MAX_DAYS} days")
        received: dict[str, Any] = {"$gte": since, "$lt": until}
        filters = {"property_id": self.settings.property_id, "answered_at": received}
        responses = [
            {
                "received_at": survey["answered_at"],
                "business_date": survey["response"].get("business_date"),
                "answers": [
                    a
                    for a in survey["response"]["answers"]
                    if department is None or a["department"] == department
                ],
            }
            for survey in await self.repository.responses(filters)
        ]
        return {
            "property_id": self.settings.property_id,
            "since": since,
            "until": until,
            "department": department,
            **satisfaction_report(responses),
        }

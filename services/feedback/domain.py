"""Guest feedback rules: survey designs and answers, the invitation's link, cases and their
deadlines. No I/O here."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from shared.sensitive import refuse_sensitive_numbers, sensitive_numbers

SURVEY_NAMESPACE = uuid.UUID("6f0b5a52-8f6e-4d0e-9a55-1f1c2b7e4a10")
CASE_NAMESPACE = uuid.UUID("2b7d0c3e-5a41-4f7e-8a0e-7c1d9b3e6f22")
RETRY_BACKOFF = (
    timedelta(seconds=5),
    timedelta(seconds=30),
    timedelta(minutes=5),
    timedelta(minutes=30),
)
LANGUAGES = ("en", "zh")
ERASED = "[erased]"


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- surveys ------------------------------------------------------------------------


class SurveyStatus(StrEnum):
    PENDING = "pending"  # waiting to be sent (or for the guest's contact details)
    SENDING = "sending"  # invitation claimed by a mailer under a lease
    SENT = "sent"  # invited; the reminder is due at next_attempt_at
    REMINDING = "reminding"  # reminder claimed by a mailer under a lease
    REMINDED = "reminded"  # invited and reminded: nothing more goes out
    ANSWERED = "answered"
    SKIPPED = "skipped"  # the guest withdrew survey consent: no message at all


ANSWERABLE = (
    SurveyStatus.PENDING,
    SurveyStatus.SENDING,
    SurveyStatus.SENT,
    SurveyStatus.REMINDING,
    SurveyStatus.REMINDED,
)
# The stage a mailer claims from, the status it holds while sending, and where it lands.
INVITATION = (SurveyStatus.PENDING, SurveyStatus.SENDING, SurveyStatus.SENT)
REMINDER = (SurveyStatus.SENT, SurveyStatus.REMINDING, SurveyStatus.REMINDED)


def survey_id_for_stay(stay_id: str) -> str:
    """One survey per stay: the same stay always names the same survey."""
    return str(uuid.uuid5(SURVEY_NAMESPACE, stay_id))


# What a survey link's signature is for: another signed link of the hotel (a future
# unsubscribe link, say) never opens a survey, nor a survey link anything else.
SURVEY_LINK_PURPOSE = "survey-response"
_EXPIRY_HEX = 8  # seconds since the epoch, in hex: good until 2106


def survey_token(
    secret: str, survey_id: str, expires_at: datetime, purpose: str = SURVEY_LINK_PURPOSE
) -> str:
    """The survey link's token: its expiry, then a signature over the purpose, the survey
    and that expiry (issue 15: tokens never expired and signed only the survey id). Only
    the hotel can make it, nothing to store, and a resent invitation carries the same
    link (the expiry is the survey's own). Single use comes from the survey's status.
    32 hex characters: 8 of expiry, 24 of signature (96 bits)."""
    expiry = f"{int(expires_at.timestamp()):0{_EXPIRY_HEX}x}"[-_EXPIRY_HEX:]
    return expiry + _signature(secret, purpose, survey_id, expiry)


def _signature(secret: str, purpose: str, survey_id: str, expiry: str) -> str:
    signed = f"{purpose}|{survey_id}|{expiry}".encode("utf-8", "replace")
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()[:24]


def token_is_valid(
    secret: str, survey_id: str, token: str, now: datetime, purpose: str = SURVEY_LINK_PURPOSE
) -> bool:
    """Signed by the hotel for this purpose and this survey, and not expired."""
    expiry, signature = token[:_EXPIRY_HEX], token[_EXPIRY_HEX:]
    # As bytes: compare_digest refuses str with non-ASCII characters (a forged link may
    # carry any); a character UTF-8 cannot encode becomes "?", never a hex digit.
    signed = hmac.compare_digest(
        _signature(secret, purpose, survey_id, expiry).encode(),
        signature.encode("utf-8", "replace"),
    )
    try:
        expires = int(expiry, 16)
    except ValueError:
        return False
    return signed and now.timestamp() <= expires


def survey_link_expiry(survey: dict[str, Any], now: datetime, valid_days: int) -> datetime:
    """A survey's links expire `valid_days` after the survey was made (its own date, so
    every invitation and reminder of it carries the same link)."""
    return (survey.get("created_at") or now) + timedelta(days=valid_days)


def next_attempt_after(failures: int, now: datetime) -> datetime:
    return now + RETRY_BACKOFF[min(failures, len(RETRY_BACKOFF)) - 1]


def language_of(contact: dict[str, Any] | None) -> str:
    language = ((contact or {}).get("language") or "en").lower()
    return "zh" if language.startswith("zh") else "en"


def questions_in(questions: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """The questions as the guest's form shows them: each in the guest's language."""
    return [
        {
            "question_id": q["question_id"],
            "type": q["type"],
            "text": q["text"][language],
            "options": q["options"],
            "required": q["required"],
        }
        for q in questions
    ]


class QuestionType(StrEnum):
    NPS = "nps"  # 0-10, "how likely are you to recommend us"
    RATING = "rating"  # 1-5, satisfaction
    CHOICE = "choice"  # one of the options
    TEXT = "text"  # free text


SCALES = {QuestionType.NPS: (0, 10), QuestionType.RATING: (1, 5)}
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class QuestionIn(Input):
    question_id: Slug
    type: QuestionType
    department: Slug = "overall"
    topic: Slug | None = None  # what a low score points at; the question id if unset
    text: dict[Literal["en", "zh"], Annotated[str, StringConstraints(min_length=1, max_length=500)]]
    options: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = []
    required: bool = False

    @model_validator(mode="after")
    def complete(self) -> QuestionIn:
        missing = [language for language in LANGUAGES if language not in self.text]
        if missing:
            raise ValueError(f"question {self.question_id!r} needs its text in {missing}")
        if self.type == QuestionType.CHOICE and len(set(self.options)) < 2:
            raise ValueError(f"choice question {self.question_id!r} needs two or more options")
        if self.type != QuestionType.CHOICE and self.options:
            raise ValueError(f"only choice questions have options ({self.question_id!r})")
        return self


class SurveyDesignCreate(Input):
    title: dict[
        Literal["en", "zh"], Annotated[str, StringConstraints(min_length=1, max_length=200)]
    ]
    questions: list[QuestionIn] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def distinct_questions(self) -> SurveyDesignCreate:
        ids = [question.question_id for question in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("question ids must be distinct")
        if any(language not in self.title for language in LANGUAGES):
            raise ValueError(f"the title needs its text in {list(LANGUAGES)}")
        return self


def _question(
    question_id: str, kind: QuestionType, department: str, en: str, zh: str, **extra: Any
) -> QuestionIn:
    return QuestionIn(
        question_id=question_id,
        type=kind,
        department=department,
        text={"en": en, "zh": zh},
        **extra,
    )


# Version 1 of every property's survey, until guest relations designs its own.
DEFAULT_DESIGN = SurveyDesignCreate(
    title={"en": "How was your stay?", "zh": "您对本次入住满意吗?"},
    questions=[
        _question(
            "recommend",
            QuestionType.NPS,
            "overall",
            "How likely are you to recommend us to a friend? (0-10)",
            "您向朋友推荐我们酒店的可能性有多大?(0-10)",
            required=True,
        ),
        _question(
            "check_in",
            QuestionType.RATING,
            "front_office",
            "How satisfied were you with check-in? (1-5)",
            "您对入住登记满意吗?(1-5)",
        ),
        _question(
            "room_cleanliness",
            QuestionType.RATING,
            "housekeeping",
            "How clean was your room? (1-5)",
            "您对客房清洁满意吗?(1-5)",
        ),
        _question(
            "breakfast",
            QuestionType.RATING,
            "food_beverage",
            "How was breakfast? (1-5)",
            "您对早餐满意吗?(1-5)",
        ),
        _question(
            "purpose",
            QuestionType.CHOICE,
            "overall",
            "Why did you travel?",
            "您此次出行的目的?",
            options=["business", "leisure", "other"],
        ),
        _question(
            "comments",
            QuestionType.TEXT,
            "overall",
            "Anything else to tell us?",
            "还有什么想告诉我们的吗?",
        ),
    ],
).model_dump(mode="json")


class AnswersInvalid(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def checked_answers(
    questions: list[dict[str, Any]], answers: dict[str, Any]
) -> list[dict[str, Any]]:
    """The answers against the survey's own version: every one on its question's scale,
    nothing unknown, nothing required left out. All problems at once, or the answers as
    stored (each carries its question's type, department and topic for the analysis)."""
    by_id = {question["question_id"]: question for question in questions}
    problems = [f"{key!r} is not a question of this survey" for key in answers if key not in by_id]
    checked = []
    for question_id, question in by_id.items():
        value = answers.get(question_id)
        if value is None:
            if question.get("required"):
                problems.append(f"{question_id!r} must be answered")
            continue
        kind = QuestionType(question["type"])
        if kind in SCALES:
            low, high = SCALES[kind]
            if type(value) is not int or not low <= value <= high:
                problems.append(f"{question_id!r} takes a whole number from {low} to {high}")
                continue
        elif kind == QuestionType.CHOICE and value not in question["options"]:
            problems.append(f"{question_id!r} takes one of {question['options']}")
            continue
        elif kind == QuestionType.TEXT and (not isinstance(value, str) or len(value) > 2000):
            problems.append(f"{question_id!r} takes text of at most 2000 characters")
            continue
        elif kind == QuestionType.TEXT and (found := sensitive_numbers(value)):
            # The kind of number only, never the value: this message reaches logs.
            problems.append(
                f"{question_id!r} must not contain a {found[0]}; "
                "the hotel never asks for one in a survey"
            )
            continue
        checked.append(
            {
                "question_id": question_id,
                "type": kind.value,
                "department": question["department"],
                "topic": question.get("topic") or question_id,
                "value": value,
            }
        )
    if not checked and not problems:
        problems.append("the response has no answers")
    if problems:
        raise AnswersInvalid(problems)
    return checked


def response_scores(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """What a response says at a glance, and whether it opens a case by itself:
    a detractor (NPS 0-6) or any rating of 2 or less."""
    nps = next((a["value"] for a in answers if a["type"] == QuestionType.NPS), None)
    ratings = [a["value"] for a in answers if a["type"] == QuestionType.RATING]
    lowest = min(ratings) if ratings else None
    csat = round(100 * sum(r >= 4 for r in ratings) / len(ratings), 1) if ratings else None
    low = (nps is not None and nps <= 6) or (lowest is not None and lowest <= 2)
    return {"nps": nps, "csat": csat, "lowest_rating": lowest, "low_score": low}


class ResponseCreate(Input):
    token: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    # Any JSON value: checked_answers judges it against the question's scale (a 3.5, a
    # "5" or a true is refused, not coerced).
    answers: dict[str, Any] = Field(max_length=40)


class SurveyPublic(BaseModel):
    survey_id: str
    stay_id: str
    guest_id: str
    status: SurveyStatus
    channel: str | None = None
    design_version: int | None = None
    created_at: datetime
    sent_at: datetime | None = None
    reminded_at: datetime | None = None
    answered_at: datetime | None = None


# --- cases --------------------------------------------------------------------------

Severity = Literal["low", "medium", "high", "critical"]
Source = Literal["desk", "phone", "online", "survey"]


class CaseStatus(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"  # late: a manager holds it too; the first responder still owns it
    RESOLVED = "resolved"


class CaseNote(BaseModel):
    """A line on the case: staff's notes, and the guest's own words on the follow-up."""

    model_config = ConfigDict(extra="forbid")

    author: str | None = None
    text: str
    at: datetime
    kind: str | None = None  # the guest's verdict when the guest wrote it (case_follow_up)


class Goodwill(BaseModel):
    """What the hotel gave to put it right; loyalty applies it once by its grant id."""

    model_config = ConfigDict(extra="forbid")

    grant_id: str
    points: int
    voucher: str | None = None


class Case(BaseModel):
    """A guest's case, as the use cases see it. The repository reads and writes it as the
    stored document, field for field: a field the document does not carry stays unset and
    is not written. An unknown field is an error, not silently kept: every field the code
    writes is here (the outbox and its relay's lease are read away, the store's own)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(alias="_id")
    property_id: str
    guest_id: str
    stay_id: str | None = None
    category: str
    severity: Severity
    source: Source
    description: str
    owner: str  # the first responder: owns it until the guest has the result
    status: CaseStatus
    in_house: bool = False
    opened_at: datetime
    due_at: datetime
    notes: list[CaseNote] = []
    correlation_id: str | None = None
    # what opened it: a desk complaint, a survey answer, an in-stay questionnaire
    complaint_id: str | None = None
    room_number: str | None = None
    survey_id: str | None = None
    in_stay_survey_id: str | None = None
    # late: a manager holds it too (escalation.py)
    escalated_to: str | None = None
    escalated_at: datetime | None = None
    owner_due_at: datetime | None = None
    # resolved, and the result sent back to the guest (mailer.py)
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    improvement: str | None = None
    goodwill: Goodwill | None = None
    guest_notice: str | None = None  # pending / sent / unreachable / none
    notice_next_attempt_at: datetime | None = None
    notice_failures: int = 0
    notice_error: str | None = None
    notice_sent_at: datetime | None = None
    notice_channel: str | None = None
    # the guest's answer to the result (case_follow_up.py); not satisfied reopens it
    guest_satisfaction: str | None = None
    guest_satisfaction_at: datetime | None = None
    reopened_at: datetime | None = None
    reopen_count: int = 0
    # erased with the guest, or its free text anonymised by retention (issue 15)
    erased: bool = False
    anonymised_at: str | None = None


def case_id_for(source: str, key: str) -> str:
    """One case per complaint, per survey response, per Idempotency-Key."""
    return str(uuid.uuid5(CASE_NAMESPACE, f"{source}:{key}"))


def grant_id_for_case(case_id: str) -> str:
    """One goodwill grant per case: loyalty applies it once by this id."""
    return str(uuid.uuid5(CASE_NAMESPACE, f"goodwill:{case_id}"))


def case_deadline(
    severity: str, opened_at: datetime, hours_by_severity: dict[str, float]
) -> datetime:
    return opened_at + timedelta(hours=hours_by_severity[severity])


def survey_case_severity(scores: dict[str, Any]) -> Severity:
    """A strong detractor or a 1-star answer is urgent; any other low score is not."""
    nps, lowest = scores.get("nps"), scores.get("lowest_rating")
    if (nps is not None and nps <= 3) or lowest == 1:
        return "high"
    return "medium"


def low_scoring_topics(answers: list[dict[str, Any]]) -> list[str]:
    return [
        a["topic"]
        for a in answers
        if (a["type"] == QuestionType.NPS and a["value"] <= 6)
        or (a["type"] == QuestionType.RATING and a["value"] <= 2)
    ]


# Case descriptions, notes, resolutions: refused if they carry a card or ID number.
Text = Annotated[
    str, Field(min_length=1, max_length=4000), AfterValidator(refuse_sensitive_numbers)
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class CaseCreate(Input):
    guest_id: Name
    stay_id: Name | None = None
    category: Name
    severity: Severity
    description: Text
    channel: Literal["desk", "phone", "online"]
    # The first responder owns the case until the guest has the result: the signed-in
    # credential, whatever the body says (issue 15).
    taken_by: Name | None = None


class CaseNoteCreate(Input):
    author: Name | None = None  # ignored: the signed-in credential is the author
    text: Text


class CaseResolve(Input):
    resolved_by: Name | None = None  # ignored: the signed-in credential resolves
    resolution: Text
    goodwill_points: int | None = Field(default=None, ge=1, le=100_000)
    voucher: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    notify_guest: bool = True
    # What the hotel changed so it does not happen again: told to the guest with the result
    # (seed 000 二(二), 002 8.3.2), then the guest is asked whether they are satisfied.
    improvement: Text | None = None


# --- case rules: each answers the case as the step leaves it; the repository writes what
# changed (repository.case_changes) under its own guard.


def resolved(case: Case, resolution: CaseResolve, now: datetime) -> Case:
    """Resolved, with its goodwill (granted once, by the grant id) and, when the guest is
    to be told, the result waiting for the mailer, which asks whether they are satisfied
    (case_follow_up.py)."""
    changes: dict[str, Any] = {
        "status": CaseStatus.RESOLVED,
        "resolution": resolution.resolution,
        "resolved_by": resolution.resolved_by,
        "resolved_at": now,
        "guest_notice": "pending" if resolution.notify_guest else "none",
        "notice_next_attempt_at": now,
        "improvement": resolution.improvement,
        "guest_satisfaction": "asked" if resolution.notify_guest else None,
    }
    if resolution.goodwill_points or resolution.voucher:
        changes["goodwill"] = Goodwill(
            grant_id=grant_id_for_case(case.id),
            points=resolution.goodwill_points or 0,
            voucher=resolution.voucher,
        )
    return case.model_copy(update=changes)


def escalated(case: Case, manager: str, now: datetime, due_at: datetime) -> Case:
    """Late: the manager holds it too, with a deadline of their own; the owner's is kept."""
    return case.model_copy(
        update={
            "status": CaseStatus.ESCALATED,
            "escalated_to": manager,
            "escalated_at": now,
            "owner_due_at": case.due_at,
            "due_at": due_at,
        }
    )


class CasePublic(BaseModel):
    case_id: str
    guest_id: str
    stay_id: str | None = None
    survey_id: str | None = None
    category: str
    severity: Severity
    source: Source
    description: str
    owner: str
    status: CaseStatus
    in_house: bool = False
    opened_at: datetime
    due_at: datetime
    escalated_to: str | None = None
    escalated_at: datetime | None = None
    notes: list[dict[str, Any]] = []
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    goodwill: dict[str, Any] | None = None
    guest_notice: str | None = None  # pending / sent / none: the result sent back
    improvement: str | None = None
    # asked (with the result) -> satisfied / not_satisfied, the guest's own answer
    guest_satisfaction: str | None = None
    guest_satisfaction_at: datetime | None = None
    reopened_at: datetime | None = None

    @classmethod
    def of(cls, case: Case) -> CasePublic:
        """What a route shows of the case: the fields it carries, as stored (a note or a
        grant keeps its None values: only a top-level None falls back to the default),
        none of the store's bookkeeping (property, notice retries, correlation)."""
        stored = case.model_dump(include=set(cls.model_fields), exclude_unset=True)
        shown = {name: value for name, value in stored.items() if value is not None}
        return cls(case_id=case.id, **shown)

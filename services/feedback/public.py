"""What feedback's routes answer with beyond surveys and cases (domain.py): the guest's
forms and receipts, the survey designs, the satisfaction report, the in-stay
questionnaires and each department's results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.events import SurveyResultsSharedPayload
from shared.public import Answer, PublicDocument

from .domain import QuestionType

# --- what the guest sees ----------------------------------------------------------------


class FormQuestion(Answer):
    """A question in the guest's language."""

    question_id: str
    type: QuestionType
    text: str
    options: list[str]
    required: bool


class InStayForm(Answer):
    survey_id: str
    language: str
    title: str
    questions: list[FormQuestion]


# A guest's link opened in a browser (Accept: text/html) answers the form as a page.
HTML_PAGE_TOO: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}}
}


class SurveyForm(InStayForm):
    """The post-stay questionnaire, in the version the survey was made with."""

    design_version: int


class Scores(Answer):
    """What an answer says at a glance; a low score opens a case by itself."""

    nps: int | None
    csat: float | None
    lowest_rating: int | None
    low_score: bool


class SurveyAnswered(Scores):
    survey_id: str
    received_at: datetime
    business_date: str  # the hotel's day the answer counts in (ISO date)


class InStayAnswered(Scores):
    survey_id: str
    received_at: datetime
    case_id: str | None  # the case opened at once for a low score or a request


class CaseFollowUpQuestion(Answer):
    """What was done and improved, and the question the guest answers through the link."""

    case_id: str
    resolution: str | None
    improvement: str | None
    question: str
    answer: str | None  # asked, satisfied, not_satisfied


class CaseFollowUpAnswered(Answer):
    case_id: str
    guest_satisfaction: str
    status: str


# --- survey designs ---------------------------------------------------------------------


class QuestionDesign(Answer):
    question_id: str
    type: QuestionType
    department: str
    topic: str | None = None
    text: dict[str, str]  # language -> text
    options: list[str] = []
    required: bool = False


class SurveyDesignPublic(PublicDocument):
    """One version of the questionnaire; surveys keep the version they were made with."""

    property_id: str
    version: int
    title: dict[str, str]  # language -> title
    questions: list[QuestionDesign]
    created_at: datetime


# --- the satisfaction report ------------------------------------------------------------


class Figures(Answer):
    responses: int
    nps_answers: int
    nps: float | None
    rating_answers: int
    csat: float | None
    mean_rating: float | None


class QuestionFigures(Figures):
    question_id: str
    department: str
    topic: str
    type: QuestionType


class DepartmentFigures(Figures):
    department: str


class WeekFigures(Figures):
    week: str  # ISO week, 2026-W07


class LowTopic(Answer):
    topic: str
    question_id: str
    department: str
    csat: float | None
    mean_rating: float | None


class SatisfactionReport(Answer):
    """NPS, CSAT per question and department, ISO-week trends, lowest topics."""

    property_id: str
    since: datetime
    until: datetime
    department: str | None
    overall: Figures
    questions: list[QuestionFigures]
    departments: list[DepartmentFigures]
    weeks: list[WeekFigures]
    lowest_topics: list[LowTopic]


# --- in-stay questionnaires and department results --------------------------------------


class InStayScores(Answer):
    csat: float | None
    lowest_rating: int | None
    low_score: bool


class InStaySurveyPublic(PublicDocument):
    """Guest relations' view: planned, sent, answered (with scores), skipped. The guest's
    words are on the case, if one opened."""

    id_field = "survey_id"

    survey_id: str
    stay_id: str
    guest_id: str
    property_id: str
    room_number: str | None = None
    status: str  # pending, sending, sent, answered, skipped
    created_at: datetime
    next_attempt_at: datetime | None = None
    failures: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    channel: str | None = None
    skip_reason: str | None = None
    answered_at: datetime | None = None
    case_state: str | None = None  # wanted, opened, none
    case_id: str | None = None
    scores: InStayScores | None = None


class DepartmentResults(Answer):
    """One department's part of every questionnaire answered in the window, newest first."""

    department: str
    since: datetime
    until: datetime
    answers: int
    with_low_scores: int
    items: list[SurveyResultsSharedPayload]

"""Feedback use cases, put together: a survey for every stay, its answers, and the cases
guests raise. Each group is its own module over the repository: stays and guests from
other departments' events (guest_records.py), the survey's design (survey_designs.py),
the guest's answers (survey_answers.py), cases opened (case_opening.py) and worked
(case_work.py), and what is read back (feedback_reading.py), on what they share
(feedback_context.py).

Every use case loads, applies a rule from domain.py, and saves the state change with its
outgoing events in one document write (the outbox), then wakes the relay.
"""

from __future__ import annotations

from .case_opening import CaseOpening
from .case_work import CaseWork
from .feedback_context import (
    PRODUCER,
    InvalidAnswers,
    InvalidSurveyToken,
    SurveyAlreadyAnswered,
    utc_now,
)
from .feedback_reading import REPORT_MAX_DAYS, FeedbackReading
from .guest_records import GuestRecords
from .survey_answers import SurveyAnswers
from .survey_designs import SurveyDesigns

__all__ = [
    "PRODUCER",
    "REPORT_MAX_DAYS",
    "FeedbackService",
    "InvalidAnswers",
    "InvalidSurveyToken",
    "SurveyAlreadyAnswered",
    "utc_now",
]


class FeedbackService(
    GuestRecords, SurveyDesigns, SurveyAnswers, CaseOpening, CaseWork, FeedbackReading
):
    """The feedback use cases behind one object, for the routes, consumers, pages and
    workers: one repository, settings, clock and set of wake-ups (FeedbackContext) serve
    them all."""

"""What every feedback use case stands on: the repository, the settings, the wake-ups of
the workers (surveys due, notices due, events written), the clock and the business date,
the load that refuses a missing case, and the problems the use cases raise. The use
cases (guest_records.py, survey_designs.py, survey_answers.py, case_opening.py,
case_work.py, feedback_reading.py) subclass it; service.py puts them together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shared.business_date import BusinessDates
from shared.clock import Clock, PropertyClock
from shared.errors import Conflict, NotAllowed, NotFound, Unprocessable

from .config import Settings
from .domain import DEFAULT_DESIGN, Case
from .repository import FeedbackRepository

PRODUCER = "feedback"


def utc_now() -> datetime:
    return datetime.now(UTC)


class InvalidSurveyToken(NotAllowed):
    title = "Invalid survey token"


class SurveyAlreadyAnswered(Conflict):
    title = "Survey already answered"


class InvalidAnswers(Unprocessable):
    title = "Invalid answers"


class FeedbackContext:
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

    async def case(self, case_id: str) -> Case:
        case = await self.repository.case(case_id)
        if case is None:
            raise NotFound(f"case {case_id!r} does not exist")
        return case

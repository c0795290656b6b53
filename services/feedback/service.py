"""Feedback use cases: a survey for every stay, the guest's contact from profile events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shared.events import GuestContactCaptured, StayCheckedOut
from shared.logging import get_logger

from .domain import SurveyStatus, survey_id_for_stay
from .repository import FeedbackRepository

log = get_logger(__name__)


class FeedbackService:
    def __init__(self, repository: FeedbackRepository, *,
                 surveys_due: Callable[[], None]) -> None:
        self.repository = repository
        self.surveys_due = surveys_due

    async def survey_after_stay(self, event: StayCheckedOut) -> None:
        stay = event.payload
        now = datetime.now(UTC)
        created = await self.repository.add_survey_once({
            "_id": survey_id_for_stay(stay.stay_id),
            "stay_id": stay.stay_id,
            "guest_id": stay.guest_id,
            "property_id": event.property_id,
            "channel": "email",
            "status": SurveyStatus.PENDING.value,
            "next_attempt_at": now,
            "failures": 0,
            "correlation_id": event.correlation_id,
            "source_event_id": str(event.event_id),
            "created_at": now,
        })
        if created:
            log.info("survey created", stay_id=stay.stay_id)
            self.surveys_due()

    async def record_contact(self, event: GuestContactCaptured) -> None:
        guest = event.payload
        saved = await self.repository.save_contact(guest.guest_id, {
            "first_name": guest.first_name, "last_name": guest.last_name,
            "email": guest.email, "phone": guest.phone, "language": guest.language,
        }, as_of=event.occurred_at)
        if saved:
            await self.repository.wake_surveys_of(guest.guest_id, datetime.now(UTC))
            self.surveys_due()

    async def surveys(self, *, stay_id: str | None, status: str | None, limit: int,
                      offset: int) -> tuple[int, list[dict[str, Any]]]:
        filters = {key: value for key, value in (("stay_id", stay_id), ("status", status)) if value}
        return await self.repository.find_surveys(filters, limit, offset)

"""Stays and guests, from other departments' events: a survey for every checked-out stay,
the guest's contact and profile, merges and erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.events import (
    GuestAnonymized,
    GuestContactCaptured,
    GuestCreated,
    GuestMerged,
    GuestUpdated,
    StayCheckedIn,
    StayCheckedOut,
)
from shared.logging import get_logger

from .domain import ERASED, QuestionType, SurveyStatus, survey_id_for_stay
from .feedback_context import FeedbackContext
from .messages import reachable

log = get_logger(__name__)


class GuestRecords(FeedbackContext):
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

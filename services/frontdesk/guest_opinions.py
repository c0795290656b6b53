"""The guest's opinion asked at check-out, once per stay; a low score becomes a complaint
for guest relations through the desk's usual complaint (once)."""

from __future__ import annotations

from typing import Any

from shared.auth import acting_person
from shared.logging import get_logger

from .domain import ComplaintCreate
from .front_office_context import FrontOfficeContext
from .front_office_models import OpinionCreate
from .stay_rules import opinion_recorded
from .stay_store import stay_from_document

log = get_logger(__name__)
LOW_SCORE = 2


class GuestOpinions(FrontOfficeContext):
    async def record_opinion(self, stay_id: str, opinion: OpinionCreate) -> dict[str, Any]:
        read = stay_from_document(await self.service.get_stay(stay_id))
        if read.opinion:
            return read.opinion  # asked once: a repeat answers what was recorded
        taken_by = acting_person(opinion.taken_by)
        record = {**opinion.model_dump(), "taken_by": taken_by, "at": self.clock()}
        saved = await self.repository.move_stay(
            read, opinion_recorded(read, record), {"opinion": {"$in": [None]}}
        )
        if saved is None:
            return (await self.service.get_stay(stay_id))["opinion"]
        if opinion.score <= LOW_SCORE:
            # guest relations follows up: the complaint, keyed so a retry raises it once
            complaint = await self.service.raise_complaint(
                stay_id,
                ComplaintCreate(
                    category="opinion at check-out",
                    severity="medium",
                    description=opinion.comment or f"scored the stay {opinion.score} of 5",
                    taken_by=taken_by,
                ),
                idempotency_key=f"opinion-{stay_id}",
            )
            record["complaint_id"] = complaint["complaint_id"]
            await self.repository.update_stay(
                stay_id, {}, {"$set": {"opinion.complaint_id": complaint["complaint_id"]}}
            )
        log.info("opinion recorded", stay_id=stay_id, score=opinion.score)
        return record

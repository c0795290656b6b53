"""Work on the cases: the list, notes, and the resolution with its goodwill."""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict, NotFound
from shared.events import (
    CaseResolved,
    CaseResolvedPayload,
    GoodwillGranted,
    GoodwillGrantedPayload,
)
from shared.logging import current_correlation_id, get_logger
from shared.outbox import push_outbox

from .domain import Case, CaseNote, CaseNoteCreate, CaseResolve, CaseStatus
from .domain import resolved as resolved_case
from .feedback_context import PRODUCER, FeedbackContext

log = get_logger(__name__)


class CaseWork(FeedbackContext):
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

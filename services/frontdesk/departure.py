"""Check-out with housekeeping's room check (issue 12).

The guest asks to leave (`POST /stays/{id}/checkout-request`): the desk publishes
`stay.room_check_requested` and waits. The folio is settled as soon as the room check
arrives (FolioService.post_item_check), or by `RoomCheckWaitWorker` once
`ROOM_CHECK_WAIT_SECONDS` have passed without it; a check that comes after that goes on
a post-departure invoice (late_checks.py). `POST /stays/{id}/checkout` still settles at
once, for a desk that does not wait.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.events import StayRoomCheckRequested, StayRoomCheckRequestedPayload
from shared.logging import get_logger
from shared.outbox import push_outbox

from .domain import CheckOutRequest
from .folio_service import FolioService
from .records import origin
from .stay_rules import checkout_asked
from .stay_store import stay_from_document

log = get_logger(__name__)


class DepartureDesk:
    def __init__(self, folio: FolioService, *, room_check_wait_seconds: float) -> None:
        self.folio = folio
        self.repository = folio.repository
        self.wait = timedelta(seconds=room_check_wait_seconds)

    async def request_checkout(
        self, stay_id: str, request: CheckOutRequest | None = None
    ) -> dict[str, Any]:
        """Asks housekeeping for the room check, once; the stay stays in house meanwhile."""
        request = request or CheckOutRequest()
        stay = await self.folio.get_stay(stay_id)
        read = stay_from_document(stay)
        now = self.folio.clock()
        asked: dict[str, Any] = {
            "requested_at": now,
            "settle_by": now + self.wait,
            "waive_late_fee": request.waive_late_fee,
        }
        moved = checkout_asked(read, asked)  # refuses a stay checked out
        if read.checkout_request:
            return stay  # asked before: one room check
        event = StayRoomCheckRequested.new(
            StayRoomCheckRequestedPayload(
                stay_id=stay_id,
                guest_id=read.guest_id,
                room_number=read.room_number,
                room_type=read.room_type,
                reservation_id=read.reservation_id,
                requested_at=now,
                settle_by=asked["settle_by"],
            ),
            **origin(stay),
        )
        updated = await self.repository.move_stay(
            read,
            moved,
            {"status": "in_house", "checkout_request": {"$in": [None]}},
            push_outbox(event),
        )
        if updated is None:
            return await self.folio.get_stay(stay_id)  # asked or settled meanwhile
        self.folio.events_written()
        log.info("check-out requested: room check asked", stay_id=stay_id)
        if updated.get("item_checks"):  # housekeeping had checked the room already
            return await self.folio.settle_requested(stay_id) or updated
        return updated

    async def settle_overdue(self) -> int:
        """Settles every asked check-out whose room check did not come in time."""
        now = self.folio.clock()
        settled = 0
        for stay in await self.repository.stays_where(
            {"status": "in_house", "checkout_request.settle_by": {"$lte": now}}
        ):
            if await self.folio.settle_requested(stay["_id"]) is not None:
                settled += 1
                log.info("room check not in time: settled without it", stay_id=stay["_id"])
        return settled

"""The departure room check: damages, missing items and minibar, reported once per stay
and sent to the folio as room.item_check_reported."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.events import ItemCharge, RoomItemCheckReported, RoomItemCheckReportedPayload
from shared.logging import get_logger
from shared.outbox import with_outbox

from .domain import TaskKind, room_check_id
from .rooms import from_request
from .task_context import TaskConflict, TaskContext

log = get_logger(__name__)


class RoomChecks(TaskContext):
    async def report_room_check(
        self,
        task_id: str,
        *,
        damages: list[ItemCharge],
        missing_items: list[ItemCharge],
        minibar: list[ItemCharge],
        checked_by: str,
        currency: str,
    ) -> dict[str, Any]:
        task = await self.task(task_id)
        stay_id = task.stay_id
        if task.kind != TaskKind.DEPARTURE_CLEANING or not stay_id:
            raise TaskConflict(
                f"task {task_id} is not a departure: the room check belongs to a departure cleaning"
            )
        check_id = room_check_id(stay_id, task.room_number)
        event = RoomItemCheckReported.new(
            RoomItemCheckReportedPayload(
                check_id=check_id,
                stay_id=stay_id,
                room_number=task.room_number,
                damages=damages,
                missing_items=missing_items,
                minibar=minibar,
                currency=currency,
            ),
            **from_request(task.property_id),
        )
        check = {
            "_id": check_id,
            "property_id": task.property_id,
            "task_id": task_id,
            "stay_id": stay_id,
            "room_number": task.room_number,
            "checked_by": checked_by,
            "checked_at": self.clock(),
            "currency": currency,
            **{
                name: [_storable(charge) for charge in charges]
                for name, charges in (
                    ("damages", damages),
                    ("missing_items", missing_items),
                    ("minibar", minibar),
                )
            },
        }
        if not await self.repository.add_room_check_once(with_outbox(check, event)):
            raise TaskConflict(
                f"the room check of room {task.room_number} for stay {stay_id} is already reported"
            )
        self.events_written()
        total = sum(
            charge.amount * charge.quantity for charge in (*damages, *missing_items, *minibar)
        )
        log.info(
            "room check reported",
            check_id=check_id,
            room_number=task.room_number,
            charges=str(total),
        )
        return check


def _storable(charge: ItemCharge) -> dict[str, Any]:
    """Money as strings: exact in both stores, no float ever."""
    return {
        "description": charge.description,
        "quantity": charge.quantity,
        "amount": str(Decimal(charge.amount)),
    }

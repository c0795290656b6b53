"""What housekeeping's routers share: the page cap, the room as the routes answer with it,
and an inspection request as the verdict the use cases take."""

from __future__ import annotations

from typing import Any

from .domain import RoomPublic
from .schemas import InspectionCreate

MAX_PAGE = 200


def room_public(room: dict[str, Any]) -> RoomPublic:
    return RoomPublic(
        room_number=room["number"],
        room_type=room["room_type"],
        floor=room["floor"],
        status=room["status"],
        do_not_disturb=bool(room.get("do_not_disturb")),
    )


def verdict_of(inspection: InspectionCreate) -> dict[str, Any]:
    return {
        "inspector": inspection.inspector,
        "passed": inspection.passed,
        "notes": inspection.notes,
        "failed_items": inspection.failed_items,
        "maintenance": [issue.model_dump() for issue in inspection.maintenance],
    }

"""What a room move writes: the stay's new room and assignment, the move on its list, and
the events that tell reservation (the hold moves to the new room's type for the nights
left) and housekeeping, in one conditional write whose guard lets one move at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.events import (
    Event,
    RoomAssigned,
    RoomAssignedPayload,
    StayRoomMoved,
    StayRoomMovedPayload,
)
from shared.outbox import push_outbox

from .allocation import Choice
from .records import origin, reservation_ref
from .stay_aggregate import Stay
from .stay_rules import moved_to_room


@dataclass
class RoomMoveWrite:
    stay: dict[str, Any]  # as read, in house
    choice: Choice  # the room claimed for the nights left
    old_type: str  # the type of the room the guest leaves
    nights: list[date]
    from_night: date
    reason: str
    at: datetime

    @property
    def old_room(self) -> str:
        return str(self.stay["room_number"])

    @property
    def new_room(self) -> str:
        return self.choice.chosen.number

    @property
    def move_number(self) -> int:
        return len(self.stay.get("moves") or []) + 1

    def guard(self) -> dict[str, Any]:
        # the move number is the count of moves before it: one move at a time
        return {
            "status": "in_house",
            "room_number": self.old_room,
            "moves": {"$size": self.move_number - 1},
        }

    def moved(self, read: Stay) -> Stay:
        """The stay as read, in the new room."""
        return moved_to_room(
            read,
            room_number=self.new_room,
            room_type=self.choice.chosen.room_type,
            assignment={
                "room_number": self.new_room,
                "rule": self.choice.rule,
                "explanation": self.choice.explanation,
            },
        )

    def appended(self) -> dict[str, Any]:
        """The move on the stay's list and its events, appended in the same write."""
        return {
            "moves": {
                "from_room": self.old_room,
                "to_room": self.new_room,
                "from_room_type": self.old_type,
                "to_room_type": self.choice.chosen.room_type,
                "from_night": self.from_night.isoformat(),
                "reason": self.reason,
                "at": self.at,
            },
            **push_outbox(*self.events()),
        }

    def events(self) -> list[Event[Any]]:
        stay, choice = self.stay, self.choice
        return [
            RoomAssigned.new(
                RoomAssignedPayload(
                    reservation_id=reservation_ref(stay),
                    guest_id=stay["guest_id"],
                    room_number=self.new_room,
                    room_type=choice.chosen.room_type,
                    arrival=stay["arrival"],
                    departure=stay["departure"],
                    rule=choice.rule,
                    stay_id=stay["_id"],
                    vip=stay["vip"],
                ),
                **origin(stay),
            ),
            # reservation moves the stay's hold to the new type for these nights
            StayRoomMoved.new(
                StayRoomMovedPayload(
                    stay_id=stay["_id"],
                    guest_id=stay["guest_id"],
                    from_room=self.old_room,
                    to_room=self.new_room,
                    reason=self.reason,
                    from_room_type=self.old_type,
                    to_room_type=choice.chosen.room_type,
                    nights=self.nights,
                    move_number=self.move_number,
                    reservation_id=reservation_ref(stay),
                    room_type=stay["room_type"],
                    arrival=stay["arrival"],
                    departure=stay["departure"],
                ),
                **origin(stay),
            ),
        ]

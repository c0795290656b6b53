"""The room a check-in gives: the pre-assigned room kept when it is ready (its notice was
sent to the guest), a room the desk names, or one allocated by the rules, a VIP offered
the next better category first. What the check-in claimed is kept beside the room, so a
refusal later gives back only that."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.errors import Conflict
from shared.logging import get_logger

from .allocation import Choice, Rule
from .desk_context import NoRoomFree
from .domain import CheckIn, new_stay_id
from .promises import give_unpromised
from .records import room_of
from .repository import FrontDeskRepository
from .room_assignment import RoomAssignment
from .upgrades import better_room_type, upgraded

log = get_logger(__name__)


@dataclass
class RoomTaken:
    """The room given and the nights this check-in claimed for it."""

    stay_id: str
    assignment: dict[str, Any]  # room_number, rule, explanation
    pre_assigned: dict[str, Any] | None
    choice: Choice | None = None  # None: the pre-assigned room is kept
    early_claimed: list[date] = field(default_factory=list)
    upgrade: dict[str, Any] | None = None

    @property
    def given_up_room(self) -> str | None:
        """The pre-assigned room when the check-in gave another: its nights go back."""
        if self.pre_assigned and self.choice is not None:
            return str(self.pre_assigned["room_number"])
        return None

    async def give_back(self, repository: FrontDeskRepository) -> None:
        """Only what this call claimed: a concurrent winner may hold the rest."""
        if self.choice is not None:
            await repository.release_room_nights(self.stay_id, self.choice.room_number)
        elif self.early_claimed:
            await repository.release_room_nights(
                self.stay_id, self.assignment["room_number"], nights=self.early_claimed
            )


def chosen_assignment(choice: Choice) -> dict[str, Any]:
    return {
        "room_number": choice.room_number,
        "rule": choice.rule,
        "explanation": choice.explanation,
    }


class CheckInRooms(RoomAssignment):
    async def _room_for_check_in(
        self,
        arrival: dict[str, Any],
        nights: list[date],
        request: CheckIn,
        room_index: int,
        early: list[date],
        today: date,
        profile: dict[str, Any] | None,
    ) -> RoomTaken:
        """Only the booking's first room can have been assigned ahead of arrival."""
        pre_assigned = arrival.get("assignment") if room_index == 0 else None
        stay_id = pre_assigned["stay_id"] if pre_assigned else new_stay_id()
        named = request.room_number
        if pre_assigned and named in (None, pre_assigned["room_number"]):
            kept = await self._keep_pre_assigned_room(pre_assigned, stay_id, early, named)
            if kept is not None:
                return kept
        if named and (not pre_assigned or named != pre_assigned["room_number"]):
            choice = await self.claim_named_room(
                named, arrival["room_type"], nights, stay_id, today, what="the check-in"
            )
            return RoomTaken(stay_id, chosen_assignment(choice), pre_assigned, choice)
        # the desk allocates (a ready pre-assigned room, whose notice the guest was sent,
        # is kept): a VIP is offered the next better category first
        offered = (
            await self._vip_upgrade(arrival, nights, stay_id, today, request, profile)
            if (profile or {}).get("vip")
            else None
        )
        if offered is not None:
            choice, upgrade = offered
            return RoomTaken(
                stay_id, chosen_assignment(choice), pre_assigned, choice, upgrade=upgrade
            )
        needs = await self.needs_for(
            arrival["room_type"],
            len(nights),
            [*arrival.get("special_requests", []), *request.requests],
            profile,
        )
        choice = await self.allocate(needs, nights, stay_id)
        return RoomTaken(stay_id, chosen_assignment(choice), pre_assigned, choice)

    async def _keep_pre_assigned_room(
        self,
        pre_assigned: dict[str, Any],
        stay_id: str,
        early: list[date],
        named: str | None,
    ) -> RoomTaken | None:
        """The pre-assigned room when it is ready, with the early nights claimed in it;
        None to allocate another, or a refusal when the desk named the unready room."""
        room = room_of(await self.repository.room(pre_assigned["room_number"]))
        if room.ready:
            if early and not await self.repository.claim_room_nights(room.number, early, stay_id):
                raise NoRoomFree(
                    f"room {room.number} is taken before the arrival date; "
                    "name another room for the early check-in"
                )
            assignment = {k: pre_assigned[k] for k in ("room_number", "rule", "explanation")}
            return RoomTaken(stay_id, assignment, pre_assigned, early_claimed=early)
        if named:
            raise Conflict(
                f"room {room.number} is {room.status}: only clean or inspected "
                "rooms are given to guests",
                rule=Rule.READY_ROOMS_ONLY,
            )
        return None

    async def _vip_upgrade(
        self,
        arrival: dict[str, Any],
        nights: list[date],
        stay_id: str,
        today: date,
        request: CheckIn,
        profile: dict[str, Any] | None,
    ) -> tuple[Choice, dict[str, Any]] | None:
        """A room of the next better category for the whole stay (upgrades.py), taken as
        a walk-in's is, so never one promised to a booking; None when there is none."""
        guests = arrival.get("adults", 1) + arrival.get("children", 0)
        better = better_room_type(self.setup, arrival["room_type"], guests)
        if better is None:
            return None
        needs = await self.needs_for(
            better.code,
            len(nights),
            [*arrival.get("special_requests", []), *request.requests],
            profile,
        )

        async def give_back(taken: Choice) -> None:
            await self.repository.release_room_nights(stay_id, taken.room_number)

        try:
            choice = await give_unpromised(
                self.repository,
                better.code,
                nights,
                today,
                what="the VIP upgrade",
                take=lambda: self.allocate(needs, nights, stay_id),
                give_back=give_back,
            )
        except Conflict as declined:  # promised, none ready, or being given: as booked
            log.info("no VIP upgrade", stay_id=stay_id, to=better.code, why=declined.title)
            return None
        return upgraded(choice, arrival["room_type"], better)

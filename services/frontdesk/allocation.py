"""Room allocation: which ready room a guest gets, and which rule chose it. No I/O.

The rules, in the order DOMAIN.md gives them:
1. reserved_room_type   the room is of the type the guest booked;
2. guest_requests       bed, floor, orientation and quiet are honoured where a room can;
3. vip_long_stay        VIP and long-stay guests are placed first and get the better
                        rooms; everyone else gets the plainest fitting room, which
                        keeps the better ones free for them;
4. ready_rooms_only     only rooms housekeeping reports clean or inspected, never dirty,
                        occupied, out of order or out of service;
5. special_needs        non-smoking and accessible are hard requirements; a family gets
                        a family room where there is one (else children's items);
6. long_stay_fixed_room a long-stay guest keeps their fixed room when it is free.
Hard rules (1, 4, 5) filter; soft rules (2, 3) rank; rule 6 short-cuts. The rule named
in the result is the one that decided: the last that narrowed the choice down.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

READY_STATUSES = frozenset({"vacant_clean", "vacant_inspected"})
HARD_NEEDS = frozenset({"non_smoking", "accessible"})
LONG_STAY_NIGHTS = 7
# How much a feature makes a room "better", for VIPs and long stays.
QUALITY = {"sea_view": 3, "quiet": 2, "accessible": 0}


class Rule:
    RESERVED_ROOM_TYPE = "reserved_room_type"
    GUEST_REQUESTS = "guest_requests"
    VIP_LONG_STAY = "vip_long_stay"
    READY_ROOMS_ONLY = "ready_rooms_only"
    SPECIAL_NEEDS = "special_needs"
    LONG_STAY_FIXED_ROOM = "long_stay_fixed_room"
    MANUAL_OVERRIDE = "manual_override"
    VIP_UPGRADE = "vip_upgrade"  # upgrades.py: the next better category, when free


@dataclass(frozen=True)
class Room:
    number: str
    room_type: str
    floor: int
    bed: str
    features: frozenset[str] = frozenset()
    status: str = "vacant_inspected"

    @property
    def orientation(self) -> str:
        return "sea" if "sea_view" in self.features else "city"

    @property
    def ready(self) -> bool:
        return self.status in READY_STATUSES

    @property
    def quality(self) -> tuple[int, int]:
        return (sum(QUALITY.get(feature, 0) for feature in self.features), self.floor)


@dataclass(frozen=True)
class Needs:
    """What the booking, the guest's profile and the desk ask of the room."""

    room_type: str
    nights: int = 1
    bed: str | None = None
    floor: str | None = None  # "high", "low" or a floor number
    orientation: str | None = None  # "sea", "city"
    quiet: bool = False
    vip: bool = False
    long_stay: bool = False
    non_smoking: bool = False
    accessible: bool = False
    family: bool = False
    fixed_room: str | None = None

    @property
    def is_long_stay(self) -> bool:
        return self.long_stay or self.nights >= LONG_STAY_NIGHTS

    @property
    def special_needs(self) -> tuple[str, ...]:
        return tuple(
            need
            for need, wanted in (
                ("non_smoking", self.non_smoking),
                ("accessible", self.accessible),
                ("family", self.family),
            )
            if wanted
        )


@dataclass(frozen=True)
class Choice:
    room: Room | None
    rule: str
    explanation: str
    steps: tuple[str, ...] = field(default=())

    @property
    def chosen(self) -> Room:
        """The room of a choice that found one (callers raise NoRoomFree otherwise)."""
        if self.room is None:
            raise LookupError(self.explanation)
        return self.room

    @property
    def room_number(self) -> str | None:
        return self.room.number if self.room else None


def needs_from_requests(
    room_type: str,
    nights: int,
    requests: Iterable[str],
    *,
    vip: bool = False,
    fixed_room: str | None = None,
) -> Needs:
    """Reads free-form requests ("high floor", "king bed", "sea view", "non-smoking",
    "floor:5", "quiet", "accessible", "family", "long stay") into Needs."""
    values: dict[str, object] = {}
    for raw in requests:
        # "bed: twin" from a booking: split on the colon first, so the space after it
        # does not become part of the value ("_twin")
        raw_key, _, raw_value = raw.partition(":")
        key, value = (_token(raw_key), _token(raw_value))
        if key in ("high_floor", "low_floor"):
            values["floor"] = key.removesuffix("_floor")
        elif key == "floor" and value:
            values["floor"] = value
        elif key.endswith("_bed") or (key == "bed" and value):
            values["bed"] = (value or key).removesuffix("_bed")
        elif key in ("sea_view", "city_view"):
            values["orientation"] = key.removesuffix("_view")
        elif key == "orientation" and value:
            values["orientation"] = value.removesuffix("_view")
        elif key in ("quiet", "quiet_room", "quiet_floor"):
            values["quiet"] = True
        elif key in ("non_smoking", "no_smoking", "nonsmoking"):
            values["non_smoking"] = True
        elif key in ("accessible", "wheelchair", "accessibility"):
            values["accessible"] = True
        elif key in ("family", "family_room", "children", "kids"):
            values["family"] = True
        elif key == "long_stay":
            values["long_stay"] = True
    return Needs(room_type=room_type, nights=nights, vip=vip, fixed_room=fixed_room, **values)  # type: ignore[arg-type]


def _token(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").split())


def _honours(room: Room, needs: Needs) -> int:
    """How many of the guest's requests the room meets."""
    met = 0
    if needs.bed and room.bed == needs.bed:
        met += 1
    if needs.orientation and room.orientation == needs.orientation:
        met += 1
    if needs.quiet and "quiet" in room.features:
        met += 1
    if needs.floor:
        met += _floor_matches(room.floor, needs.floor)
    return met


def _floor_matches(floor: int, wanted: str) -> int:
    if wanted.isdigit():
        return int(floor == int(wanted))
    return 0  # "high"/"low" are relative: settled in _floor_rank


def _floor_rank(room: Room, needs: Needs) -> int:
    if needs.floor == "high":
        return room.floor
    if needs.floor == "low":
        return -room.floor
    return 0


def choose_room(needs: Needs, rooms: Iterable[Room], taken: Iterable[str] = ()) -> Choice:
    """The room for these needs among `rooms`, none of `taken` (held for the nights)."""
    candidates = [room for room in rooms if room.room_type == needs.room_type]
    shortlist = _Shortlist(
        candidates, [f"{len(candidates)} {needs.room_type} room(s) of the reserved type"]
    )
    if not candidates:
        return shortlist.refused(
            Rule.RESERVED_ROOM_TYPE, f"the property has no {needs.room_type} room"
        )
    refused = _keep_free_and_ready(shortlist, needs, set(taken)) or _keep_special_needs(
        shortlist, needs
    )
    if refused is not None:
        return refused
    _prefer_family_rooms(shortlist, needs)
    if needs.is_long_stay and needs.fixed_room:
        fixed = next((room for room in shortlist.rooms if room.number == needs.fixed_room), None)
        if fixed is not None:
            shortlist.steps.append(f"long-stay guest keeps room {fixed.number}")
            return _chosen(fixed, Rule.LONG_STAY_FIXED_ROOM, shortlist.steps)
    _honour_requests(shortlist, needs)
    return _best_or_plainest(shortlist, needs)


@dataclass
class _Shortlist:
    """The rooms still in the running, the steps that narrowed them down and the rule
    that decided: the last that narrowed the choice."""

    rooms: list[Room]
    steps: list[str]
    decided: str = Rule.RESERVED_ROOM_TYPE

    def decide(self, step: str, rule: str) -> None:
        self.steps.append(step)
        self.decided = rule

    def refused(self, rule: str, explanation: str) -> Choice:
        return Choice(None, rule, explanation, tuple(self.steps))


def _keep_free_and_ready(shortlist: _Shortlist, needs: Needs, taken: set[str]) -> Choice | None:
    """Rule 4 (hard): only rooms free for the nights and clean or inspected."""
    ready = [room for room in shortlist.rooms if room.number not in taken and room.ready]
    if len(ready) < len(shortlist.rooms):
        shortlist.decide(f"{len(ready)} free and ready (clean or inspected)", Rule.READY_ROOMS_ONLY)
    if not ready:
        return shortlist.refused(
            Rule.READY_ROOMS_ONLY,
            f"no {needs.room_type} room is free, clean or inspected for the stay",
        )
    shortlist.rooms = ready
    return None


def _keep_special_needs(shortlist: _Shortlist, needs: Needs) -> Choice | None:
    """Rule 5 (hard): non-smoking and accessible, when asked for, or no room."""
    hard = [need for need in needs.special_needs if need in HARD_NEEDS]
    if not hard:
        return None
    fitting = [room for room in shortlist.rooms if set(hard) <= room.features]
    wanted = ", ".join(hard)
    if not fitting:
        return shortlist.refused(Rule.SPECIAL_NEEDS, f"no ready {needs.room_type} room is {wanted}")
    if len(fitting) < len(shortlist.rooms):
        shortlist.decide(f"{len(fitting)} {wanted}", Rule.SPECIAL_NEEDS)
    shortlist.rooms = fitting
    return None


def _prefer_family_rooms(shortlist: _Shortlist, needs: Needs) -> None:
    """Rule 5 (soft for a family): a family room where there is one."""
    if not needs.family:
        return
    family_rooms = [room for room in shortlist.rooms if "family" in room.features]
    if family_rooms and len(family_rooms) < len(shortlist.rooms):
        shortlist.decide(f"{len(family_rooms)} family room(s)", Rule.SPECIAL_NEEDS)
        shortlist.rooms = family_rooms
    elif not family_rooms:
        shortlist.steps.append("no family room: children's items go into the room")


def _honour_requests(shortlist: _Shortlist, needs: Needs) -> None:
    """Rule 2 (soft): the rooms meeting most of the guest's requests, the highest or
    lowest floor among them when that was asked."""
    if not (needs.bed or needs.floor or needs.orientation or needs.quiet):
        return
    ready = shortlist.rooms
    best = max(_honours(room, needs) for room in ready)
    honoured = [room for room in ready if _honours(room, needs) == best]
    if needs.floor in ("high", "low"):
        top = max(_floor_rank(room, needs) for room in honoured)
        honoured = [room for room in honoured if _floor_rank(room, needs) == top]
    if len(honoured) < len(ready):
        shortlist.decide(f"{len(honoured)} honouring the guest's requests", Rule.GUEST_REQUESTS)
    shortlist.rooms = honoured


def _best_or_plainest(shortlist: _Shortlist, needs: Needs) -> Choice:
    """Rule 3 (soft): a VIP or long-stay guest gets the best room left."""
    ready = shortlist.rooms
    if needs.vip or needs.is_long_stay:
        room = max(ready, key=lambda r: (r.quality, r.number))
        who = "VIP" if needs.vip else "long-stay"
        if len(ready) > 1:
            shortlist.decide(f"{who} guest: the best of them", Rule.VIP_LONG_STAY)
        return _chosen(room, shortlist.decided, shortlist.steps)

    # Everyone else: the plainest fitting room, keeping the better ones for VIPs.
    room = min(ready, key=lambda r: (r.quality, r.number))
    return _chosen(room, shortlist.decided, shortlist.steps)


def _chosen(room: Room, rule: str, steps: list[str]) -> Choice:
    return Choice(
        room, rule, f"room {room.number} chosen by {rule}: " + "; ".join(steps), tuple(steps)
    )


def arrival_order(needs: Needs) -> tuple[int, int]:
    """Pre-assignment order: VIPs first, then long stays, then everyone else."""
    return (0 if needs.vip else 1, 0 if needs.is_long_stay else 1)

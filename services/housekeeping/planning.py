"""The day's plan: which rooms get service, in what order, by whom. No I/O here.

Guest habits come from the profile events' `preferences`:
- `preferences["housekeeping"]`: `"no_service"`, `"time:HH:MM"` (preferred service time),
  `"linen_every:N"` (change the linen every N nights; N=3 gives nights 3, 6, 9);
- amenity preferences: `preferences["amenities"]` (fruit, flowers, children's items...)
  and `preferences["pillow"]` (pillow type), put on arrival preparation tasks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .domain import Task, TaskKind

# The cleaning standard: what an attendant ticks off before finishing a task.
CHECKLISTS: dict[TaskKind, tuple[str, ...]] = {
    TaskKind.DEPARTURE_CLEANING: (
        "strip_beds",
        "make_beds",
        "clean_bathroom",
        "dust_surfaces",
        "vacuum_floor",
        "restock_amenities",
        "check_minibar",
        "check_facilities",
    ),
    TaskKind.STAYOVER_SERVICE: ("make_beds", "clean_bathroom", "empty_bins", "restock_amenities"),
    TaskKind.ARRIVAL_PREPARATION: (
        "check_air_conditioning",
        "check_tv",
        "check_network",
        "check_bathroom",
        "check_furniture",
        "check_smoke_alarm",
        "check_extinguisher",
        "place_welcome_amenities",
    ),
    TaskKind.URGENT_CLEANING: ("clean_as_requested",),
    TaskKind.CLEANING_REQUEST: ("clean_as_requested",),
    TaskKind.TURNDOWN: ("turn_down_bed", "close_curtains", "dim_lights"),
    TaskKind.AMENITY_DELIVERY: ("deliver_items",),
    TaskKind.FEEDBACK_FOLLOW_UP: ("check_low_scored_topics", "put_right_what_is_found"),
}
LINEN_CHANGE = "change_linen"

# Minutes of work each kind takes, for a balanced workload.
EFFORT_MINUTES: dict[TaskKind, int] = {
    TaskKind.DEPARTURE_CLEANING: 45,
    TaskKind.STAYOVER_SERVICE: 25,
    TaskKind.ARRIVAL_PREPARATION: 20,
    TaskKind.URGENT_CLEANING: 30,
    TaskKind.CLEANING_REQUEST: 30,
    TaskKind.TURNDOWN: 10,
    TaskKind.AMENITY_DELIVERY: 5,
    TaskKind.FEEDBACK_FOLLOW_UP: 15,
}
LINEN_EXTRA_MINUTES = 10

# In-room amenities restocked by every cleaning, per room type ("*" for every type).
STANDARD_AMENITIES: dict[str, dict[str, int]] = {
    "*": {
        "shampoo": 2,
        "shower_gel": 2,
        "soap": 2,
        "toothbrush_kit": 2,
        "water_bottle": 2,
        "tea_set": 1,
    },
    "suite": {"bathrobe": 2, "slippers": 2},
    "deluxe": {"slippers": 2},
}


def standard_amenities(room_type: str) -> dict[str, int]:
    return {**STANDARD_AMENITIES["*"], **STANDARD_AMENITIES.get(room_type, {})}


def checklist_for(kind: TaskKind, change_linen: bool = False) -> list[str]:
    items = list(CHECKLISTS[kind])
    if change_linen:
        items.insert(0, LINEN_CHANGE)
    return items


@dataclass(frozen=True)
class Habits:
    no_service: bool = False
    preferred_time: str | None = None
    linen_every_nights: int | None = None


_TIME = re.compile(r"^time:([01]\d|2[0-3]):([0-5]\d)$")
_LINEN = re.compile(r"^linen_every:(\d{1,2})$")


def habits_from(preferences: dict[str, list[str]]) -> Habits:
    no_service, preferred_time, linen = False, None, None
    for token in preferences.get("housekeeping", []):
        token = token.strip().lower()
        if token == "no_service":
            no_service = True
        elif match := _TIME.match(token):
            preferred_time = f"{match[1]}:{match[2]}"
        elif (match := _LINEN.match(token)) and int(match[1]) > 0:
            linen = int(match[1])
    return Habits(no_service, preferred_time, linen)


def amenity_preferences(preferences: dict[str, list[str]]) -> list[str]:
    """What the guest likes found in the room: fruit, flowers, pillow type, children's items."""
    wanted = list(preferences.get("amenities", []))
    wanted += [f"pillow:{pillow}" for pillow in preferences.get("pillow", [])]
    return wanted


# What a booking's special request asks of the room before the guest arrives.
_PREPARATION = {
    "celebration": "celebration set-up",
    "family": "children's items",
    "children": "children's items",
    "kids": "children's items",
    "accessible": "accessibility check",
    "accessibility": "accessibility check",
    "wheelchair": "accessibility check",
}


def preparation_for(special_requests: list[str]) -> list[str]:
    """The booking's requests housekeeping prepares the room for ("celebration:
    anniversary" -> "celebration set-up: anniversary"); bed, floor and view are the desk's
    allocation, not a preparation."""
    prepared: list[str] = []
    for request in special_requests:
        kind, _, detail = request.partition(":")
        item = _PREPARATION.get(kind.strip().lower().replace(" ", "_"))
        if item:
            line = f"{item}: {detail.strip()}" if detail.strip() else item
            if line not in prepared:
                prepared.append(line)
    return prepared


@dataclass(frozen=True)
class StayOver:
    night: int  # nights slept so far: 1 on the first morning after arrival
    change_linen: bool
    scheduled_time: str | None


def stayover_for(
    day: date,
    arrival: date,
    departure: date,
    *,
    do_not_disturb: bool,
    habits: Habits,
    default_linen_every: int,
) -> StayOver | None:
    """The stay-over service a room gets on `day`, or None.

    Only a guest who slept here last night and stays tonight gets one (a departing guest's
    room gets its departure cleaning at checkout). Do-not-disturb and "no service" mean
    none that day.
    """
    if not arrival < day < departure or do_not_disturb or habits.no_service:
        return None
    night = (day - arrival).days
    every = habits.linen_every_nights or default_linen_every
    return StayOver(
        night=night, change_linen=night % every == 0, scheduled_time=habits.preferred_time
    )


def priority_for(
    kind: TaskKind, *, vip: bool = False, arrival_due: bool = False, urgent: bool = False
) -> int:
    """1 is the most pressing. Rooms a guest arrives in today and VIPs go first."""
    if urgent or kind == TaskKind.URGENT_CLEANING:
        return 1
    base = {
        TaskKind.DEPARTURE_CLEANING: 3,
        TaskKind.ARRIVAL_PREPARATION: 2,
        TaskKind.STAYOVER_SERVICE: 4,
        TaskKind.CLEANING_REQUEST: 2,
        TaskKind.TURNDOWN: 5,
        TaskKind.AMENITY_DELIVERY: 2,
        TaskKind.FEEDBACK_FOLLOW_UP: 3,
    }[kind]
    if arrival_due:
        base -= 1
    if vip:
        base -= 1
    return max(1, base)


def effort_of(task: Task) -> int:
    minutes = EFFORT_MINUTES[task.kind]
    return minutes + (LINEN_EXTRA_MINUTES if task.change_linen else 0)


def balance(
    tasks: list[Task], attendants: list[str], load: dict[str, int] | None = None
) -> dict[str, str]:
    """Assigns tasks (most pressing first) each to the attendant with the least work so far.

    Returns task id -> attendant. `load` is the minutes each attendant already has.
    """
    if not attendants:
        return {}
    minutes = {name: (load or {}).get(name, 0) for name in attendants}
    assignment = {}
    ordered = sorted(
        tasks,
        key=lambda t: (t.priority or 9, t.scheduled_time or "", t.room_number, t.id),
    )
    for task in ordered:
        chosen = min(attendants, key=lambda name: (minutes[name], attendants.index(name)))
        assignment[task.id] = chosen
        minutes[chosen] += effort_of(task)
    return assignment

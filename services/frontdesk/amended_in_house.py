"""An amendment that reaches the desk after the guest checked in (issue 12).

Reservation refuses to amend a booking once it knows of the check-in (in_house), but it
hears of it by an event: an amendment it accepted in between reaches the desk for an
arrival already checked in. The arrivals list ignores it (`update_arrival` leaves a
checked-in arrival alone), so until now it was lost and the departments disagreed: the
booking says one departure and rate, the stay another.

The desk does not apply it by itself. A later departure needs the room free and promised
to no other booking (the extension's 409 guard), an earlier one may be against what the
guest wants, a new room type means a move, and the rates change what the guest is
billed: each is the guest's and the agent's decision at the desk, through the routes
that exist (extend, shorten, move, folio adjustments), which publish the stay events
reservation follows. So it becomes a visible follow-up for the desk: an open entry in the
communication log (`front_office_log`, kind follow_up, on the stay), listed with the open
follow-ups, carried in the shift handover and closed by the agent who deals with it.
Once per amendment event (keyed by its id); a copy older than the check-in's view of the
arrival was applied before the check-in and raises nothing.
"""

from __future__ import annotations

from typing import Any

from shared.events import ReservationAmended
from shared.logging import get_logger

from .repository import FrontDeskRepository

log = get_logger(__name__)
AUTHOR = "reservation.amended"
# what the desk can act on without reading free text (requests and names are not copied)
SHOWN = ("arrival", "departure", "room_type", "room_count", "adults", "children")


def follow_up_text(event: ReservationAmended, arrival: dict[str, Any]) -> str:
    payload = event.payload
    fields = sorted({change.field for change in payload.changes})
    shown = [
        f"{change.field} {change.old} -> {change.new}"
        for change in payload.changes
        if change.field in SHOWN
    ]
    return (
        f"Booking {arrival.get('confirmation_number') or payload.reservation_id} was amended "
        f"after the guest checked in ({', '.join(fields) or 'no field named'}). "
        + (f"Now: {'; '.join(shown)}. " if shown else "")
        + f"Booked total now {payload.total_amount} {payload.currency}. "
        "Not applied to the stay: extend, shorten, move or adjust the folio with the guest."
    )


async def amended_in_house(
    repository: FrontDeskRepository, event: ReservationAmended, occurred_at: str
) -> bool:
    """A follow-up for an amendment of a booking already in house; False when the
    arrival is not checked in or the amendment is older than what it last applied."""
    payload = event.payload
    arrival = await repository.arrival(payload.reservation_id)
    if (
        arrival is None
        or arrival.get("status") != "checked_in"
        or arrival.get("event_at", "") >= occurred_at
    ):
        return False
    stay = await repository.stays.find_one(
        {"reservation_id": payload.reservation_id, "status": "in_house"}, {"_id": 1}
    ) or await repository.stays.find_one({"reservation_id": payload.reservation_id}, {"_id": 1})
    entry_id = f"amended-in-house|{event.event_id}"
    written = await repository.front_office_log.update_one(
        {"_id": entry_id},
        {
            "$setOnInsert": {
                "kind": "follow_up",
                "text": follow_up_text(event, arrival),
                "stay_id": stay["_id"] if stay else None,
                "reservation_id": payload.reservation_id,
                "author": AUTHOR,
                "at": event.occurred_at,
                "done_at": None,
                "done_by": None,
            }
        },
        upsert=True,
    )
    if written.upserted_id is not None:
        log.warning(
            "booking amended after check-in: follow-up for the desk",
            reservation_id=payload.reservation_id,
            fields=sorted({change.field for change in payload.changes}),
        )
    return True

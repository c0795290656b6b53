"""A stay shortened while the guest is in house: they now leave on an earlier date.

Not an early check-out (that is the guest leaving today, settled at the folio): the guest
stays, only the departure comes forward. The room's nights from the new departure go
back to the desk, the folio no longer carries their rates, and stay.shortened tells
reservation (it sells those nights again) and housekeeping (no stay-over on them).

Its own event rather than stay.extended with an earlier date: every consumer of
stay.extended takes it to add nights (reservation keeps the latest departure, housekeeping
plans service on the added nights), so an earlier date there would be taken as nothing
new. Both carry the stay's departure revision, so an extension and a shortening handled
in either order end at the later change.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.crashpoints import crash_point
from shared.errors import Conflict, Unprocessable
from shared.events import StayShortened, StayShortenedPayload
from shared.logging import get_logger
from shared.outbox import push_outbox

from .departure_change import DepartureChange
from .domain import StayShorten, nights_between
from .night_release import complete_release, release_intent
from .records import origin
from .service import FrontDeskService

log = get_logger(__name__)


class PastNights(Conflict):
    title = "Nights already begun"


async def shorten_stay(
    desk: FrontDeskService, stay_id: str, request: StayShorten
) -> dict[str, Any]:
    stay = await desk._in_house(stay_id)
    old_departure = date.fromisoformat(stay["departure"])
    today = await desk.today()
    if request.departure >= old_departure:
        raise Unprocessable(
            f"a shortening moves the departure earlier than {old_departure.isoformat()}; "
            "a later one is an extension"
        )
    if request.departure <= today:
        raise PastNights(
            f"the night of {today.isoformat()} and those before it have begun or passed "
            f"(the business date is {today.isoformat()}): a stay is shortened to leave "
            "after today; leaving today is a check-out",
            business_date=today.isoformat(),
        )
    given_up = nights_between(request.departure, old_departure)
    change = DepartureChange(stay, request.departure)
    # the nights given up go back after the write: an intent in it (night_release.py)
    intent = release_intent(given_up, desk.clock())
    event = StayShortened.new(
        StayShortenedPayload(
            **change.payload_fields(), nights_given_up=given_up, reason=request.reason
        ),
        **origin(stay),
    )
    shortened = await desk.repository.update_stay(
        stay_id,
        change.guard(),
        {
            "$set": change.new_departure(),
            "$unset": {f"nightly_rates.{night.isoformat()}": "" for night in given_up},
            "$push": {
                "departure_changes": {
                    "from": old_departure.isoformat(),
                    "to": request.departure.isoformat(),
                    "reason": request.reason,
                    "at": desk.clock(),
                },
                "release_pending": intent,
                **push_outbox(event),
            },
        },
    )
    if shortened is None:
        raise Conflict(f"stay {stay_id!r} changed meanwhile; try again")
    # After the write: until then the nights were the stay's, and a failed write keeps them.
    crash_point("frontdesk.shorten.after_saved")
    await complete_release(desk.repository, shortened, intent)
    desk.events_written()
    log.info("stay shortened", stay_id=stay_id, nights_given_up=len(given_up))
    return shortened

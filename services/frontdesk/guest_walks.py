"""Walking a guest to a partner hotel when no room is left (seed 002 10.3): the partner,
the cost the hotel pays and the reason kept on the arrival and in `walks`; the arrival
is no longer expected (no no-show fee, no room promised), and `arrival.walked` tells
reservation, which gives the nights back and marks the booking walked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.errors import Conflict, NotFound
from shared.events import ArrivalWalked, ArrivalWalkedPayload
from shared.logging import get_logger
from shared.outbox import push_outbox

from .domain import ArrivalStatus
from .front_office_context import FrontOfficeContext
from .front_office_models import WalkCreate
from .records import origin

log = get_logger(__name__)
WALKED = "walked"


class GuestWalks(FrontOfficeContext):
    async def walk(self, reservation_id: str, request: WalkCreate, by: str) -> dict[str, Any]:
        arrival = await self.repository.arrival(reservation_id)
        if arrival is None:
            raise NotFound(f"no arrival for reservation {reservation_id!r}")
        if arrival.get("walk"):
            return arrival["walk"]  # a repeat
        if arrival["status"] != ArrivalStatus.EXPECTED:
            raise Conflict(f"reservation {reservation_id!r} is {arrival['status']}")
        if arrival.get("assignment"):
            raise Conflict(
                f"reservation {reservation_id!r} has room {arrival['assignment']['room_number']}"
                " assigned: give that room, or release it first"
            )
        walk = {
            "walk_id": f"walk-{reservation_id}",
            "reservation_id": reservation_id,
            "guest_id": arrival["guest_id"],
            "arrival": arrival["arrival"],
            **request.model_dump(mode="json"),
            "total_cost": str(request.room_cost + request.transport_cost),
            "arranged_by": by,
            "at": self.clock(),
        }
        # Reservation learns it in the same write (its nights go back on sale, no no-show
        # fee): the walk and its event are one change, so no crash loses either.
        walked = ArrivalWalked.new(
            ArrivalWalkedPayload(
                reservation_id=reservation_id,
                guest_id=arrival["guest_id"],
                arrival=arrival["arrival"],
                nights=request.nights,
                partner_hotel=request.partner_hotel,
                walked_at=walk["at"],
            ),
            **origin(arrival),
        )
        moved = await self.repository.arrivals.find_one_and_update(
            {"_id": reservation_id, "status": ArrivalStatus.EXPECTED, "walk": {"$in": [None]}},
            {"$set": {"status": WALKED, "walk": walk}, "$push": push_outbox(walked)},
        )
        if moved is None:
            return await self.walk(reservation_id, request, by)  # changed meanwhile: look again
        self.service.events_written()
        await self.walks.update_one({"_id": walk["walk_id"]}, {"$setOnInsert": walk}, upsert=True)
        log.info("guest walked", reservation_id=reservation_id, partner=request.partner_hotel)
        return walk

    async def walks_between(self, first: date, last: date) -> dict[str, Any]:
        items = await self._between(self.walks, first, last)
        total = sum((Decimal(w["total_cost"]) for w in items), Decimal("0.00"))
        return {"items": items, "count": len(items), "total_cost": str(total)}

"""Front-office operations (issue 18, seed 002 ch. 10, 12; seed 000 一(四)):

- the guest's opinion asked at check-out, once per stay; a low score becomes a complaint
  for guest relations through the desk's usual complaint (once);
- walking a guest to a partner hotel when no room is left (10.3): the partner, the cost
  the hotel pays and the reason kept on the arrival and in `walks`; the arrival is no
  longer expected (no no-show fee, no room promised), and `arrival.walked` tells
  reservation, which gives the nights back and marks the booking walked;
- the communication log and the shift handover (10.2): entries written by the credential
  that wrote them, follow-ups open until done; a handover snapshots the open follow-ups
  and the day's counts for the next shift, who acknowledges it;
- front-office metrics over a period (ch. 12): check-ins and check-outs, the busiest
  check-in hours (the queue), minutes from a check-out request to settlement, errors
  (failed departure checks), complaints by category, opinions, walks and their cost.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from shared.auth import acting_person
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import ArrivalWalked, ArrivalWalkedPayload
from shared.logging import get_logger
from shared.outbox import push_outbox
from shared.sensitive import FreeText

from .domain import ArrivalStatus, ComplaintCreate, Money, _Input
from .records import origin
from .service import FrontDeskService

log = get_logger(__name__)
LOW_SCORE = 2
MAX_METRIC_DAYS = 92
WALKED = "walked"


class OpinionCreate(_Input):
    score: int = Field(ge=1, le=5, description="1 (very unhappy) to 5 (delighted)")
    comment: Annotated[str, FreeText(1000)] | None = None
    # ignored: the signed-in credential asked (issue 15), as for complaints
    taken_by: str | None = Field(default=None, max_length=100)


class WalkCreate(_Input):
    partner_hotel: str = Field(min_length=2, max_length=120)
    nights: int = Field(ge=1, le=30)
    room_cost: Money = Field(ge=0, max_digits=12, decimal_places=2)
    transport_cost: Money = Field(default=Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    reason: Annotated[str, FreeText(300)] = Field(min_length=3)


class LogEntryCreate(_Input):
    kind: Literal["note", "follow_up"] = "note"
    text: Annotated[str, FreeText(1000)] = Field(min_length=1)
    stay_id: str | None = Field(default=None, max_length=60)
    reservation_id: str | None = Field(default=None, max_length=60)


class HandoverCreate(_Input):
    shift: str = Field(min_length=1, max_length=40, description="e.g. morning, evening, night")
    notes: Annotated[str, FreeText(2000)] | None = None


class FrontOffice:
    def __init__(self, service: FrontDeskService, database: Any) -> None:
        self.service = service
        self.repository = service.repository
        self.clock = service.clock
        self.logbook = database["front_office_log"]
        self.handovers = database["shift_handovers"]
        self.walks = database["walks"]

    async def prepare(self) -> None:
        await self.logbook.create_index([("kind", 1), ("done_at", 1)])
        await self.handovers.create_index("at")
        await self.walks.create_index("at")

    # --- the guest's opinion at check-out ---------------------------------------------------

    async def record_opinion(self, stay_id: str, opinion: OpinionCreate) -> dict[str, Any]:
        stay = await self.service.get_stay(stay_id)
        if stay.get("opinion"):
            return stay["opinion"]  # asked once: a repeat answers what was recorded
        taken_by = acting_person(opinion.taken_by)
        record = {**opinion.model_dump(), "taken_by": taken_by, "at": self.clock()}
        saved = await self.repository.update_stay(
            stay_id, {"opinion": {"$in": [None]}}, {"$set": {"opinion": record}}
        )
        if saved is None:
            return (await self.service.get_stay(stay_id))["opinion"]
        if opinion.score <= LOW_SCORE:
            # guest relations follows up: the complaint, keyed so a retry raises it once
            complaint = await self.service.raise_complaint(
                stay_id,
                ComplaintCreate(
                    category="opinion at check-out",
                    severity="medium",
                    description=opinion.comment or f"scored the stay {opinion.score} of 5",
                    taken_by=taken_by,
                ),
                idempotency_key=f"opinion-{stay_id}",
            )
            record["complaint_id"] = complaint["complaint_id"]
            await self.repository.update_stay(
                stay_id, {}, {"$set": {"opinion.complaint_id": complaint["complaint_id"]}}
            )
        log.info("opinion recorded", stay_id=stay_id, score=opinion.score)
        return record

    # --- walking a guest ----------------------------------------------------------------------

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

    # --- the log and the handover -------------------------------------------------------------

    async def write(self, entry: LogEntryCreate, author: str) -> dict[str, Any]:
        record = {
            "_id": str(uuid.uuid4()),
            **entry.model_dump(),
            "author": author,
            "at": self.clock(),
            "done_at": None,
            "done_by": None,
        }
        await self.logbook.insert_one(record)
        return _public(record)

    async def entries(self, open_follow_ups_only: bool, limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = (
            {"kind": "follow_up", "done_at": None} if open_follow_ups_only else {}
        )
        found = await self.logbook.find(query).sort("at", -1).limit(limit).to_list(None)
        return [_public(entry) for entry in found]

    async def mark_done(self, entry_id: str, by: str) -> dict[str, Any]:
        entry = await self.logbook.find_one({"_id": entry_id})
        if entry is None:
            raise NotFound(f"no log entry {entry_id!r}")
        if entry["kind"] != "follow_up":
            raise Conflict("only a follow-up is done")
        await self.logbook.update_one(
            {"_id": entry_id, "done_at": None}, {"$set": {"done_at": self.clock(), "done_by": by}}
        )
        return _public(await self.logbook.find_one({"_id": entry_id}))

    async def hand_over(self, request: HandoverCreate, by: str) -> dict[str, Any]:
        today = await self.service.today()
        open_items = await self.entries(open_follow_ups_only=True, limit=200)
        arrivals = await self.repository.arrivals_on(today)
        record = {
            "_id": str(uuid.uuid4()),
            "shift": request.shift,
            "notes": request.notes,
            "handed_over_by": by,
            "at": self.clock(),
            "business_date": today.isoformat(),
            "open_follow_ups": [item["entry_id"] for item in open_items],
            "arrivals_expected": sum(1 for a in arrivals if a["status"] == ArrivalStatus.EXPECTED),
            "in_house": await self.repository.stays.count_documents({"status": "in_house"}),
            "acknowledged_by": None,
            "acknowledged_at": None,
        }
        await self.handovers.insert_one(record)
        return _public_handover(record)

    async def acknowledge(self, handover_id: str, by: str) -> dict[str, Any]:
        handover = await self.handovers.find_one({"_id": handover_id})
        if handover is None:
            raise NotFound(f"no handover {handover_id!r}")
        if handover["handed_over_by"] == by:
            raise Conflict("the next shift acknowledges a handover, not the one who wrote it")
        await self.handovers.update_one(
            {"_id": handover_id, "acknowledged_by": None},
            {"$set": {"acknowledged_by": by, "acknowledged_at": self.clock()}},
        )
        return _public_handover(await self.handovers.find_one({"_id": handover_id}))

    async def latest_handover(self) -> dict[str, Any]:
        [latest] = await self.handovers.find({}).sort("at", -1).limit(1).to_list(None) or [None]
        if latest is None:
            raise NotFound("no handover yet")
        return _public_handover(latest)

    # --- metrics ------------------------------------------------------------------------------

    async def metrics(self, first: date, last: date) -> dict[str, Any]:
        if last < first or (last - first).days >= MAX_METRIC_DAYS:
            raise Unprocessable(f"a period of 1 to {MAX_METRIC_DAYS} days, 'from' before 'to'")
        start, end = self._bounds(first, last)
        checked_in = await self.repository.stays.find(
            {"checked_in_at": {"$gte": start, "$lt": end}}, {"outbox": 0}
        ).to_list(None)
        checked_out = await self.repository.stays.find(
            {"checked_out_at": {"$gte": start, "$lt": end}}, {"outbox": 0}
        ).to_list(None)
        hours = Counter(s["checked_in_at"].astimezone(self.clock.tz).hour for s in checked_in)
        waits = [
            (s["checked_out_at"] - s["checkout_request"]["requested_at"]).total_seconds() / 60
            for s in checked_out
            if s.get("checkout_request")
        ]
        stays = {s["_id"]: s for s in checked_in + checked_out}.values()  # each stay once
        complaints = Counter(
            c["category"] for s in stays for c in s.get("complaints", []) if start <= c["at"] < end
        )
        opinions = [
            s["opinion"]["score"]
            for s in stays
            if s.get("opinion") and start <= s["opinion"]["at"] < end
        ]
        walks = await self.walks_between(first, last)
        return {
            "from": first,
            "to": last,
            "check_ins": len(checked_in),
            "check_outs": len(checked_out),
            "check_ins_by_hour": {f"{h:02d}:00": n for h, n in sorted(hours.items())},
            "busiest_check_in_hour": (f"{hours.most_common(1)[0][0]:02d}:00" if hours else None),
            "checkout_request_to_settlement_minutes": (
                round(sum(waits) / len(waits), 1) if waits else None
            ),
            "errors": {
                "failed_departure_checks": sum(
                    s.get("departure_check_failures", 0) for s in checked_out
                )
            },
            "complaints_by_category": dict(complaints.most_common()),
            "opinions": {
                "count": len(opinions),
                "average": round(sum(opinions) / len(opinions), 2) if opinions else None,
                "low": sum(1 for score in opinions if score <= LOW_SCORE),
            },
            "walks": {"count": walks["count"], "total_cost": walks["total_cost"]},
        }

    def _bounds(self, first: date, last: date) -> tuple[datetime, datetime]:
        """From midnight at the hotel on `first` to midnight after `last`."""
        return self.clock.local_time(first, 0), self.clock.local_time(last + timedelta(days=1), 0)

    async def _between(self, collection: Any, first: date, last: date) -> list[dict[str, Any]]:
        start, end = self._bounds(first, last)
        found = await collection.find({"at": {"$gte": start, "$lt": end}}).sort("at").to_list(None)
        return [{k: v for k, v in item.items() if k != "_id"} for item in found]


def _public(entry: dict[str, Any]) -> dict[str, Any]:
    return {"entry_id": entry["_id"], **{k: v for k, v in entry.items() if k != "_id"}}


def _public_handover(record: dict[str, Any]) -> dict[str, Any]:
    return {"handover_id": record["_id"], **{k: v for k, v in record.items() if k != "_id"}}

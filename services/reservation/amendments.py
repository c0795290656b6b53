"""Amending a reservation: repriced under its own terms, the new nights taken before the
old ones go back, the deposit the amended stay needs charged to its guarantee, points
for a dropped redeemed night given back.

The steps are named methods: the booking as amended, checked and repriced
(amendment_pricing.py), the nights it gains taken (amendment_holds.py), then the booking,
its reservation.amended (amended_event.py) and what else it publishes saved in one write
guarded by the version read, and only then the nights it drops given back."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from shared.crashpoints import crash_point
from shared.errors import Conflict
from shared.events import Event
from shared.logging import get_logger
from shared.outbox import outbox_entry

from .amended_event import AmendedEvents
from .amendment_holds import AmendmentHolds
from .amendment_pricing import AmendmentPricing
from .domain import HoldKey, ReservationUpdate, changes_between, expected_holds, hold_moves
from .redeemed_nights import dropped_redemptions, withdrawal_events, withdrawal_update
from .reservation_context import AlsoPublish, outbox_push

log = get_logger(__name__)


AMENDABLE = [
    "room_type",
    "arrival",
    "departure",
    "adults",
    "children",
    "room_count",
    "nightly_rates",
    "total_amount",
    "guest",
    "additional_guests",
    "special_requests",
    "expected_arrival_time",
    "expected_departure_time",
]


class Amendments(AmendmentPricing, AmendmentHolds, AmendedEvents):
    async def amend_reservation(
        self,
        reservation_id: str,
        update: ReservationUpdate,
        *,
        also_publish: AlsoPublish | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:
        """`reason`: why it changed, kept in the booking's amendment log and sent with
        reservation.amended; the routes and the channel commands always give one."""
        current = await self._confirmed(reservation_id)
        new = await self._amended_booking(current, update)
        changes = changes_between(current, new, AMENDABLE)
        if not changes:
            return current
        # the desk drops a room it assigned ahead of arrival when it hears of any
        # amendment: the booking holds its (new) booked type again (assignments.py)
        new["assigned_room"] = None
        growths, shrinks = hold_moves(expected_holds(current), expected_holds(new))
        capacities = await self._capacities(growths + shrinks)
        if growths or shrinks:
            await self._claim_and_grow(current, growths, capacities)
        crash_point("reservation.amend.after_holds_grown")
        saved = await self._save_amendment(
            current,
            new,
            changes,
            reason=reason,
            touched=[key for key, _, _ in growths + shrinks],
            settled=not shrinks,
            also_publish=also_publish,
        )
        if saved is None:
            raise Conflict("the reservation changed meanwhile; load it and try again")
        crash_point("reservation.amend.after_saved")
        if shrinks:  # then give back the old nights
            saved = await self._settle_inventory(saved)
        self.events_written()
        log.info(
            "reservation amended",
            reservation_id=reservation_id,
            fields=[c["field"] for c in changes],
        )
        return saved

    async def _amended_booking(
        self, current: dict[str, Any], update: ReservationUpdate
    ) -> dict[str, Any]:
        """The booking as the update leaves it, checked as a new booking is, and repriced
        when its stay changed. A block's pick-up changes its dates and rooms only through
        the group desk."""
        given = update.model_dump(exclude_unset=True, mode="json")
        if (
            current.get("block_id")
            and {"arrival", "departure", "room_type", "room_count"} & given.keys()
        ):
            raise Conflict(
                "a block pick-up changes dates or rooms through the group desk: "
                "cancel it and pick up again"
            )
        new = {**current, **given}
        arrival, departure = (
            date.fromisoformat(new["arrival"]),
            date.fromisoformat(new["departure"]),
        )
        room_type = await self._room_type(new["room_type"])
        self._check_stay(arrival, departure, arrival_changed=new["arrival"] != current["arrival"])
        self._check_occupancy(
            room_type, new["adults"] + new["children"], new["room_count"], adults=new["adults"]
        )
        stay_changed = any(
            new[f] != current[f] for f in ("room_type", "arrival", "departure", "room_count")
        )
        if stay_changed:
            await self._reprice(current, new, room_type, arrival, departure)
        return new

    async def _save_amendment(
        self,
        current: dict[str, Any],
        new: dict[str, Any],
        changes: list[dict[str, Any]],
        *,
        reason: str | None,
        touched: list[HoldKey],
        settled: bool,
        also_publish: AlsoPublish | None,
    ) -> dict[str, Any] | None:
        """The amended booking, its events and its log entry in one write guarded by the
        version read (None: someone changed it meanwhile). `settled`: no night is left
        to give back, so the nights' availability goes out with it."""
        version = current["version"]
        amended = self._amended_event(new, changes, reason)
        entries, withdrawn_set, withdrawn_push = await self._amendment_outbox(
            current, new, amended, touched, settled=settled, also_publish=also_publish
        )
        return await self.repository.update_reservation(
            {"_id": current["_id"], "version": version},
            {
                "$set": {
                    **{f: new[f] for f in AMENDABLE},
                    "cancellation_deadline": new["cancellation_deadline"],
                    "amendment_fees": new.get("amendment_fees", "0"),
                    "deposit_due": new.get("deposit_due", "0"),
                    "deposit_paid": new.get("deposit_paid", "0"),
                    "deposit_collections": new.get("deposit_collections", []),
                    "version": version + 1,
                    "amendment": None,
                    "assigned_room": None,
                    "amended_at": amended.occurred_at.astimezone(UTC).isoformat(),
                    "updated_at": self.clock(),
                    "inventory_settled": settled,
                    "settled_by": self.owner,
                    **withdrawn_set,
                },
                "$push": {
                    **outbox_push(entries),
                    **withdrawn_push,
                    "amendments": {
                        "at": self.clock(),
                        "reason": reason,
                        "fields": [c["field"] for c in changes],
                    },
                },
            },
        )

    async def _amendment_outbox(
        self,
        current: dict[str, Any],
        new: dict[str, Any],
        amended: Event[Any],
        touched: list[HoldKey],
        *,
        settled: bool,
        also_publish: AlsoPublish | None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
        """The amendment's outbox entries, and the booking's redemptions withdrawn (to
        set, to push): points redeemed for a night the amendment drops come back
        (redeemed_nights.py)."""
        entries = [outbox_entry(amended)]
        kept, dropped = dropped_redemptions(current, new["nightly_rates"])
        withdrawn_set, withdrawn_push = (
            withdrawal_update(kept, dropped, self.clock()) if dropped else ({}, {})
        )
        entries += [
            outbox_entry(e) for e in withdrawal_events(current, dropped, self.event_origin())
        ]
        if also_publish:
            entries += also_publish(new)
        if settled:
            entries += await self.availability_entries(touched)
        return entries, withdrawn_set, withdrawn_push
